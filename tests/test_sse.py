"""The SSE decoder: WHATWG line and field rules, whatever way the bytes are split."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from sogni_compat._sse import ServerSentEvent, SSEDecoder, iter_events


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
