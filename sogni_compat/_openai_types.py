"""``response_types="openai"``: genuine ``openai`` objects built from the wire JSON.

Imported only in that mode, so ``import sogni_compat`` never loads the ``openai`` package.
"""

from __future__ import annotations

from typing import Any

from openai.types import Model as OpenAIModel
from openai.types.chat import (
    ChatCompletion as OpenAIChatCompletion,
)
from openai.types.chat import (
    ChatCompletionChunk as OpenAIChatCompletionChunk,
)
from openai.types.chat import (
    ParsedChatCompletion,
)

from .types import ChatCompletion, ChatCompletionChunk, Model

__all__ = ["chunk", "completion", "model"]


def completion(ours: ChatCompletion, *, parsed: bool = False) -> Any:
    """An ``openai.types.chat.ChatCompletion`` (``ParsedChatCompletion`` after ``parse()``)."""
    data = ours.to_dict()
    if parsed or any(choice.message.parsed is not None for choice in ours.choices):
        for wire, choice in zip(data["choices"], ours.choices, strict=True):
            message = wire.setdefault("message", {})
            message["parsed"] = choice.message.parsed
            for call, made in zip(
                message.get("tool_calls") or (), choice.message.tool_calls or (), strict=False
            ):
                call.setdefault("function", {})["parsed_arguments"] = made.function.parsed_arguments
        theirs: Any = ParsedChatCompletion[object].model_validate(data)
    else:
        theirs = OpenAIChatCompletion.model_validate(data)
    theirs._request_id = ours._request_id
    if ours.tool_history:
        # Not a wire field: kept out of model_dump(), readable as an attribute.
        object.__setattr__(theirs, "tool_history", ours.tool_history)
    return theirs


def chunk(ours: ChatCompletionChunk) -> Any:
    """An ``openai.types.chat.ChatCompletionChunk``."""
    return OpenAIChatCompletionChunk.model_validate(ours.to_dict())


def model(ours: Model) -> Any:
    """An ``openai.types.Model``."""
    return OpenAIModel.model_validate(ours.to_dict())
