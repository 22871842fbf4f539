"""``Stream``: chat completion chunks from a Server-Sent Events response, nothing buffered.

The response body is read as it arrives (each HTTP chunk, or whatever one socket read returns),
decoded by :class:`~sogni_compat._sse.SSEDecoder`, and every event is handed over as soon as its
blank line has arrived. The connection is closed in a ``finally`` whenever iteration ends,
breaks, raises or is interrupted.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import requests

from ._convert import converter
from ._errors import APIError, OpenAIError, error_from_event, translate_transport_errors
from ._sse import ServerSentEvent, iter_events
from .types import ChatCompletion, ChatCompletionChunk

__all__ = ["ChatCompletionAccumulator", "Stream"]

_READ_SIZE = 65536


def _openai_types() -> Any:
    from . import _openai_types  # noqa: PLC0415 - only with response_types="openai"

    return _openai_types


def _byte_chunks(raw: Any) -> Iterator[bytes]:
    """The body's bytes as they arrive: one HTTP chunk, or one socket read, at a time."""
    if getattr(raw, "chunked", False) and raw.supports_chunked_reads():
        yield from raw.read_chunked(None, decode_content=True)
        return
    read1 = getattr(raw, "read1", None)
    if read1 is None:  # urllib3 before read1: the best it offers
        yield from raw.stream(_READ_SIZE, decode_content=True)
        return
    while True:
        data = read1(_READ_SIZE, decode_content=True)
        if not data:
            return
        yield data


class _Choice:
    """What the accumulator keeps of one choice: text buffers, not chunk objects."""

    __slots__ = ("content", "finish_reason", "reasoning", "refusal", "role", "tool_calls")

    def __init__(self) -> None:
        self.role: str | None = None
        self.content = io.StringIO()
        self.reasoning = io.StringIO()
        self.refusal = io.StringIO()
        self.finish_reason: str | None = None
        self.tool_calls: dict[int, dict[str, Any]] = {}


class ChatCompletionAccumulator:
    """Merges chunks into one :class:`ChatCompletion` (content joined, tool calls by index)."""

    def __init__(self) -> None:
        self._head: dict[str, Any] = {}
        self._extra: dict[str, Any] = {}
        self._choices: dict[int, _Choice] = {}
        self._usage: Any = None

    def add(self, chunk: ChatCompletionChunk) -> None:
        """Fold one chunk in."""
        head = self._head
        if not head:
            sent = chunk._set_names()
            head.update(
                (name, getattr(chunk, name)) for name in ("id", "created", "model") if name in sent
            )
            head.setdefault("id", chunk.id)
        if chunk.system_fingerprint is not None:
            head["system_fingerprint"] = chunk.system_fingerprint
        if chunk.service_tier is not None:
            head["service_tier"] = chunk.service_tier
        if chunk.usage is not None:
            self._usage = chunk.usage
        if chunk._extra:
            self._extra.update(chunk._extra)
        for choice in chunk.choices:
            if not hasattr(choice, "delta"):  # a malformed choice kept as sent
                continue
            state = self._choices.get(choice.index)
            if state is None:
                state = self._choices[choice.index] = _Choice()
            delta = choice.delta
            if delta.role:
                state.role = delta.role
            if delta.content:
                state.content.write(delta.content)
            if delta.reasoning_content:
                state.reasoning.write(delta.reasoning_content)
            if delta.refusal:
                state.refusal.write(delta.refusal)
            if choice.finish_reason is not None:
                state.finish_reason = choice.finish_reason
            for call in delta.tool_calls or ():
                merged = state.tool_calls.setdefault(
                    call.index, {"id": "", "type": "function", "name": "", "arguments": []}
                )
                if call.id and not merged["id"]:
                    merged["id"] = call.id
                if call.type:
                    merged["type"] = call.type
                function = call.function
                if function is not None:
                    if function.name and not merged["name"]:
                        merged["name"] = function.name
                    if function.arguments:
                        merged["arguments"].append(function.arguments)

    def completion(self) -> ChatCompletion:
        """The completion accumulated so far."""
        choices = []
        for index in sorted(self._choices):
            state = self._choices[index]
            message: dict[str, Any] = {
                "role": state.role or "assistant",
                "content": state.content.getvalue() or None,
            }
            if state.reasoning.tell():
                message["reasoning_content"] = state.reasoning.getvalue()
            if state.refusal.tell():
                message["refusal"] = state.refusal.getvalue()
            if state.tool_calls:
                message["tool_calls"] = [
                    {
                        "id": call["id"],
                        "type": call["type"],
                        "function": {"name": call["name"], "arguments": "".join(call["arguments"])},
                    }
                    for _, call in sorted(state.tool_calls.items())
                ]
            choices.append(
                {"index": index, "message": message, "finish_reason": state.finish_reason}
            )
        wire: dict[str, Any] = {**self._extra, **self._head, "object": "chat.completion"}
        wire["choices"] = choices
        if self._usage is not None:
            wire["usage"] = self._usage
        return converter.structure(wire, ChatCompletion)


