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


def completion(ours: ChatCompletion) -> Any:
    """An ``openai.types.chat.ChatCompletion`` (``ParsedChatCompletion`` after ``parse()``)."""
    data = ours.to_dict()
    parsed = [choice.message.parsed for choice in ours.choices]
    if any(value is not None for value in parsed):
        for wire, value in zip(data["choices"], parsed, strict=True):
            wire.setdefault("message", {})["parsed"] = value
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
