"""``chat.completions.stream()``: a streamed answer as typed events, parsed at the end.

As the openai SDK's helper: a context manager whose stream yields events
(``chunk``, ``content.delta``/``content.done``, ``refusal.delta``/``refusal.done``,
``tool_calls.function.arguments.delta``/``.done``) and whose :meth:`get_final_completion`
gives the whole answer with ``message.parsed`` and each call's ``parsed_arguments``, as
``parse()`` does. The ``done`` events come when a choice finishes. With
``response_types="openai"`` the events are the ``openai`` package's own classes, in the
order its stream state gives them (see :mod:`._chat_stream_openai`).

Every event costs the same however long the answer: the text or arguments so far
(``snapshot``, ``arguments``) are kept as a place in the accumulated answer and joined only
when read, and the ``snapshot`` of a chunk event is the answer as it stands when read (read it
while iterating). One choice may hold at most :data:`MAX_STREAM_TOOL_CALLS` tool calls
(``APIError`` beyond), besides the ``max_response_bytes`` bound on what is kept.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, Generic

from ._config import MAX_STREAM_TOOL_CALLS
from ._errors import APIError
from ._json import loads
from ._streaming import ChatCompletionAccumulator, Stream
from ._structured import ParseSpec, _build, parse_completion
from .types import ChatCompletion, ChatCompletionChunk, ParsedChatCompletion
from .types.chat_stream import (
    ChatCompletionStreamEvent,
    ChunkEvent,
    ContentDeltaEvent,
    ContentDoneEvent,
    FunctionToolCallArgumentsDeltaEvent,
    FunctionToolCallArgumentsDoneEvent,
    RefusalDeltaEvent,
    RefusalDoneEvent,
)

if TYPE_CHECKING:  # a dict format (or none): parsed values are Any (PEP 696 default)
    from typing_extensions import TypeVar

    _T = TypeVar("_T", default=Any)
else:
    from typing import TypeVar

    _T = TypeVar("_T")

__all__ = [
    "ChatCompletionStream",
    "ChatCompletionStreamEvent",
    "ChatCompletionStreamManager",
    "ChunkEvent",
    "ContentDeltaEvent",
    "ContentDoneEvent",
    "FunctionToolCallArgumentsDeltaEvent",
    "FunctionToolCallArgumentsDoneEvent",
    "RefusalDeltaEvent",
    "RefusalDoneEvent",
]


def _text_until(buffer: io.StringIO, length: int) -> str:
    """The first ``length`` characters written to ``buffer``."""
    return buffer.getvalue()[:length]


def _joined(fragments: list[str], count: int) -> str:
    """The first ``count`` fragments, joined."""
    return "".join(fragments[:count])


class ChatCompletionStream(Generic[_T]):
    """The events of one streamed answer; iterate it, or call :meth:`get_final_completion`."""

    def __init__(self, stream: Stream, spec: ParseSpec, *, to_openai: bool = False) -> None:
        self._stream = stream
        self._spec = spec
        self._accumulator = ChatCompletionAccumulator(stream._max_response_bytes)
        self._to_openai = to_openai
        self._openai: Any = None
        if to_openai:
            from ._chat_stream_openai import OpenAIEvents  # noqa: PLC0415 - this mode only

            self._openai = OpenAIEvents(spec, self._accumulator, stream)
        self._events = self._run()
        self._final: Any = None

    @property
    def response(self) -> Any:
        """The HTTP response."""
        return self._stream.response

    @property
    def current_completion_snapshot(self) -> ChatCompletion:
        """The answer accumulated so far."""
        return self._accumulator.completion()

    def _run(self) -> Generator[Any, None, None]:
        accumulator = self._accumulator
        stream = self._stream
        stream._to_openai = False  # events are built from this package's chunks
        with stream:
            for chunk in stream:
                accumulator.add(chunk)
                self._check_calls(chunk)
                if self._openai is not None:
                    yield from self._openai.events(chunk)
                else:
                    yield from self._events_of(chunk)

    def _check_calls(self, chunk: ChatCompletionChunk) -> None:
        """Refuse a choice holding more than :data:`MAX_STREAM_TOOL_CALLS` tool calls."""
        for choice in chunk.choices:
            delta = getattr(choice, "delta", None)
            if delta is None or not delta.tool_calls:
                continue
            state = self._accumulator._choices.get(choice.index)
            if state is not None and len(state.tool_calls) > MAX_STREAM_TOOL_CALLS:
                raise APIError(
                    f"choice {choice.index} of the streamed answer holds more than "
                    f"{MAX_STREAM_TOOL_CALLS:,} tool calls",
                    self._stream.response.request,
                )

    def _events_of(self, chunk: ChatCompletionChunk) -> Iterator[Any]:
        accumulator = self._accumulator
        yield ChunkEvent(chunk, accumulator.completion)
        for choice in chunk.choices:
            state = accumulator._choices.get(choice.index)
            delta = getattr(choice, "delta", None)
            if state is None or delta is None:
                continue
            if delta.content is not None:  # an empty piece too, as the openai helper does
                text = functools.partial(_text_until, state.content, state.content.tell())
                yield ContentDeltaEvent(delta.content, text)
            if delta.refusal:
                refusal = functools.partial(_text_until, state.refusal, state.refusal.tell())
                yield RefusalDeltaEvent(delta.refusal, refusal)
            for call in delta.tool_calls or ():
                merged = state.tool_calls.get(call.index)
                fragment = call.function.arguments if call.function is not None else None
                if merged is not None and fragment:
                    fragments = merged["arguments"]
                    arguments = functools.partial(_joined, fragments, len(fragments))
                    yield FunctionToolCallArgumentsDeltaEvent(
                        merged["name"], call.index, arguments, None, fragment
                    )
            if choice.finish_reason is not None:
                yield from self._done(state)

    def _done(self, state: Any) -> Iterator[Any]:
        content = state.content.getvalue()
        if content:
            parsed = None
            if self._spec.output_type is not None and state.finish_reason != "length":
                parsed = _try_build(self._spec.output_type, content)
            yield ContentDoneEvent(content, parsed)
        if state.refusal.tell():
            yield RefusalDoneEvent(state.refusal.getvalue())
        for index, merged in sorted(state.tool_calls.items()):
            arguments = "".join(merged["arguments"])
            parsed_arguments = None
            if merged["name"] in self._spec.tools:
                parsed_arguments = _try_build(self._spec.tools[merged["name"]], arguments)
            yield FunctionToolCallArgumentsDoneEvent(
                merged["name"], index, arguments, parsed_arguments
            )

    def __iter__(self) -> Iterator[ChatCompletionStreamEvent[_T]]:
        return self._events

    def __next__(self) -> ChatCompletionStreamEvent[_T]:
        event: ChatCompletionStreamEvent[_T] = next(self._events)
        return event

    def until_done(self) -> ChatCompletionStream[_T]:
        """Read every event that is left; returns the stream."""
        for _ in self._events:
            pass
        return self

    def get_final_completion(self) -> ParsedChatCompletion[_T]:
        """The whole answer, parsed as ``parse()`` parses it (raises as ``parse()`` does)."""
        if self._final is None:
            self.until_done()
            final = parse_completion(
                self._accumulator.completion(), self._spec, self._stream.response
            )
            if self._to_openai:
                from . import _openai_types  # noqa: PLC0415 - this mode only

                final = _openai_types.completion(final, parsed=True, response=self._stream.response)
            self._final = final
        final_completion: ParsedChatCompletion[_T] = self._final
        return final_completion

    def close(self) -> None:
        """Close the connection; the events not read are dropped."""
        self._events.close()
        self._stream.close()

    def __enter__(self) -> ChatCompletionStream[_T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ChatCompletionStreamManager(Generic[_T]):
    """What ``chat.completions.stream()`` returns: use it in a ``with`` block.

    The request is sent on entering the block; the connection is closed on leaving it.
    """

    def __init__(self, open_stream: Callable[[], ChatCompletionStream[_T]]) -> None:
        self._open = open_stream
        self._stream: ChatCompletionStream[_T] | None = None

    def __enter__(self) -> ChatCompletionStream[_T]:
        self._stream = self._open()
        return self._stream

    def __exit__(self, *exc_info: object) -> None:
        if self._stream is not None:
            self._stream.close()


def _try_build(tp: type | None, text: str) -> Any:
    """``text`` parsed as ``tp`` (or as JSON when ``tp`` is ``None``); ``None`` if it is not."""
    try:
        data = loads(text)
        return data if tp is None else _build(tp, data)
    except Exception:
        return None
