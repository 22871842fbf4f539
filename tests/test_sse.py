"""The SSE decoder: WHATWG line and field rules, whatever way the bytes are split."""

from __future__ import annotations

import itertools
import tracemalloc
from typing import Any
from unittest.mock import ANY

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sogni_compat._sse import EventTooLargeError, ServerSentEvent, SSEDecoder, iter_events


def decode(*chunks: bytes) -> list[ServerSentEvent]:
    """All events from the chunks, end of stream included."""
    return list(iter_events(chunks))


def splits(data: bytes) -> list[list[bytes]]:
    """Every way of cutting ``data`` in two, plus byte-by-byte."""
    cuts = [[data[:i], data[i:]] for i in range(len(data) + 1)]
    return [*cuts, [data[i : i + 1] for i in range(len(data))]]


STREAM = (
    ": keep-alive\r\n"
    "\r\n"
    "event: ping\r\n"
    "\r\n"
    "id: 7\r\n"
    "retry: 1500\r\n"
    'data: {"a":\r\n'
    'data: "héllo ✓ 😀"}\r\n'
    "\r\n"
    "data:no-space\n\n"
    "data: [DONE]\r\r"
).encode()
EXPECTED = [
    ServerSentEvent(data='{"a":\n"héllo ✓ 😀"}', id="7", retry=1500),
    ServerSentEvent(data="no-space", id="7", retry=1500),
    ServerSentEvent(data="[DONE]", id="7", retry=1500),
]


def test_fields_comments_and_multiline_data() -> None:
    """Comments and data-less events are skipped, data lines are joined with a newline."""
    assert decode(STREAM) == EXPECTED


def test_every_split_position() -> None:
    """Splitting inside a field, inside a CRLF or inside a UTF-8 character changes nothing."""
    for chunks in splits(STREAM):
        assert decode(*chunks) == EXPECTED, chunks


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12))
def test_random_splits(cuts: list[int]) -> None:
    """Any set of cut points yields the same events."""
    points = [0, *sorted(cuts), len(STREAM)]
    chunks = [STREAM[a:b] for a, b in itertools.pairwise(points)]
    assert decode(*chunks) == EXPECTED


@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n")
        ).filter(lambda s: s != ""),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from(["\n", "\r", "\r\n"]),
    st.integers(min_value=1, max_value=7),
)
def test_any_text_any_line_ending_any_chunk_size(lines: list[str], newline: str, size: int) -> None:
    """Arbitrary text in data lines round-trips with LF, CR or CRLF and any read size."""
    wire = "".join(f"data: {line}{newline}" for line in lines) + newline
    raw = wire.encode()
    chunks = [raw[i : i + size] for i in range(0, len(raw), size)]
    assert [e.data for e in decode(*chunks)] == ["\n".join(lines)]


def test_event_is_yielded_when_its_blank_line_arrives() -> None:
    """An event comes out of feed() as soon as its blank line is fed, not later."""
    decoder = SSEDecoder()
    assert decoder.feed(b"data: one\n") == []
    assert decoder.feed(b"\n") == [ServerSentEvent(data="one")]
    assert decoder.feed(b"data: two\r") == []
    assert decoder.feed(b"\r") == [ServerSentEvent(data="two")]


def test_split_crlf_counts_once() -> None:
    """A CR at the end of one read and LF at the start of the next are one line ending."""
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\ndata: b\r\n\r\n") == [ServerSentEvent(data="a\nb")]


def test_named_events_and_empty_data() -> None:
    """event: names the event; a bare 'data:' is an event with empty data."""
    assert decode(b"event: error\ndata: {}\n\ndata:\n\n") == [
        ServerSentEvent(data="{}", event="error"),
        ServerSentEvent(data=""),
    ]


def test_unknown_fields_and_bad_retry_are_ignored() -> None:
    """Unknown fields and a non-numeric retry are ignored; a field without colon is a name."""
    assert decode(b"foo: bar\nretry: soon\ndata\ndata: x\n\n") == [ServerSentEvent(data="\nx")]


def test_bom_is_skipped() -> None:
    """A UTF-8 byte order mark at the start of the stream is ignored."""
    assert decode(b"\xef\xbb\xbfdata: x\n\n") == [ServerSentEvent(data="x")]


def test_end_without_blank_line_delivers_pending_data() -> None:
    """A stream cut after a complete or partial data line still yields that data."""
    assert decode(b"data: last\n") == [ServerSentEvent(data="last")]
    assert decode(b"data: [DONE]") == [ServerSentEvent(data="[DONE]")]


