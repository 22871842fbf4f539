"""``Stream``: chat completion chunks from a Server-Sent Events response, nothing buffered.

The response body is read as it arrives (each HTTP chunk, or whatever one socket read returns),
decoded by :class:`~sogni_compat._sse.SSEDecoder`, and every event is handed over as soon as its
blank line has arrived. The connection is closed in a ``finally`` whenever iteration ends,
breaks, raises or is interrupted.

Bounds: after a chunk is handed over, the next must arrive within the idle timeout (the read
timeout) of the moment the stream goes back to the network for it, however long the caller
took with the one before; the first one by the attempt's deadline. Keep-alive comments and
events that are not chunks do not extend it. One event is at most ``max_event_bytes``, and
what :meth:`Stream.accumulate` keeps at most ``max_response_bytes``. A malformed chunk is an
:class:`APIError`.

A server that answers ``stream=True`` with a plain JSON completion instead of an event stream
(some proxies do) is read as one chunk holding the whole answer; an HTML page, or a body with
no chunk and no ``[DONE]``, is an :class:`APIResponseValidationError`.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Generic

import requests

from ._chunks import common_chunk
from ._config import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_RESPONSE_BYTES
from ._errors import (
    TRANSPORT_ERRORS,
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    OpenAIError,
    error_from_event,
    translate_error,
)
from ._json import loads
from ._secrets import excerpt, scrub
from ._sse import EventTooLargeError, ServerSentEvent, SSEDecoder
from ._transport import DEADLINE, BodyTooLargeError, byte_chunks, read_body
from ._wire import check_completion
from .types import ChatCompletion, ChatCompletionChunk

__all__ = ["ChatCompletionAccumulator", "Stream"]


def _openai_types() -> Any:
    from . import _openai_types  # noqa: PLC0415 - only with response_types="openai"

    return _openai_types


def _malformed(problem: str, data: object) -> APIError:
    return APIError(f"The server sent a malformed chat completion chunk: {problem}", body=data)


def _check_tool_calls(calls: object, i: int) -> str | None:
    """Why ``choices[i].delta.tool_calls`` is not usable, or ``None`` (missing indexes filled)."""
    where = f"choices[{i}].delta.tool_calls"
    if type(calls) is not list:
        return f"{where} is not a list"
    for j, call in enumerate(calls):
        if type(call) is not dict:
            return f"{where}[{j}] is not an object"
        index = call.get("index")
        if type(index) is not int:
            if index is not None:
                return f"{where}[{j}].index is not an integer"
            call["index"] = j  # lenient: the position stands in for a missing index
        ident, kind = call.get("id"), call.get("type")
        if (ident and type(ident) is not str) or (kind and type(kind) is not str):
            return f"{where}[{j}].id or .type is not a string"  # empty values count as none
        function = call.get("function")
        if function is not None:
            if type(function) is not dict:
                return f"{where}[{j}].function is not an object"
            name, arguments = function.get("name"), function.get("arguments")
            if name and type(name) is not str:
                return f"{where}[{j}].function.name is not a string"
            if arguments and type(arguments) is not str:
                return f"{where}[{j}].function.arguments is not a string"
    return None


_STRING_DELTA_KEYS = frozenset(("content", "role", "reasoning_content", "refusal"))


#: The converter's structure function for chunks, looked up once (not per chunk).
_CHUNK_HOOK: Any = None


def _chunk_hook() -> Any:
    global _CHUNK_HOOK  # noqa: PLW0603 - a cache filled on first use
    _CHUNK_HOOK = ChatCompletionChunk.reader()
    return _CHUNK_HOOK


def check_chunk(data: dict[str, Any]) -> str | None:
    """Why ``data`` is not a usable chunk, or ``None`` (a missing ``index`` is filled in)."""
    choices = data.get("choices")
    if choices is None:
        return None
    if type(choices) is not list:
        return "choices is not a list"
    for i, choice in enumerate(choices):
        if type(choice) is not dict:
            return f"choices[{i}] is not an object"
        index = choice.get("index")
        if type(index) is not int:
            if index is not None:
                return f"choices[{i}].index is not an integer"
            choice["index"] = i
        delta = choice.get("delta")
        if type(delta) is dict:
            for key, value in delta.items():  # a delta has few keys: cheaper than each lookup
                if value is None or (type(value) is str and key != "tool_calls"):
                    continue
                if key == "tool_calls":
                    problem = _check_tool_calls(value, i)
                    if problem is not None:
                        return problem
                elif key in _STRING_DELTA_KEYS:
                    return f"choices[{i}].delta.{key} is not a string"
        elif delta is not None:
            return f"choices[{i}].delta is not an object"
    return None


def _as_chunk(data: dict[str, Any]) -> dict[str, Any]:
    """A whole chat completion (JSON) as the one chunk that carries all of it."""
    choices = []
    for i, choice in enumerate(data["choices"]):
        delta = dict(choice.get("message") or {})
        calls = delta.get("tool_calls")
        if isinstance(calls, list):
            delta["tool_calls"] = [
                {**call, "index": j} if isinstance(call, dict) else call
                for j, call in enumerate(calls)
            ]
        out = {k: v for k, v in choice.items() if k != "message"}
        out.setdefault("index", i)
        out["delta"] = delta
        choices.append(out)
    chunk = {k: v for k, v in data.items() if k != "choices"}
    chunk["object"] = "chat.completion.chunk"
    chunk["choices"] = choices
    return chunk


#: What the accumulator counts for each choice, tool call and argument fragment it holds,
#: beyond their text: roughly the memory of the objects that hold them.
_CHOICE_COST = 1024
_CALL_COST = 512
_FRAGMENT_COST = 64


class _Choice:
    """What the accumulator keeps of one choice: text buffers, not chunk objects."""

    __slots__ = (
        "content",
        "finish_reason",
        "function_call",
        "reasoning",
        "refusal",
        "role",
        "tool_calls",
    )

    def __init__(self) -> None:
        self.role: str | None = None
        self.content = io.StringIO()
        self.reasoning = io.StringIO()
        self.refusal = io.StringIO()
        self.finish_reason: str | None = None
        self.tool_calls: dict[int, dict[str, Any]] = {}
        #: A legacy ``function_call``'s name and argument fragments.
        self.function_call: dict[str, Any] | None = None


class ChatCompletionAccumulator:
    """Merges chunks into one :class:`ChatCompletion` (content joined, tool calls by index).

    Keeps at most ``limit``, counting the text and tool arguments and an allowance for each
    choice, tool call and argument fragment held (so that thousands of tiny pieces cannot
    hide their memory); beyond that :meth:`add` raises :class:`APIError`.
    """

    def __init__(self, limit: int = DEFAULT_MAX_RESPONSE_BYTES) -> None:
        self._head: dict[str, Any] = {}
        self._extra: dict[str, Any] = {}
        self._choices: dict[int, _Choice] = {}
        self._usage: Any = None
        self._limit = limit
        self._size = 0

    def _count(self, text: str | int, overhead: int = 0) -> None:
        self._size += (text if isinstance(text, int) else len(text)) + overhead
        if self._size > self._limit:
            raise APIError(
                f"The streamed answer kept for get_final_completion() is larger than "
                f"max_response_bytes={self._limit:,}; raise max_response_bytes if such "
                "answers are expected"
            )

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
                self._count(_CHOICE_COST)
                state = self._choices[choice.index] = _Choice()
            delta = choice.delta
            if delta.role:
                state.role = delta.role
            if delta.content:
                self._count(delta.content)
                state.content.write(delta.content)
            if delta.reasoning_content:
                self._count(delta.reasoning_content)
                state.reasoning.write(delta.reasoning_content)
            if delta.refusal:
                self._count(delta.refusal)
                state.refusal.write(delta.refusal)
            if choice.finish_reason is not None:
                state.finish_reason = choice.finish_reason
            legacy = delta.function_call
            if legacy is not None:
                merged_call = state.function_call
                if merged_call is None:
                    self._count(_CALL_COST)
                    merged_call = state.function_call = {"name": "", "arguments": []}
                if legacy.name and not merged_call["name"]:
                    merged_call["name"] = legacy.name
                if legacy.arguments:
                    self._count(legacy.arguments, _FRAGMENT_COST)
                    merged_call["arguments"].append(legacy.arguments)
            for call in delta.tool_calls or ():
                merged = state.tool_calls.get(call.index)
                if merged is None:
                    self._count(_CALL_COST)
                    merged = state.tool_calls[call.index] = {
                        "id": "",
                        "type": "function",
                        "name": "",
                        "arguments": [],
                    }
                if call.id and not merged["id"]:
                    merged["id"] = call.id
                if call.type:
                    merged["type"] = call.type
                function = call.function
                if function is not None:
                    if function.name and not merged["name"]:
                        merged["name"] = function.name
                    if function.arguments:
                        self._count(function.arguments, _FRAGMENT_COST)
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
            if state.function_call is not None:
                message["function_call"] = {
                    "name": state.function_call["name"],
                    "arguments": "".join(state.function_call["arguments"]),
                }
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
        return ChatCompletion.reader()(wire, None)


if TYPE_CHECKING:  # a bare ``Stream`` is a stream of ChatCompletionChunk (PEP 696 default)
    from typing_extensions import TypeVar

    _T = TypeVar("_T", default=ChatCompletionChunk)
else:
    from typing import TypeVar

    _T = TypeVar("_T")


class Stream(Generic[_T]):
    """An iterable of :class:`ChatCompletionChunk` read from a streaming response.

    ``Stream[ChatCompletionChunk]`` (as openai's generic ``Stream`` is written) and a bare
    ``Stream`` name the same type.

    Iterate it (a ``for`` loop left early closes the connection, and iterating again then
    raises :class:`OpenAIError` rather than silently yielding nothing; ``next(stream)``
    reads one chunk at a time without closing), use it as a context manager, or call
    :meth:`close`. ``.response`` is the HTTP response.

    Nothing is kept by default, so memory stays flat however long the answer. To get the
    whole answer as a :class:`ChatCompletion` too, call :meth:`get_final_completion` before
    reading any chunk, or :meth:`accumulate` before iterating.

    ``idle_timeout`` is how long to wait for each chunk (``None``: no bound); the first is due
    by the deadline of the attempt that opened the stream, when there is one.
    """

    response: requests.Response

    def __init__(
        self,
        response: requests.Response,
        *,
        idle_timeout: float | None = None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.response = response
        self._idle = idle_timeout
        ambient = DEADLINE.get()
        self._due = (
            ambient
            if ambient is not None
            else (time.monotonic() + idle_timeout if idle_timeout is not None else None)
        )
        self._max_response_bytes = max_response_bytes
        kind = response.headers.get("content-type", "").lower()
        self._json = "json" in kind
        if "html" in kind:  # a gateway's page; anything else may still be an event stream
            self._refuse(kind)
        self._decoder = SSEDecoder(max_event_bytes)
        self._reads = byte_chunks(response.raw)
        #: Events decoded from the last read and not handed over yet, and the next one's place.
        self._pending: list[bytes | ServerSentEvent] = []
        self._next = 0
        self._eof = False
        #: A chunk was handed over since the last network read.
        self._fresh = False
        self._accumulator: ChatCompletionAccumulator | None = None
        #: The call used legacy ``functions=``: tool-call fragments become ``function_call``.
        self._legacy = False
        #: ``response_types="openai"``: hand over ``openai`` objects.
        self._to_openai = False
        self._handed_out = False
        self._first: ChatCompletionChunk | None = None
        self._iterator: Iterator[ChatCompletionChunk] | None = None
        self._started = False
        self._finished = False
        self._closed = False

    def _refuse(self, kind: str) -> None:
        """A page where an event stream should be: read a little of it and raise."""
        response = self.response
        ends = time.monotonic() + 5.0  # only an excerpt for the message: not worth waiting for
        if self._due is not None:
            ends = min(ends, self._due)
        token = DEADLINE.set(ends)
        try:
            read_body(response, ends, 4096, truncate=True)
        except (OpenAIError, *TRANSPORT_ERRORS):
            response._content = b""
        finally:
            DEADLINE.reset(token)
            response.close()
        start = excerpt(response.content.decode("utf-8", "replace"), 200)
        raise APIResponseValidationError(
            f"The server answered a streaming request with {kind or 'no content type'} "
            f"instead of an event stream: {start!r}",
            response=response,
            body=start,
        )

    def _prime(self) -> None:
        """Read up to the first chunk, so failures before it can still be retried."""
        try:
            self._first = self._read()
        except BaseException as exc:
            self.close()
            scrub(exc)
            raise

    def _read(self) -> ChatCompletionChunk | None:
        """The next chunk from the network, or ``None`` at the end of the stream."""
        if self._finished or self._closed:
            return None
        if self._json:
            return self._whole_answer()
        while True:
            pending = self._pending
            if self._next < len(pending):
                item = pending[self._next]
                self._next += 1
                chunk = self._chunk(item)
                if chunk is not None:
                    break
                if self._finished:
                    self._started = True
                    return None
            elif self._eof:
                self._finished = True
                if not self._started:
                    raise self._ended_early()
                return None
            else:
                self._fill()
        self._started = True
        self._fresh = True
        return chunk

    def _fill(self) -> None:
        """Read from the network, waiting until the deadline at most, and decode what came."""
        if self._fresh:  # a chunk came since the last wait: the idle timeout starts again
            self._fresh = False
            if self._idle is not None:
                self._due = time.monotonic() + self._idle
        token = DEADLINE.set(self._due)
        try:
            data = next(self._reads, None)
            if data is None:
                self._eof = True
                self._pending = list(self._decoder.close())
            else:
                self._pending = self._decoder.feed_payloads(data)
        except EventTooLargeError as exc:
            raise APIError(
                f"{exc}; raise max_event_bytes if such events are expected",
                self.response.request,
            ) from None
        except TRANSPORT_ERRORS as exc:
            error = translate_error(exc, self.response.request)
            if error is exc:
                raise
            raise error from exc
        finally:
            DEADLINE.reset(token)
        self._next = 0

    def _ended_early(self) -> APIError:
        raw = self.response.raw
        if not getattr(raw, "tell", lambda: 1)():
            return APIConnectionError(
                "Connection error: the stream closed before sending anything",
                self.response.request,
            )
        return APIResponseValidationError(
            "The stream ended without any chunk or [DONE]", response=self.response
        )

    def _whole_answer(self) -> ChatCompletionChunk | None:
        """A JSON completion instead of a stream: its content as one chunk, then the end."""
        self._finished = True
        self._started = True
        response = self.response
        token = DEADLINE.set(self._due)
        try:
            read_body(
                response,
                self._due if self._due is not None else float("inf"),
                self._max_response_bytes,
            )
        except BodyTooLargeError as exc:
            raise APIResponseValidationError(
                f"The server's answer is larger than max_response_bytes="
                f"{self._max_response_bytes:,} bytes ({exc.size:,} read so far)",
                response=response,
            ) from None
        except TRANSPORT_ERRORS as exc:
            error = translate_error(exc, response.request)
            if error is exc:
                raise
            raise error from exc
        finally:
            DEADLINE.reset(token)
        try:
            data = loads(response.content)
        except ValueError:
            start = excerpt(response.content[:400].decode("utf-8", "replace"), 200)
            raise APIResponseValidationError(
                f"The server answered a streaming request with JSON that is not valid: {start!r}",
                response=response,
                body=start,
            ) from None
        if isinstance(data, dict) and "error" in data:
            raise error_from_event(data)
        problem = check_completion(data)
        if problem is not None:
            raise APIResponseValidationError(
                f"The server answered a streaming request with JSON that is not a chat "
                f"completion: {problem}",
                response=response,
                body=data,
            )
        return self._structure(_as_chunk(data))

    def _chunk(self, item: bytes | ServerSentEvent) -> ChatCompletionChunk | None:
        if type(item) is bytes:  # a lone ``data:`` line: a "message" event
            if item == b"[DONE]":
                self._finished = True
                return None
            text = item.decode("utf-8", "replace")
            kind = "message"
        else:
            assert isinstance(item, ServerSentEvent)
            text = item.data
            kind = item.event
            if text == "[DONE]":
                self._finished = True
                return None
            if kind not in ("message", "error"):
                return None  # named events that are not chunks (e.g. pings) are skipped
        try:
            data = loads(text)
        except ValueError as exc:
            if kind == "error":
                raise error_from_event(text) from None
            raise APIError(
                f"The server sent an event that is not valid JSON ({exc}): {excerpt(text, 200)!r}",
                self.response.request,
                body=excerpt(text),
            ) from None
        if type(data) is not dict:
            if kind == "error":
                raise error_from_event(data)
            raise APIError(
                f"The server sent an event that is not a chat completion chunk: "
                f"{excerpt(json.dumps(data), 200)}",
                self.response.request,
                body=data,
            )
        if kind == "error" or "error" in data:
            raise error_from_event(data)
        built = None if self._legacy else common_chunk(data)  # legacy calls rewrite the chunk
        return built or self._structure(data)

    def _structure(self, data: dict[str, Any]) -> ChatCompletionChunk:
        if self._legacy:
            from ._legacy import chunk_as_legacy  # noqa: PLC0415 - legacy calls only

            chunk_as_legacy(data)
        problem = check_chunk(data)
        if problem is not None:
            raise _malformed(problem, data)
        chunk: ChatCompletionChunk = (_CHUNK_HOOK or _chunk_hook())(data, None)
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
                yield (
                    _openai_types().chunk(chunk, response=self.response)
                    if self._to_openai
                    else chunk
                )
                chunk = self._read()
        except APIError as exc:
            scrub(exc)
            raise
        finally:
            self.close()

    def __iter__(self) -> Iterator[_T]:
        chunks: Iterator[_T] = self._iterate()  # type: ignore[assignment]  # _T is the chunk
        return chunks

    def __next__(self) -> _T:
        if self._iterator is None:
            self._iterator = self._iterate()
        chunk: _T = next(self._iterator)  # type: ignore[assignment]  # _T is the chunk
        return chunk

    def accumulate(self) -> Stream[_T]:
        """Keep what :meth:`get_final_completion` needs while you iterate; returns the stream.

        ``for chunk in stream.accumulate(): ...`` then ``stream.get_final_completion()``.
        Must be called before the first chunk is read. What is kept is bounded by the
        client's ``max_response_bytes``.
        """
        if self._accumulator is None:
            if self._handed_out:
                raise OpenAIError(
                    "accumulate() must be called before the first chunk is read: the chunks "
                    "already handed out were not kept"
                )
            self._accumulator = ChatCompletionAccumulator(self._max_response_bytes)
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
        if self._to_openai:
            theirs: ChatCompletion = _openai_types().completion(final, response=self.response)
            return theirs
        return final

    def close(self) -> None:
        """Close the connection (idempotent); unread events are dropped."""
        if not self._closed:
            self._closed = True
            self.response.close()

    def __enter__(self) -> Stream[_T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<Stream {state} status={self.response.status_code}>"

    def _ipython_display_(self) -> None:
        """Jupyter: a stream left as a cell's last expression renders live (``show()``)."""
        from .notebook import show  # noqa: PLC0415 - only in notebooks

        show(self)
