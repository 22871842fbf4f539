"""An incremental Server-Sent Events decoder following the WHATWG event-stream rules.

Bytes go in as they arrive from the network, events come out as soon as their terminating
blank line has been seen. Lines end in LF, CR or CRLF (a CRLF split across two reads counts
once); each complete line is decoded as UTF-8 on its own, so a character split across reads is
decoded correctly. ``:`` comments are ignored, ``event:``, ``id:`` and ``retry:`` are kept on the
event, several ``data:`` lines are joined with newlines, and an event without data is skipped.
Only the newly arrived bytes are scanned: a long line delivered in many pieces is joined once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

__all__ = ["SSEDecoder", "ServerSentEvent", "iter_events"]


@attrs.frozen
class ServerSentEvent:
    """One dispatched event: ``event`` is ``"message"`` unless the stream named it."""

    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Feed bytes with :meth:`feed`; call :meth:`close` at the end of the stream."""

    __slots__ = ("_data", "_event", "_last_id", "_partial", "_retry", "_skip_lf", "_started")

    def __init__(self) -> None:
        self._partial: list[bytes] = []
        self._skip_lf = False
        self._started = False
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None

    @property
    def last_event_id(self) -> str | None:
        """The last ``id:`` seen (what a reconnect sends as ``Last-Event-ID``)."""
        return self._last_id

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode newly arrived bytes; return the events they complete."""
        if not chunk:
            return []
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
        for line in lines:
            event = self._line(line.rstrip(b"\r\n"))
            if event is not None:
                events.append(event)
        if tail:
            self._partial.append(tail)
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of stream: a last unterminated line and pending data are delivered, leniently."""
        events: list[ServerSentEvent] = []
        if self._partial:
            line = b"".join(self._partial)
            self._partial = []
            self._line(line)
        if self._data:
            event = self._line(b"")
            if event is not None:
                events.append(event)
        return events

    def _line(self, raw: bytes) -> ServerSentEvent | None:
        if not self._started:
            self._started = True
            if raw.startswith(b"\xef\xbb\xbf"):
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
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None
        return ServerSentEvent(
            data="\n".join(data),
            event=event or "message",
            id=self._last_id,
            retry=self._retry,
        )


def iter_events(chunks: Iterable[bytes]) -> Iterator[ServerSentEvent]:
    """Decode an iterable of byte chunks into events, yielding each as soon as it completes."""
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.close()
