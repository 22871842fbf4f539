"""An incremental Server-Sent Events decoder following the WHATWG event-stream rules.

Bytes go in as they arrive from the network, events come out as soon as their terminating
blank line has been seen. Lines end in LF, CR or CRLF (a CRLF split across two reads counts
once); each complete line is decoded as UTF-8 on its own, so a character split across reads is
decoded correctly. ``:`` comments are ignored, ``event:``, ``id:`` and ``retry:`` are kept on the
event, several ``data:`` lines are joined with newlines, and an event without data is skipped.
Only the newly arrived bytes are scanned: a long line delivered in many pieces is joined once.
A stream whose lines end in LF alone (what servers send) is cut into events with one split per
read, and an event that is a single ``data:`` line skips the line-by-line rules; what comes
after a read's last blank line is read by those rules at once (so comments cost nothing while
they wait), and the first CR seen moves the decoder to those rules for the rest of the stream.
An event (its data lines together, each counting its bytes and 64 more) or an unfinished line
(each piece it arrived in counting 64 bytes more than its bytes) larger than the decoder's
``max_event_bytes`` raises :class:`EventTooLargeError` instead of growing without bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

__all__ = ["EventTooLargeError", "SSEDecoder", "ServerSentEvent", "iter_events"]

#: Digits of a ``retry:`` field worth reading (about 115 days in milliseconds).
_MAX_RETRY_DIGITS = 10
_BOM = b"\xef\xbb\xbf"
#: What one data line costs beyond its text (a string object and a list slot), counted
#: against ``max_event_bytes`` so that many tiny lines cannot hide their memory.
_LINE_COST = 64


class EventTooLargeError(ValueError):
    """One event, or one line, passed the decoder's ``max_event_bytes``."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"an event in the stream is larger than max_event_bytes={limit:,} bytes")
        self.limit = limit