def test_long_line_in_many_pieces() -> None:
    """A long line arriving in many small reads is assembled once, intact."""
    payload = "x" * 100_000
    raw = f"data: {payload}\n\n".encode()
    chunks = [raw[i : i + 7] for i in range(0, len(raw), 7)]
    assert decode(*chunks) == [ServerSentEvent(data=payload)]


def test_invalid_utf8_is_replaced() -> None:
    """Invalid UTF-8 bytes become replacement characters instead of raising."""
    assert decode(b"data: \xff\xfe ok\n\n") == [ServerSentEvent(data="\ufffd\ufffd ok")]


def test_empty_read_between_cr_and_lf() -> None:
    """An empty read between the CR and LF of one line ending does not make a blank line."""
    assert decode(b"data: a\r", b"", b"\ndata: b\r\n\r\n") == [ServerSentEvent(data="a\nb")]


def reference(stream: bytes) -> list[tuple[str, str, str | None, int | None]]:
    """The WHATWG "interpret an event stream" steps, done literally on the whole stream.

    Written from the specification's text, line by line, sharing nothing with the decoder.
    Like the decoder, data pending at the end of the stream is dispatched (its leniency).
    """
    text = stream.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    events: list[tuple[str, str, str | None, int | None]] = []
    data, kind = "", ""
    last_id: str | None = None
    retry: int | None = None
    for index, line in enumerate(lines):
        at_end = index == len(lines) - 1
        if line == "" and not at_end:
            if data:
                events.append((data[:-1], kind or "message", last_id, retry))
            data, kind = "", ""
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data += value + "\n"
        elif name == "event":
            kind = value
        elif name == "id" and "\0" not in value:
            last_id = value
        elif name == "retry" and value.isascii() and value.isdigit() and len(value) <= 10:
            retry = int(value)
    if data:
        events.append((data[:-1], kind or "message", last_id, retry))
    return events


FIELDS = st.sampled_from(
    [
        b'data: {"choices": []}',
        b"data: x",
        b"data:no-space",
        b"data:",
        b"data",
        b": keep-alive",
        b"event: ping",
        b"event: error",
        b"id: 42",
        b"id",
        b"retry: 250",
        b"retry: soon",
        b"other: field",
        "data: héllo ✓".encode(),
        b"",
    ]
)


@given(
    st.lists(FIELDS, max_size=24),
    st.sampled_from([b"\n", b"\n", b"\r\n", b"\r"]),
    st.booleans(),
    st.lists(st.integers(min_value=0, max_value=400), max_size=8),
    st.booleans(),
)
@example(
    [b'data: {"choices": []}', b"", b"id: 42"], b"\n", False, [], False
)  # id after a lone line
def test_agrees_with_the_specification(
    fields: list[bytes], newline: bytes, switch: bool, cuts: list[int], bom: bool
) -> None:
    """Any mix of fields, blank lines and line endings, cut anywhere, decodes as the spec says.

    With ``switch`` the stream starts with LF line endings and changes to ``newline`` half way,
    as a stream that takes the LF fast path and then meets its first CR.
    """
    half = len(fields) // 2
    first_newline = b"\n" if switch else newline
    stream = b"".join(f + first_newline for f in fields[:half]) + b"".join(
        f + newline for f in fields[half:]
    )
    if bom:
        stream = b"\xef\xbb\xbf" + stream
    points = [0, *sorted(min(c, len(stream)) for c in cuts), len(stream)]
    chunks = [stream[a:b] for a, b in itertools.pairwise(points)]
    expected = reference(stream)
    assert [(e.data, e.event, e.id, e.retry) for e in decode(*chunks)] == expected
    decoder = SSEDecoder()
    seen: list[tuple[str, str, Any, Any]] = []
    for chunk in [*chunks, None]:
        for item in decoder.feed_payloads(chunk) if chunk is not None else decoder.close():
            if isinstance(item, bytes):
                # A lone data line: a message whose id and retry are the decoder's as of its
                # blank line, which later lines of the same read may have changed by now
                # (the chat stream, the only caller, reads neither).
                seen.append((item.decode(), "message", ANY, ANY))
            else:
                seen.append((item.data, item.event, item.id, item.retry))
    assert seen == expected


