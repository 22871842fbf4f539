"""The common streamed chunk, checked and built in one pass.

Nearly every chunk a server streams has one choice whose delta holds text (``content``,
``reasoning_content``, ``role``, ``refusal``) or one tool-call fragment. :func:`common_chunk`
checks such a chunk and builds its objects directly, keeping a server's own extra fields of
the chunk, the choice or the delta as extras; for anything else (several choices, log
probabilities, usage, extra fields of a tool call, a value of an unexpected type) it returns
``None``
and the caller takes the general path (``check_chunk`` and the converter), which reads every
shape and explains what is wrong with a malformed one. Both paths give equal objects: the
tests compare them on generated chunks.

The objects take the wire dicts themselves as their ``__dict__`` (see
``types._base.SENT_KEYS``): defaults of absent fields are found on the class, and the public
names present are what the server sent. The dicts come from parsing the event, so nobody else
holds them.
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
from .types._base import set_dict

__all__ = ["common_chunk"]


_CHUNK = ChatCompletionChunk._field_name_set()
_CHOICE = ChunkChoice._field_name_set()
_DELTA = ChoiceDelta._field_name_set()
_CALL = ChoiceDeltaToolCall._field_name_set()
_FUNCTION = ChoiceDeltaToolCallFunction._field_name_set()
_new = object.__new__


def common_chunk(data: dict[str, Any]) -> ChatCompletionChunk | None:
    """``data`` as a chunk if it has the common shape, else ``None``.

    A chunk built here owns ``data`` and the dicts inside it (they become its objects'
    ``__dict__``); when the answer is ``None`` nothing has been changed. Written out flat:
    it runs for every chunk.
    """
    if data.get("usage") is not None:
        return None
    extra = None if _CHUNK.issuperset(data) else _extra_keys(data, _CHUNK)
    choices = data.get("choices")
    if type(choices) is not list or len(choices) != 1:
        return None
    choice = choices[0]
    if (
        type(choice) is not dict
        or type(choice.get("index")) is not int
        or choice.get("logprobs") is not None
    ):
        return None
    choice_extra = None if _CHOICE.issuperset(choice) else _extra_keys(choice, _CHOICE)
    delta = choice.get("delta")
    if type(delta) is not dict:
        return None
    delta_extra = None if _DELTA.issuperset(delta) else _extra_keys(delta, _DELTA)
    calls = None
    for key, value in delta.items():  # text fields, or one tool-call fragment
        if value is None or (type(value) is str and key != "tool_calls"):
            continue
        if key != "tool_calls" or type(value) is not list or len(value) != 1:
            return None
        calls = value
    if calls is not None:
        call = calls[0]
        if type(call) is not dict or type(call.get("index")) is not int:
            return None
        if not _CALL.issuperset(call):
            return None
        ident, kind, function = call.get("id"), call.get("type"), call.get("function")
        if (type(ident) is not str and ident is not None) or (
            type(kind) is not str and kind is not None
        ):
            return None
        if function is not None:
            if type(function) is not dict or not _FUNCTION.issuperset(function):
                return None
            name, arguments = function.get("name"), function.get("arguments")
            if (type(name) is not str and name is not None) or (
                type(arguments) is not str and arguments is not None
            ):
                return None
            # Checked: from here on the dicts become the objects.
            made_function = _new(ChoiceDeltaToolCallFunction)
            set_dict(made_function, function)
            call["function"] = made_function
        made_call = _new(ChoiceDeltaToolCall)
        set_dict(made_call, call)
        delta["tool_calls"] = [made_call]
    made_delta = _new(ChoiceDelta)
    if delta_extra:
        delta["_extra"] = {key: delta.pop(key) for key in delta_extra}
    set_dict(made_delta, delta)
    choice["delta"] = made_delta
    made_choice = _new(ChunkChoice)
    if choice_extra:
        choice["_extra"] = {key: choice.pop(key) for key in choice_extra}
    set_dict(made_choice, choice)
    data["choices"] = [made_choice]
    chunk: ChatCompletionChunk = _new(ChatCompletionChunk)
    if extra:
        data["_extra"] = {key: data.pop(key) for key in extra}
    set_dict(chunk, data)
    return chunk


def _extra_keys(wire: dict[str, Any], names: frozenset[str]) -> list[str]:
    """The keys of ``wire`` that are not fields (a server's own additions), in wire order."""
    return [key for key in wire if key not in names]
