"""The common streamed chunk, checked and built in one pass.

Nearly every chunk a server streams has one choice whose delta holds text (``content``,
``reasoning_content``, ``role``, ``refusal``) or one tool-call fragment. :func:`common_chunk`
checks such a chunk and builds its objects directly; for anything else (several choices,
log probabilities, usage, extra fields, a value of an unexpected type) it returns ``None``
and the caller takes the general path (``check_chunk`` and the converter), which reads every
shape and explains what is wrong with a malformed one. Both paths give equal objects: the
tests compare them on generated chunks.

The objects are built as the converter's generated functions build them: the wire dict
merged over the defaults becomes the object's ``__dict__``, and ``_fields_set`` is the wire
dict (what the server sent).
"""

from __future__ import annotations

from typing import Any

import attrs

from .types import (
    ChatCompletionChunk,
    ChoiceDelta,
    ChoiceDeltaToolCall,
    ChoiceDeltaToolCallFunction,
    ChunkChoice,
)
from .types._base import BaseObject

__all__ = ["common_chunk"]


def _defaults(cls: type[BaseObject]) -> dict[str, Any]:
    """The public fields of ``cls`` with their defaults; ``None`` stands in for a factory."""
    return {
        field.name: None if isinstance(field.default, attrs.Factory) else field.default  # type: ignore[arg-type]
        for field in attrs.fields(cls)
        if not field.name.startswith("_")
    }


_CHUNK = _defaults(ChatCompletionChunk)
_CHOICE = _defaults(ChunkChoice)
_DELTA = _defaults(ChoiceDelta)
_CALL = _defaults(ChoiceDeltaToolCall)
_FUNCTION = _defaults(ChoiceDeltaToolCallFunction)
_new = object.__new__


def common_chunk(data: dict[str, Any]) -> ChatCompletionChunk | None:
    """``data`` as a chunk if it has the common shape, else ``None`` (nothing is changed)."""
    head = {**_CHUNK, **data}
    if len(head) != len(_CHUNK) or head["usage"] is not None:
        return None
    choices = head["choices"]
    if type(choices) is not list or len(choices) != 1:
        return None
    sent = choices[0]
    if type(sent) is not dict or type(sent.get("index")) is not int:
        return None
    choice = {**_CHOICE, **sent}
    if len(choice) != len(_CHOICE) or choice["logprobs"] is not None:
        return None
    wire = choice["delta"]
    if type(wire) is not dict:
        return None
    delta = {**_DELTA, **wire}
    if len(delta) != len(_DELTA) or delta["function_call"] is not None:
        return None
    calls = delta["tool_calls"]
    if calls is None:
        for value in wire.values():  # only text fields are left
            if type(value) is not str and value is not None:
                return None
    else:
        for key in ("content", "role", "reasoning_content", "refusal"):
            value = delta[key]
            if type(value) is not str and value is not None:
                return None
        if type(calls) is not list or len(calls) != 1:
            return None
        call = _tool_call(calls[0])
        if call is None:
            return None
        delta["tool_calls"] = [call]
    delta["_fields_set"] = wire
    made_delta = _new(ChoiceDelta)
    made_delta.__dict__ = delta
    choice["delta"] = made_delta
    choice["_fields_set"] = sent
    made_choice = _new(ChunkChoice)
    made_choice.__dict__ = choice
    head["choices"] = [made_choice]
    head["_fields_set"] = data
    chunk: ChatCompletionChunk = _new(ChatCompletionChunk)
    chunk.__dict__ = head
    return chunk


def _tool_call(sent: object) -> ChoiceDeltaToolCall | None:
    """One tool-call fragment of the common shape, or ``None``."""
    if type(sent) is not dict or type(sent.get("index")) is not int:
        return None
    call = {**_CALL, **sent}
    if len(call) != len(_CALL):
        return None
    ident, kind = call["id"], call["type"]
    if (type(ident) is not str and ident is not None) or (
        type(kind) is not str and kind is not None
    ):
        return None
    wire = call["function"]
    if wire is not None:
        if type(wire) is not dict:
            return None
        function = {**_FUNCTION, **wire}
        name, arguments = function["name"], function["arguments"]
        if (
            len(function) != len(_FUNCTION)
            or (type(name) is not str and name is not None)
            or (type(arguments) is not str and arguments is not None)
        ):
            return None
        function["_fields_set"] = wire
        made_function = _new(ChoiceDeltaToolCallFunction)
        made_function.__dict__ = function
        call["function"] = made_function
    call["_fields_set"] = sent
    made: ChoiceDeltaToolCall = _new(ChoiceDeltaToolCall)
    made.__dict__ = call
    return made
