"""The common streamed chunk, checked and built in one pass.

Nearly every chunk a server streams has one choice whose delta holds text (``content``,
``reasoning_content``, ``role``, ``refusal``) or one tool-call fragment. :func:`common_chunk`
checks such a chunk and builds its objects directly; for anything else (several choices,
log probabilities, usage, extra fields, a value of an unexpected type) it returns ``None``
and the caller takes the general path (``check_chunk`` and the converter), which reads every
shape and explains what is wrong with a malformed one. Both paths give equal objects: the
tests compare them on generated chunks.

The objects take the wire dicts themselves as their ``__dict__`` (see ``types._base.adopt``):
defaults of absent fields are found on the class, and the public names present are what the
server sent. The dicts come from parsing the event, so nobody else holds them.
"""

from __future__ import annotations

from typing import Any

from .types import (
    ChatCompletionChunk,
    ChoiceDelta,
    ChoiceDeltaToolCall,
    ChoiceDeltaToolCallFunction,
    ChunkChoice,
)
from .types._base import BaseObject, adopt

__all__ = ["common_chunk"]


def _names(cls: type[BaseObject]) -> frozenset[str]:
    """The public fields of ``cls``."""
    return frozenset(cls._field_names())


_CHUNK = _names(ChatCompletionChunk)
_CHOICE = _names(ChunkChoice)
_DELTA = _names(ChoiceDelta)
_CALL = _names(ChoiceDeltaToolCall)
_FUNCTION = _names(ChoiceDeltaToolCallFunction)
_TEXT_FIELDS = ("content", "role", "reasoning_content", "refusal")


def common_chunk(data: dict[str, Any]) -> ChatCompletionChunk | None:
    """``data`` as a chunk if it has the common shape, else ``None``.

    A chunk built here owns ``data`` and the dicts inside it (they become its objects'
    ``__dict__``); when the answer is ``None`` nothing has been changed.
    """
    if not _CHUNK.issuperset(data) or data.get("usage") is not None:
        return None
    choices = data.get("choices")
    if type(choices) is not list or len(choices) != 1:
        return None
    choice = choices[0]
    if (
        type(choice) is not dict
        or type(choice.get("index")) is not int
        or not _CHOICE.issuperset(choice)
        or choice.get("logprobs") is not None
    ):
        return None
    delta = choice.get("delta")
    if type(delta) is not dict or not _DELTA.issuperset(delta):
        return None
    calls = delta.get("tool_calls")
    if calls is None:
        for value in delta.values():  # text fields, or a function_call left to the general path
            if type(value) is not str and value is not None:
                return None
        built_calls = None
    else:
        for key in _TEXT_FIELDS:
            value = delta.get(key)
            if type(value) is not str and value is not None:
                return None
        if delta.get("function_call") is not None or type(calls) is not list or len(calls) != 1:
            return None
        call = calls[0]
        if not _is_common_call(call):
            return None
        function = call.get("function")
        if function is not None:
            call["function"] = adopt(ChoiceDeltaToolCallFunction, function)
        built_calls = [adopt(ChoiceDeltaToolCall, call)]
    # Checked: from here on the dicts become the objects.
    if built_calls is not None:
        delta["tool_calls"] = built_calls
    choice["delta"] = adopt(ChoiceDelta, delta)
    data["choices"] = [adopt(ChunkChoice, choice)]
    return adopt(ChatCompletionChunk, data)


def _is_common_call(call: object) -> bool:
    """Whether ``call`` is one tool-call fragment of the common shape."""
    if type(call) is not dict or type(call.get("index")) is not int or not _CALL.issuperset(call):
        return False
    ident, kind = call.get("id"), call.get("type")
    if (type(ident) is not str and ident is not None) or (
        type(kind) is not str and kind is not None
    ):
        return False
    function = call.get("function")
    if function is None:
        return True
    if type(function) is not dict or not _FUNCTION.issuperset(function):
        return False
    name, arguments = function.get("name"), function.get("arguments")
    return (type(name) is str or name is None) and (type(arguments) is str or arguments is None)