@attrs.frozen
class ServerSentEvent:
    """One dispatched event: ``event`` is ``"message"`` unless the stream named it."""

    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Feed bytes with :meth:`feed`; call :meth:`close` at the end of the stream."""

    __slots__ = (
        "_data",
        "_event",
        "_fast",
        "_held",
        "_last_id",
        "_limit",
        "_partial",
        "_retry",
        "_size",
        "_skip_lf",
        "_started",
    )

    def __init__(self, max_event_bytes: int = 8 * 1024 * 1024) -> None:
        self._limit = max_event_bytes
        #: Bytes held for the event being read: its data lines and an unfinished line.
        self._size = 0
        #: Bytes of the unfinished line.
        self._held = 0
        self._partial: list[bytes] = []
        self._skip_lf = False
        self._started = False
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None
        #: Lines end in LF alone so far: events are cut at ``\n\n`` (see :meth:`_feed_lf`).
        self._fast = True

    @property
    def last_event_id(self) -> str | None:
        """The last ``id:`` seen (what a reconnect sends as ``Last-Event-ID``)."""
        return self._last_id

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode newly arrived bytes; return the events they complete."""
        if chunk and self._fast:
            chunk = self._lf_chunk(chunk)
            if self._fast:
                return self._feed_lf(chunk, raw=False)  # type: ignore[return-value]
        return self._feed_lines(chunk) if chunk else []

    def feed_payloads(self, chunk: bytes) -> list[bytes | ServerSentEvent]:
        """As :meth:`feed`, but a lone ``data:`` line's event comes out as its data's bytes.

        Such an event is a ``"message"`` event with the current id and retry; its bytes are
        not decoded, for callers that parse them themselves. Other events come out decoded.
        """
        if chunk and self._fast:
            chunk = self._lf_chunk(chunk)
            if self._fast:
                return self._feed_lf(chunk, raw=True)
        return list(self._feed_lines(chunk)) if chunk else []

    def _lf_chunk(self, chunk: bytes) -> bytes:
        """``chunk`` without a leading BOM; leaves LF mode for good at a CR (or a cut BOM)."""
        if not self._started:
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
            elif _BOM.startswith(chunk[:3]):  # a BOM cut short by the read: the line rules
                self._fast = False
                return chunk
            self._started = True
        if b"\r" in chunk:
            self._fast = False
        return chunk

    def _feed_lf(self, chunk: bytes, raw: bool) -> list[bytes | ServerSentEvent]:
        """LF mode: split at blank lines; a lone ``data:`` line is dispatched directly.

        An event under way when the read arrived (its lines held by the line rules) is
        finished by those rules, up to its blank line; so is what follows the last blank
        line, so comments are dropped and an unfinished line is bounded as it arrives.
        """
        out: list[bytes | ServerSentEvent] = []
        if self._partial or self._data or self._event:
            end = chunk.find(b"\n\n")
            if end < 0:
                return list(self._feed_lines(chunk))
            out.extend(self._feed_lines(chunk[: end + 2]))
            chunk = chunk[end + 2 :]
        blocks = chunk.split(b"\n\n")
        tail = blocks.pop()
        limit = self._limit
        for block in blocks:
            if block[:6] == b"data: " and b"\n" not in block:
                if len(block) + _LINE_COST > limit:
                    raise EventTooLargeError(limit)
                payload = block[6:]
                out.append(
                    payload
                    if raw
                    else ServerSentEvent(
                        data=payload.decode("utf-8", "replace"),
                        id=self._last_id,
                        retry=self._retry,
                    )
                )
                continue
            for line in block.split(b"\n"):
                event = self._line(line)
                if event is not None:  # an empty first line: a blank line before the block
                    out.append(event)
            event = self._dispatch()
            if event is not None:
                out.append(event)
        if tail:
            out.extend(self._feed_lines(tail))
        return out

    def _feed_lines(self, chunk: bytes) -> list[ServerSentEvent]:
        """The general rules: lines end in LF, CR or CRLF, each line is read on its own."""
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
                if not chunk:
                    return []
        lines = chunk.splitlines(keepends=True)
        tail = lines[-1]
        if tail[-1:] in (b"\n", b"\r"):
            tail = b""
            self._skip_lf = chunk[-1:] == b"\r"
        else:
            lines.pop()
        events: list[ServerSentEvent] = []
        if lines and self._partial:
            self._partial.append(lines[0])
            lines[0] = b"".join(self._partial)
            self._partial = []
            self._size -= self._held  # the unfinished line is finished: counted as data below
            self._held = 0
        for line in lines:
            event = self._line(line.rstrip(b"\r\n"))
            if event is not None:
                events.append(event)
        if tail:
            self._partial.append(tail)
            self._held += len(tail) + _LINE_COST  # a piece costs more than its bytes
            self._size += len(tail) + _LINE_COST
            if self._size > self._limit:
                raise EventTooLargeError(self._limit)
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of stream: a last unterminated line and pending data are delivered, leniently."""
        events: list[ServerSentEvent] = []
        if self._partial:
            line = b"".join(self._partial)
            self._partial = []
            self._size -= self._held
            self._held = 0
            self._line(line)
        if self._data:
            event = self._line(b"")
            if event is not None:
                events.append(event)
        return events

    def _line(self, raw: bytes) -> ServerSentEvent | None:
        if not self._started:
            self._started = True
            if raw.startswith(_BOM):
                raw = raw[3:]
        if not raw:
            return self._dispatch()
        line = raw.decode("utf-8", "replace")
        if line[0] == ":":
            return None
        name, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
            self._size += len(raw) + _LINE_COST  # the line's bytes, as LF mode counts them
            if self._size > self._limit:
                raise EventTooLargeError(self._limit)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif (
            name == "retry"
            and len(value) <= _MAX_RETRY_DIGITS
            and value.isascii()
            and value.isdigit()
        ):
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        self._size = self._held
        if not data:
            return None
        return ServerSentEvent(
            data="\n".join(data),
            event=event or "message",
            id=self._last_id,
            retry=self._retry,
        )


def iter_events(
    chunks: Iterable[bytes], max_event_bytes: int = 8 * 1024 * 1024
) -> Iterator[ServerSentEvent]:
    """Decode an iterable of byte chunks into events, yielding each as soon as it completes."""
    decoder = SSEDecoder(max_event_bytes)
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.close()