class Stream:
    """An iterable of :class:`ChatCompletionChunk` read from a streaming response.

    Iterate it (a ``for`` loop left early closes the connection, and iterating again then
    raises :class:`OpenAIError` rather than silently yielding nothing; ``next(stream)``
    reads one chunk at a time without closing), use it as a context manager, or call
    :meth:`close`. ``.response`` is the HTTP response.

    Nothing is kept by default, so memory stays flat however long the answer. To get the
    whole answer as a :class:`ChatCompletion` too, call :meth:`get_final_completion` before
    reading any chunk, or :meth:`accumulate` before iterating.
    """

    response: requests.Response

    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self._events = iter_events(_byte_chunks(response.raw))
        self._accumulator: ChatCompletionAccumulator | None = None
        #: ``response_types="openai"``: hand over ``openai`` objects.
        self._to_openai = False
        self._handed_out = False
        self._first: ChatCompletionChunk | None = None
        self._iterator: Iterator[ChatCompletionChunk] | None = None
        self._finished = False
        self._closed = False

    def _prime(self) -> None:
        """Read up to the first chunk, so failures before it can still be retried."""
        try:
            self._first = self._read()
        except BaseException:
            self.close()
            raise

    def _read(self) -> ChatCompletionChunk | None:
        """The next chunk from the network, or ``None`` at the end of the stream."""
        while not (self._finished or self._closed):
            with translate_transport_errors(self.response.request):
                event = next(self._events, None)
            if event is None:
                self._finished = True
                return None
            chunk = self._chunk(event)
            if chunk is not None:
                return chunk
        return None

    def _chunk(self, event: ServerSentEvent) -> ChatCompletionChunk | None:
        if event.data == "[DONE]":
            self._finished = True
            return None
        if event.event not in ("message", "error"):
            return None  # named events that are not chunks (e.g. pings) are skipped
        try:
            data = json.loads(event.data)
        except ValueError as exc:
            if event.event == "error":
                raise error_from_event(event.data) from None
            raise APIError(
                f"The server sent an event that is not valid JSON: {event.data[:200]!r}",
                self.response.request,
                body=event.data,
            ) from exc
        if event.event == "error" or (isinstance(data, dict) and "error" in data):
            raise error_from_event(data)
        if not isinstance(data, dict):
            raise APIError(
                f"The server sent an event that is not a chat completion chunk: {data!r}"[:300],
                self.response.request,
                body=data,
            )
        chunk: ChatCompletionChunk = converter.structure(data, ChatCompletionChunk)
        return chunk

    def _iterate(self) -> Iterator[ChatCompletionChunk]:
        if self._closed and not self._finished:
            raise OpenAIError(
                "This stream was closed before its end (a loop over it was left early, it "
                "failed, or close() was called), so the rest of the answer is gone. To read it "
                "in several steps use next(stream), which does not close it."
            )
        try:
            chunk, self._first = self._first, None
            if chunk is None:
                chunk = self._read()
            while chunk is not None:
                if self._accumulator is not None:
                    self._accumulator.add(chunk)
                self._handed_out = True
                yield _openai_types().chunk(chunk) if self._to_openai else chunk
                chunk = self._read()
        finally:
            self.close()

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        return self._iterate()

    def __next__(self) -> ChatCompletionChunk:
        if self._iterator is None:
            self._iterator = self._iterate()
        return next(self._iterator)

    def accumulate(self) -> Stream:
        """Keep what :meth:`get_final_completion` needs while you iterate; returns the stream.

        ``for chunk in stream.accumulate(): ...`` then ``stream.get_final_completion()``.
        Must be called before the first chunk is read.
        """
        if self._accumulator is None:
            if self._handed_out:
                raise OpenAIError(
                    "accumulate() must be called before the first chunk is read: the chunks "
                    "already handed out were not kept"
                )
            self._accumulator = ChatCompletionAccumulator()
        return self

    def get_final_completion(self) -> ChatCompletion:
        """Read the rest of the stream and return the whole answer as a :class:`ChatCompletion`.

        Works on a stream nobody has read from yet, or one set to :meth:`accumulate`.
        """
        if self._accumulator is None and self._handed_out:
            raise OpenAIError(
                "get_final_completion() needs every chunk, and some were read without being "
                "kept: call stream.accumulate() before iterating, or call "
                "get_final_completion() instead of iterating"
            )
        accumulator = self.accumulate()._accumulator
        assert accumulator is not None
        for _ in self:
            pass
        final = accumulator.completion()
        return _openai_types().completion(final) if self._to_openai else final

    def close(self) -> None:
        """Close the connection (idempotent); unread events are dropped."""
        if not self._closed:
            self._closed = True
            self.response.close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<Stream {state} status={self.response.status_code}>"
