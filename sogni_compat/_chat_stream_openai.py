"""``chat.completions.stream()`` with ``response_types="openai"``: the openai package's events.

The events are instances of the ``openai`` package's own classes (``openai.lib.streaming.chat``),
given in the order its ``ChatCompletionStreamState`` gives them: ``chunk``, then per choice the
``content``/``refusal``/``tool_calls.function.arguments``/``logprobs`` deltas, ``content.done``
when the content is over (a tool call starts or the choice finishes), each tool call's
``.done`` when the next one starts or the choice finishes. A pydantic ``response_format`` and
strict tools are parsed as that state parses them, partially while they stream.

That state rebuilds its whole snapshot on every chunk, which costs the square of the answer's
length; here every event costs the same however long the answer is. The growing fields
(``snapshot``, ``arguments``, ``parsed``, ``parsed_arguments``) hold a place in the answer
accumulated by :class:`~._streaming.ChatCompletionAccumulator` and are built when first read
(and by ``repr``, ``model_dump``, ``==``, copies and pickles); a chunk event's ``snapshot`` is
the answer as it stands when read. Imported only in this mode.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import jiter
from openai.lib.streaming.chat import (
    ChunkEvent,
    ContentDeltaEvent,
    ContentDoneEvent,
    FunctionToolCallArgumentsDeltaEvent,
    FunctionToolCallArgumentsDoneEvent,
    LogprobsContentDeltaEvent,
    LogprobsContentDoneEvent,
    LogprobsRefusalDeltaEvent,
    LogprobsRefusalDoneEvent,
    RefusalDeltaEvent,
    RefusalDoneEvent,
)
from openai.lib.streaming.chat._types import ParsedChatCompletionSnapshot

from . import _openai_types
from ._errors import ContentFilterFinishReasonError, LengthFinishReasonError
from ._structured import _read

if TYPE_CHECKING:
    from ._streaming import ChatCompletionAccumulator, Stream
    from ._structured import ParseSpec
    from .types import ChatCompletionChunk

__all__ = ["OpenAIEvents"]

#: The pydantic attributes of a model instance (what ``openai``'s ``construct`` sets).
_setattr = object.__setattr__


def _lazy(base: type) -> type:
    """``base`` (an openai event class) with fields that are built when first read.

    The builders wait in ``__pydantic_private__`` (which these classes do not otherwise use);
    anything that reads every field (``repr``, ``model_dump``, ``==``, copies, pickles)
    builds them first.
    """

    class Lazy(base):  # type: ignore[misc]
        def __getattr__(self, name: str) -> Any:
            waiting = object.__getattribute__(self, "__pydantic_private__")
            if isinstance(waiting, dict) and name in waiting:
                value = waiting.pop(name)()
                self.__dict__[name] = value
                if not waiting:
                    _setattr(self, "__pydantic_private__", None)
                return value
            return super().__getattr__(name)

        def _fill(self) -> None:
            waiting = object.__getattribute__(self, "__pydantic_private__")
            for name in list(waiting or ()):
                getattr(self, name)

        def model_dump(self, *args: Any, **kwargs: Any) -> Any:
            self._fill()
            return super().model_dump(*args, **kwargs)

        def model_dump_json(self, *args: Any, **kwargs: Any) -> Any:
            self._fill()
            return super().model_dump_json(*args, **kwargs)

        def __repr_args__(self) -> Any:
            self._fill()
            return super().__repr_args__()

        def __eq__(self, other: object) -> bool:
            self._fill()
            if isinstance(other, Lazy):
                other._fill()
            return bool(super().__eq__(other))

        __hash__ = None  # type: ignore[assignment]  # unhashable, as pydantic models are

        def __iter__(self) -> Any:
            self._fill()
            return super().__iter__()

        def __getstate__(self) -> Any:
            self._fill()
            return super().__getstate__()

        def __copy__(self) -> Any:
            self._fill()
            return super().__copy__()

        def __deepcopy__(self, memo: Any = None) -> Any:
            self._fill()
            return super().__deepcopy__(memo)

        def __reduce__(self) -> Any:
            """Pickled as the openai class itself, every field built."""
            self._fill()
            return (_rebuilt, (base, dict(self.__dict__)))

    Lazy.__name__ = base.__name__
    Lazy.__qualname__ = f"lazy {base.__qualname__}"
    return Lazy


def _rebuilt(cls: Any, fields: dict[str, Any]) -> Any:
    """An event of ``cls`` with ``fields`` (what an unpickled lazy event becomes)."""
    return cls.construct(**fields)


_LazyChunk = _lazy(ChunkEvent)
_LazyContentDelta = _lazy(ContentDeltaEvent)
_LazyRefusalDelta = _lazy(RefusalDeltaEvent)
_LazyArgumentsDelta = _lazy(FunctionToolCallArgumentsDeltaEvent)
_LazyLogprobsContentDelta = _lazy(LogprobsContentDeltaEvent)
_LazyLogprobsRefusalDelta = _lazy(LogprobsRefusalDeltaEvent)


def _event(cls: Any, fields: dict[str, Any], later: dict[str, Callable[[], Any]] | None) -> Any:
    """An instance of ``cls`` with ``fields`` set and ``later`` built when read (no checks)."""
    event = cls.__new__(cls)
    _setattr(event, "__dict__", fields)
    _setattr(event, "__pydantic_extra__", {})
    _setattr(event, "__pydantic_fields_set__", {*fields, *(later or ())})
    _setattr(event, "__pydantic_private__", later or None)
    return event


def _partial_json(text: str) -> Any:
    """What the text so far parses to (unfinished JSON allowed), or ``None``."""
    if not text.strip():
        return None
    try:
        return jiter.from_json(text.encode(), partial_mode=True)
    except ValueError:
        return None


def _is_pydantic(tp: Any) -> bool:
    return isinstance(tp, type) and callable(getattr(tp, "model_json_schema", None))


class _Choice:
    """What has been said about one choice: which ``done`` events came, logprobs so far."""

    __slots__ = (
        "content",
        "content_done",
        "current",
        "done_calls",
        "logprobs",
        "logprobs_content",
        "logprobs_content_done",
        "logprobs_refusal",
        "logprobs_refusal_done",
        "parsed",
        "refusal",
        "refusal_done",
    )

    def __init__(self) -> None:
        #: A content piece came (even an empty one): the snapshot's content is not ``None``.
        self.content = False
        self.content_done = self.refusal_done = False
        #: What the ``done`` events parsed: the content (key ``None``) and each tool call.
        self.parsed: dict[int | None, Any] = {}
        self.logprobs_content_done = self.logprobs_refusal_done = False
        #: A refusal piece came (even an empty one): the snapshot's refusal is not ``None``.
        self.refusal = False
        #: The tool call being streamed, and those whose ``.done`` was given.
        self.current: int | None = None
        self.done_calls: set[int] = set()
        #: Logprobs came, and the token lists so far (``None``: none of that kind yet).
        self.logprobs = False
        self.logprobs_content: list[Any] | None = None
        self.logprobs_refusal: list[Any] | None = None


class OpenAIEvents:
    """Turns each chunk of one streamed answer into the openai package's events."""

    def __init__(
        self, spec: ParseSpec, accumulator: ChatCompletionAccumulator, stream: Stream
    ) -> None:
        self._accumulator = accumulator
        self._stream = stream
        tp = spec.output_type
        #: The response format openai's state would parse with (pydantic models only).
        self._format = tp if tp is not None and _is_pydantic(tp) else None
        #: Tools whose arguments are parsed: name -> pydantic model, or ``None`` for JSON.
        self._tools: dict[str, Any] = {}
        for given in spec.given_tools:
            function = given.get("function") if isinstance(given, dict) else None
            if not isinstance(function, dict) or not isinstance(function.get("name"), str):
                continue
            model = getattr(function, "model", None)
            if model is not None and _is_pydantic(model):
                self._tools[function["name"]] = model
            elif function.get("strict"):
                self._tools[function["name"]] = None
        self._parseable = self._format is not None or bool(self._tools)
        self._choices: dict[int, _Choice] = {}

    # -- one chunk -------------------------------------------------------------------------

    def events(self, ours: ChatCompletionChunk) -> list[Any]:
        """The events of one chunk (already added to the accumulator).

        All of them are made before the first is handed out, as openai's state makes them:
        a snapshot read at the chunk event already shows what the chunk's ``done`` events
        parsed.
        """
        return list(self._events(ours))

    def _events(self, ours: ChatCompletionChunk) -> Iterator[Any]:
        response = self._stream.response
        chunk = _openai_types.chunk(ours, response=response)
        accumulator = self._accumulator
        if self._parseable:
            for choice in chunk.choices:
                if choice.finish_reason == "length":
                    raise LengthFinishReasonError(completion=accumulator.completion())
                if choice.finish_reason == "content_filter":
                    raise ContentFilterFinishReasonError()
        yield _event(_LazyChunk, {"type": "chunk", "chunk": chunk}, {"snapshot": self._snapshot})
        for choice in chunk.choices:
            state = accumulator._choices.get(choice.index)
            if state is None:
                continue
            progress = self._choices.get(choice.index)
            if progress is None:
                progress = self._choices[choice.index] = _Choice()
            delta = choice.delta
            if delta.content is not None:
                progress.content = True
                yield self._content_delta(delta.content, state)
            if delta.refusal is not None:
                progress.refusal = True
                refusal = functools.partial(_text_until, state.refusal, state.refusal.tell())
                yield _event(
                    _LazyRefusalDelta,
                    {"type": "refusal.delta", "delta": delta.refusal},
                    {"snapshot": refusal},
                )
            for call in delta.tool_calls or ():
                merged = state.tool_calls.get(call.index)
                if merged is None or call.function is None:
                    continue
                yield self._arguments_delta(call.index, call.function.arguments or "", merged)
            if choice.logprobs is not None:
                yield from self._logprobs(choice.logprobs, progress)
            yield from self._done_events(delta, state, progress)

    def _content_delta(self, piece: str, state: Any) -> Any:
        content = functools.partial(_text_until, state.content, state.content.tell())
        later: dict[str, Callable[[], Any]] = {"snapshot": content}
        fields: dict[str, Any] = {"type": "content.delta", "delta": piece}
        if self._format is not None and not state.refusal.tell():
            later["parsed"] = lambda: _partial_json(content())
        else:
            fields["parsed"] = None
        return _event(_LazyContentDelta, fields, later)

    def _arguments_delta(self, index: int, piece: str, merged: dict[str, Any]) -> Any:
        fragments = merged["arguments"]
        arguments = functools.partial(_joined, fragments, len(fragments))
        later: dict[str, Callable[[], Any]] = {"arguments": arguments}
        fields: dict[str, Any] = {
            "type": "tool_calls.function.arguments.delta",
            "name": merged["name"],
            "index": index,
            "arguments_delta": piece,
        }
        if merged["name"] in self._tools:
            later["parsed_arguments"] = lambda: _partial_json(arguments())
        else:
            fields["parsed_arguments"] = None
        return _event(_LazyArgumentsDelta, fields, later)

    def _logprobs(self, logprobs: Any, progress: _Choice) -> Iterator[Any]:
        content, refusal = logprobs.content, logprobs.refusal
        if not progress.logprobs:
            progress.logprobs = True
            progress.logprobs_content = list(content) if content is not None else None
            progress.logprobs_refusal = list(refusal) if refusal is not None else None
        else:  # appended in place: an event keeps how many tokens it saw
            if content:
                if progress.logprobs_content is None:
                    progress.logprobs_content = []
                progress.logprobs_content.extend(content)
            if refusal:
                if progress.logprobs_refusal is None:
                    progress.logprobs_refusal = []
                progress.logprobs_refusal.extend(refusal)
        tokens = progress.logprobs_content
        if content and tokens:
            yield _event(
                _LazyLogprobsContentDelta,
                {"type": "logprobs.content.delta", "content": content},
                {"snapshot": functools.partial(_first, tokens, len(tokens))},
            )
        tokens = progress.logprobs_refusal
        if refusal and tokens:
            yield _event(
                _LazyLogprobsRefusalDelta,
                {"type": "logprobs.refusal.delta", "refusal": refusal},
                {"snapshot": functools.partial(_first, tokens, len(tokens))},
            )

    # -- the done events, when openai's state gives them -------------------------------------

    def _done_events(self, delta: Any, state: Any, progress: _Choice) -> Iterator[Any]:
        if state.finish_reason:
            yield from self._content_done(state, progress)
            if progress.current is not None:
                yield from self._call_done(progress.current, state, progress)
        for call in delta.tool_calls or ():
            if progress.current != call.index:
                yield from self._content_done(state, progress)
                if progress.current is not None:
                    yield from self._call_done(progress.current, state, progress)
            progress.current = call.index

    def _content_done(self, state: Any, progress: _Choice) -> Iterator[Any]:
        if not progress.content_done and state.content.tell():
            progress.content_done = True
            content = state.content.getvalue()
            parsed = None
            if self._format is not None and not state.refusal.tell():
                parsed = _read(self._format, content, "The answer", self._stream.response)
                progress.parsed[None] = parsed
            yield ContentDoneEvent.construct(type="content.done", content=content, parsed=parsed)
        if not progress.refusal_done and progress.refusal:
            progress.refusal_done = True
            refusal = state.refusal.getvalue()
            yield RefusalDoneEvent.construct(type="refusal.done", refusal=refusal)
        if not progress.logprobs_content_done and progress.logprobs_content is not None:
            progress.logprobs_content_done = True
            yield LogprobsContentDoneEvent.construct(
                type="logprobs.content.done", content=progress.logprobs_content
            )
        if not progress.logprobs_refusal_done and progress.logprobs_refusal is not None:
            progress.logprobs_refusal_done = True
            yield LogprobsRefusalDoneEvent.construct(
                type="logprobs.refusal.done", refusal=progress.logprobs_refusal
            )

    def _call_done(self, index: int, state: Any, progress: _Choice) -> Iterator[Any]:
        merged = state.tool_calls.get(index)
        if index in progress.done_calls or merged is None:
            return
        progress.done_calls.add(index)
        arguments = "".join(merged["arguments"])
        parsed = None
        name = merged["name"]
        if name in self._tools:
            where = f"The arguments of tool call {merged['id']!r}"
            parsed = _read(self._tools[name], arguments, where, self._stream.response)
            progress.parsed[index] = parsed
        yield FunctionToolCallArgumentsDoneEvent.construct(
            type="tool_calls.function.arguments.done",
            name=name,
            index=index,
            arguments=arguments,
            parsed_arguments=parsed,
        )

    # -- a chunk event's snapshot --------------------------------------------------------------

    def _snapshot(self) -> Any:
        """The answer as it stands, as openai's ``ParsedChatCompletionSnapshot``."""
        wire = self._accumulator.completion().to_dict()
        for choice in wire.get("choices", ()):
            message = choice.get("message", {})
            progress = self._choices.get(choice.get("index")) or _Choice()
            # A piece that was empty still makes the field a string, as in openai's snapshot.
            if progress.content and message.get("content") is None:
                message["content"] = ""
            if progress.refusal and message.get("refusal") is None:
                message["refusal"] = ""
            content = message.get("content")
            if None in progress.parsed:  # parsed whole when the content was done
                message["parsed"] = progress.parsed[None]
            elif self._format is not None and content and not message.get("refusal"):
                message["parsed"] = _partial_json(content)
            for index, call in enumerate(message.get("tool_calls") or ()):
                function = call.get("function", {})
                if index in progress.parsed:
                    function["parsed_arguments"] = progress.parsed[index]
                elif function.get("name") in self._tools:
                    function["parsed_arguments"] = _partial_json(function.get("arguments", ""))
            if progress.logprobs:
                choice["logprobs"] = {
                    "content": progress.logprobs_content,
                    "refusal": progress.logprobs_refusal,
                }
        return ParsedChatCompletionSnapshot.construct(**wire)


def _text_until(buffer: Any, length: int) -> str:
    return str(buffer.getvalue()[:length])


def _joined(fragments: list[str], count: int) -> str:
    return "".join(fragments[:count])


def _first(items: list[Any], count: int) -> list[Any]:
    return items[:count]
