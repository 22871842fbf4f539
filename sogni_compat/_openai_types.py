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

from ._errors import APIError, APIResponseValidationError
from ._secrets import excerpt
from .types import ChatCompletion, ChatCompletionChunk, Model

__all__ = ["chunk", "completion", "model"]


def _validated(kind: Any, data: Any, what: str, response: Any, *, built: bool = False) -> Any:
    """``kind.model_validate(data)``; what openai's type refuses is an error of this package.

    ``built``: ``data`` is an object this package made (a Response translated from a chat
    completion, an images answer made from a workflow), so the message does not blame the
    server for it.
    """
    try:
        return kind.model_validate(data)
    except Exception as exc:  # pydantic's ValidationError, and what its validators raise
        whose = f"sogni_compat's {what}" if built else f"The server's {what}"
        message = (
            f"{whose} cannot be read as the openai package's type "
            f"(response_types='openai'): {excerpt(str(exc))}"
        )
    if response is not None:
        raise APIResponseValidationError(message, response=response, body=data)
    raise APIError(message, body=data)


def completion(ours: ChatCompletion, *, parsed: bool = False, response: Any = None) -> Any:
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
        theirs: Any = _validated(ParsedChatCompletion[object], data, "answer", response)
    else:
        theirs = _validated(OpenAIChatCompletion, data, "answer", response)
    theirs._request_id = ours._request_id
    if ours._loop is not None:
        # Not wire fields: kept out of model_dump(), readable as attributes.
        object.__setattr__(theirs, "tool_history", ours.tool_history)
        object.__setattr__(theirs, "media", ours.media)
        object.__setattr__(theirs, "tool_handoff", ours.tool_handoff)
    return theirs


def chunk(ours: ChatCompletionChunk, *, response: Any = None) -> Any:
    """An ``openai.types.chat.ChatCompletionChunk``."""
    return _validated(OpenAIChatCompletionChunk, ours.to_dict(), "chunk", response)


def model(ours: Model, *, response: Any = None) -> Any:
    """An ``openai.types.Model``."""
    return _validated(OpenAIModel, ours.to_dict(), "model", response)


def response(ours: Any) -> Any:
    """An ``openai.types.responses.Response``; loop results and parsed values as attributes."""
    from openai.types.responses import Response as OpenAIResponse  # noqa: PLC0415

    data = ours.to_dict()
    data.pop("store", None)
    theirs: Any = _validated(
        OpenAIResponse, data, "Response (translated from a chat completion)", None, built=True
    )
    object.__setattr__(theirs, "output_parsed", ours.output_parsed)
    object.__setattr__(theirs, "tool_history", ours.tool_history)
    object.__setattr__(theirs, "media", ours.media)
    for mine, item in zip(ours.output, theirs.output, strict=False):
        if getattr(mine, "parsed_arguments", None) is not None:
            object.__setattr__(item, "parsed_arguments", mine.parsed_arguments)
    return theirs


def item_list(ours: Any) -> Any:
    """An ``openai.types.responses.ResponseItemList`` (a page of a response's input items)."""
    from openai.types.responses import ResponseItemList  # noqa: PLC0415

    return _validated(
        ResponseItemList, ours.to_dict(), "input item list (of its store)", None, built=True
    )


def images(ours: Any) -> Any:
    """An ``openai.types.ImagesResponse``."""
    from openai.types import ImagesResponse as OpenAIImages  # noqa: PLC0415

    data = ours.to_dict()
    workflow = data.pop("workflow_id", None)
    theirs: Any = _validated(
        OpenAIImages, data, "images answer (made from a workflow)", None, built=True
    )
    object.__setattr__(theirs, "workflow_id", workflow)
    return theirs