def test_lone_data_lines_come_out_as_bytes() -> None:
    """feed_payloads hands a one-line data event over as its bytes, other events decoded."""
    decoder = SSEDecoder()
    items = decoder.feed_payloads(b'data: {"a": 1}\n\nevent: ping\ndata: x\n\ndata: a\ndata: b\n\n')
    assert items == [
        b'{"a": 1}',
        ServerSentEvent(data="x", event="ping"),
        ServerSentEvent(data="a\nb"),
    ]


def test_a_blank_line_split_across_reads_ends_the_event() -> None:
    """The two LFs of a blank line arriving in different reads still end the event."""
    decoder = SSEDecoder()
    assert decoder.feed(b"data: one\n") == []
    assert decoder.feed(b"\ndata: two\n") == [ServerSentEvent(data="one")]
    assert decoder.feed(b"\n") == [ServerSentEvent(data="two")]


def test_bom_split_across_reads() -> None:
    """A byte order mark cut between reads is still skipped."""
    assert decode(b"\xef", b"\xbb\xbfdata: x\n\n") == [ServerSentEvent(data="x")]
    assert decode(b"\xef\xbb", b"\xbfdata: x\n\n") == [ServerSentEvent(data="x")]


@pytest.mark.parametrize(
    "chunks",
    [
        pytest.param([b"data: " + b"a" * 2000], id="one unfinished line"),
        pytest.param([b"data: " + b"a" * 2000 + b"\n\n"], id="one whole event, one read"),
        pytest.param([b"data: a\n"] * 40 + [b"\n"], id="many tiny lines, many reads"),
        pytest.param([b"data: a\n" * 40 + b"\n"], id="many tiny lines, one read"),
        pytest.param([b"data: x\n\n", b"data: " + b"b" * 2000 + b"\r\n"], id="after a CR"),
    ],
)
def test_event_size_is_capped_in_every_mode(chunks: list[bytes]) -> None:
    """An event over max_event_bytes (each line counted 64 bytes more) raises, in every mode.

    Held unfinished, an event costs its bytes; its lines cost more once they are read, so a
    flood of tiny lines is refused by the time its blank line arrives.
    """
    decoder = SSEDecoder(max_event_bytes=1024)
    with pytest.raises(EventTooLargeError):
        for chunk in chunks:
            decoder.feed(chunk)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_a_trickled_line_is_capped_by_its_pieces(newline: bytes) -> None:
    """An unfinished line sent a byte per read is refused long before max_event_bytes pieces."""
    decoder = SSEDecoder(max_event_bytes=64 * 1024)
    decoder.feed(b"data: x" + newline + newline)  # the stream's line endings are known
    with pytest.raises(EventTooLargeError):
        for _ in range(2000):  # 2,000 one-byte pieces, each held as its own bytes object
            decoder.feed(b"a")


def test_keep_alive_comments_between_events_cost_nothing() -> None:
    """Comment lines arriving one per read, with no blank line, never count as an event."""
    decoder = SSEDecoder(max_event_bytes=2048)
    assert decoder.feed(b"data: a\n\n") == [ServerSentEvent(data="a")]
    for _ in range(300):
        assert decoder.feed(b": keep-alive\n") == []
    assert decoder.feed(b"data: b\n\n") == [ServerSentEvent(data="b")]


@pytest.mark.parametrize("end", [b"\n", b"\r", b""], ids=["blank line", "late CR", "close"])
def test_lines_waiting_for_a_blank_line_keep_memory_flat(end: bytes) -> None:
    """Megabytes of comment lines before a blank line, a CR or the end stay out of memory."""
    decoder = SSEDecoder()  # the default 8 MiB limit
    read = b":a\n" * (64 * 1024 // 3)
    tracemalloc.start()
    try:
        for _ in range(40):  # 2.6 MiB, all of it comments
            decoder.feed(read)
        decoder.feed(end) if end else decoder.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024


@pytest.mark.parametrize("size", [900, 934, 935, 1000])
def test_line_endings_do_not_change_the_size_limit(size: int) -> None:
    """An event at the size limit is kept or refused alike with LF, CRLF or a comment first."""
    payload = "é" * (size // 2)
    outcomes: set[object] = set()
    for prefix, newline in ((b"", b"\n"), (b"", b"\r\n"), (b": hi\n", b"\n")):
        try:
            wire = prefix + b"data: " + payload.encode() + newline + newline
            events = list(iter_events([wire], max_event_bytes=1000))
        except EventTooLargeError:
            outcomes.add("refused")
        else:
            outcomes.add(events[0].data == payload)
    assert len(outcomes) == 1
