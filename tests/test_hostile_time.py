"""Every call ends within the bound the README states, against servers that stall on purpose.

Each case runs against ``tests/_hostile.py``'s raw-socket server, which writes every byte
itself: trickled status lines and headers, bodies that crawl, streams of keep-alives only,
workflow streams that never finish or drop after every event. Elapsed times are checked
against the documented bound with a little slack for a busy machine; the point is that the
call ends near the bound, where before it ran on for as long as the server liked.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.types.chat import ChatCompletionMessageParam

from ._helpers import error_class
from ._hostile import (
    Exchange,
    HostileServer,
    WorkflowScript,
    completion_body,
    event_stream_head,
    head,
    json_response,
)

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
#: What a shared machine may add to a bound (thread scheduling, a slow first connection).
SLACK = 0.6
#: The timeout of most clients here, and the attempt bound it makes.
CONNECT_READ = (0.4, 0.8)
BUDGET = sum(CONNECT_READ)

Serve = Callable[[Callable[[Exchange], None]], HostileServer]


def client_for(server: HostileServer, **options: Any) -> OpenAI:
    """The server's client with this module's short timeouts unless given."""
    client: OpenAI = server.client(**{"timeout": CONNECT_READ, **options})
    return client


def elapsed(call: Callable[[], object]) -> tuple[float, BaseException | None, object]:
    """Run ``call``; its duration, the exception it raised (or None) and its result."""
    started = time.monotonic()
    try:
        result = call()
    except Exception as exc:
        return time.monotonic() - started, exc, None
    return time.monotonic() - started, None, result


def trickled_headers(exchange: Exchange) -> None:
    """The status line and headers, one byte every 0.2 s."""
    exchange.trickle(head(200, {"Content-Type": "application/json", "X-Pad": "x" * 100}), 0.2)


def trickled_body(exchange: Exchange) -> None:
    """Headers at once, then a body one byte every 0.3 s."""
    body = json_response(200, completion_body("slow")).split(b"\r\n\r\n", 1)[1]
    exchange.send(head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))}))
    exchange.trickle(body, 0.3)


def pings_only(exchange: Exchange) -> None:
    """An event stream that only ever sends keep-alive comments."""
    exchange.send(event_stream_head())
    while not exchange.stopping:
        exchange.send(b": ping\n\n")
        exchange.wait(0.1)


def one_chunk_then_pings(exchange: Exchange) -> None:
    """One chunk, then named ping events and comments for ever."""
    exchange.send(event_stream_head())
    chunk: dict[str, Any] = {"id": "c", "object": "chat.completion.chunk"}
    chunk["choices"] = [{"index": 0, "delta": {"content": "Hi"}}]
    exchange.send(b"data: " + json.dumps(chunk).encode() + b"\n\n")
    while not exchange.stopping:
        exchange.send(b"event: ping\ndata: {}\n\n: keep-alive\n\n")
        exchange.wait(0.1)


@pytest.mark.parametrize("adapter", ["own", "mounted"])
def test_trickled_headers_end_at_the_attempt_deadline(hostile: Serve, adapter: str) -> None:
    """Headers trickled a byte at a time end in APITimeoutError at connect + read seconds."""
    server = hostile(trickled_headers)
    options: dict[str, Any] = {}
    if adapter == "mounted":  # a caller's own session, with the package's adapter mounted
        session = requests.Session()
        session.mount("http://", sogni_compat.HTTPAdapter())
        options["http_client"] = session
    client = client_for(server, **options)
    took, error, _ = elapsed(lambda: client.chat.completions.create(messages=USER))
    assert error_class(error) is sogni_compat.APITimeoutError
    assert BUDGET - 0.1 <= took < BUDGET + SLACK


def test_body_deadline_is_not_overshot(hostile: Serve) -> None:
    """A crawling body ends at connect + read, not up to one more read timeout later."""
    server = hostile(trickled_body)
    client = client_for(server, timeout=(0.3, 1.2))
    took, error, _ = elapsed(lambda: client.chat.completions.create(messages=USER))
    assert error_class(error) is sogni_compat.APITimeoutError
    assert 1.4 <= took < 1.5 + SLACK


def test_keep_alives_do_not_count_as_a_first_chunk(hostile: Serve) -> None:
    """A stream of comments only: create(stream=True) times out at connect + read."""
    server = hostile(pings_only)
    client = client_for(server)
    took, error, _ = elapsed(lambda: client.chat.completions.create(messages=USER, stream=True))
    assert error_class(error) is sogni_compat.APITimeoutError
    assert BUDGET - 0.1 <= took < BUDGET + SLACK


def test_idle_stream_times_out_between_chunks(hostile: Serve) -> None:
    """After a chunk, pings and comments for ever: the next chunk times out at the read timeout."""
    server = hostile(one_chunk_then_pings)
    client = client_for(server)
    stream = client.chat.completions.create(messages=USER, stream=True)
    first = next(stream)
    assert first.choices[0].delta.content == "Hi"
    took, error, _ = elapsed(lambda: next(stream))
    assert error_class(error) is sogni_compat.APITimeoutError
    assert 0.7 <= took < 0.8 + SLACK


def test_a_slow_reader_is_not_timed_out(hostile: Serve) -> None:
    """A caller taking longer than the read timeout over each chunk still gets the whole stream."""

    def prompt(exchange: Exchange) -> None:
        exchange.send(event_stream_head())
        for word in ("a", "b", "c"):
            chunk = {"id": "c", "choices": [{"index": 0, "delta": {"content": word}}]}
            exchange.send(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            exchange.wait(0.05)
        exchange.send(b"data: [DONE]\n\n")

    client = client_for(hostile(prompt))
    words = []
    for chunk in client.chat.completions.create(messages=USER, stream=True):
        words.append(chunk.choices[0].delta.content)
        time.sleep(1.0)  # longer than the 0.8 s read timeout, with the next chunk already sent
    assert words == ["a", "b", "c"]


def test_trickled_image_download_has_a_total_deadline(hostile: Serve) -> None:
    """An image URL whose body crawls fails before sending, within connect + read seconds."""

    def image(exchange: Exchange) -> None:
        exchange.send(head(200, {"Content-Type": "image/png", "Content-Length": "100000"}))
        exchange.trickle(b"\x89PNG\r\n\x1a\n" + b"\0" * 1000, 0.1, size=8)

    server = hostile(image)
    client = client_for(server)
    messages: list[ChatCompletionMessageParam] = [
        {
            "role": "user",
            "content": [{"type": "image_url", "image_url": f"{server.root_url}/cat.png"}],
        }
    ]
    took, error, _ = elapsed(lambda: client.chat.completions.create(messages=messages))
    assert isinstance(error, ValueError)
    assert "could not download the image" in str(error)
    assert "timed out" in str(error)
    assert took < BUDGET + SLACK
    assert [r.path for r in server.requests] == ["/cat.png"]  # nothing was sent to the API


# -- hosted tools ----------------------------------------------------------------------------


def heartbeats(exchange: Exchange) -> None:
    """A workflow event stream that reports progress every 0.2 s and never finishes."""
    exchange.send(event_stream_head())
    while not exchange.stopping:
        exchange.send(b'data: {"status": "running", "progress": 10}\n\n')
        exchange.wait(0.2)


def run_tool(client: OpenAI) -> Any:
    """One auto-tool call with Sogni's hosted tools."""
    return client.chat.completions.create(messages=USER, sogni_tools=True, auto_execute_tools=True)


def test_heartbeats_cannot_outlast_tool_timeout(hostile: Serve) -> None:
    """Progress every 0.2 s for ever: the tool fails at tool_timeout and the loop goes on."""
    script = WorkflowScript(heartbeats)
    client = client_for(hostile(script), tool_timeout=1.2)
    took, error, answer = elapsed(lambda: run_tool(client))
    assert error is None
    result = answer.tool_history[0].tool_results[0]  # type: ignore[attr-defined]
    assert not result.success
    assert "did not finish within tool_timeout=1.2 s" in result.error
    assert 1.1 <= took < 1.2 + SLACK
    assert answer.choices[0].message.content == "done"  # type: ignore[attr-defined]


def test_reconnect_storm_backs_off(hostile: Serve) -> None:
    """A stream that drops after every event is reconnected a handful of times, not hundreds."""

    def one_event_then_drop(exchange: Exchange) -> None:
        exchange.send(event_stream_head() + b'id: 1\ndata: {"status": "running"}\n\n')
        exchange.close()

    script = WorkflowScript(one_event_then_drop)
    client = client_for(hostile(script), tool_timeout=3.0)
    took, error, answer = elapsed(lambda: run_tool(client))
    assert error is None
    result = answer.tool_history[0].tool_results[0]  # type: ignore[attr-defined]
    assert "did not finish within tool_timeout=3 s" in result.error
    # Waits of 0.5 and 1 s fit in 3 s; the next (2 s) would end past it, so it gives up then.
    assert script.streams == 3
    assert took < 3.0 + SLACK


def test_reconnects_honour_the_stream_retry_field_and_are_capped(hostile: Serve) -> None:
    """A ``retry:`` of 1.5 s sets the least wait; after 60 reconnects the tool fails."""

    def asks_to_wait(exchange: Exchange) -> None:
        exchange.send(event_stream_head() + b'retry: 1500\nid: 1\ndata: {"status": "running"}\n\n')
        exchange.close()

    sleeps: list[float] = []
    script = WorkflowScript(asks_to_wait)
    client = client_for(hostile(script), sleep=sleeps.append)
    answer = run_tool(client)
    result = answer.tool_history[0].tool_results[0]
    assert "after 60 reconnects" in result.error
    assert script.streams == 61
    assert sleeps[:4] == [1.5, 1.5, 2.0, 4.0]
    assert max(sleeps) == 30.0


def test_resume_sends_the_last_event_id(hostile: Serve) -> None:
    """After a drop the stream is reopened with Last-Event-ID; a final event then ends it."""
    seen: list[str | None] = []

    def stream(exchange: Exchange) -> None:
        seen.append(exchange.headers.get("last-event-id"))
        if len(seen) == 1:
            exchange.send(event_stream_head() + b'id: 7\ndata: {"progress": 50}\n\n')
            exchange.close()
        else:
            script.status = "completed"
            exchange.send(event_stream_head() + b'id: 8\ndata: {"status": "completed"}\n\n')
            exchange.close()

    script = WorkflowScript(stream)
    client = client_for(hostile(script), sleep=lambda _: None)
    answer = run_tool(client)
    assert seen == [None, "7"]
    assert answer.tool_history[0].tool_results[0].success


def test_hosted_tools_run_one_at_a_time(hostile: Serve) -> None:
    """Several media tools in one answer never have two workflows followed at once."""

    def finishes(exchange: Exchange) -> None:
        exchange.wait(0.1)
        exchange.send(event_stream_head() + b'data: {"status": "completed"}\n\n')
        exchange.close()

    calls = [
        {
            "id": f"t{i}",
            "type": "function",
            "function": {"name": "generate_image", "arguments": "{}"},
        }
        for i in range(4)
    ]
    script = WorkflowScript(finishes, status="completed", calls=calls)
    client = client_for(hostile(script))
    answer = run_tool(client)
    assert [r.success for r in answer.tool_history[0].tool_results] == [True] * 4
    assert script.started == 4
    assert script.most_running == 1


def test_a_full_account_is_waited_out_not_hammered(hostile: Serve) -> None:
    """After a 409 the start goes again only once the listing shows a slot freed, polls spaced."""
    free_at = time.monotonic() + 0.6
    seen: list[tuple[str, float]] = []

    def finishes(exchange: Exchange) -> None:
        exchange.send(event_stream_head() + b'data: {"status": "completed"}\n\n')
        exchange.close()

    workflow = WorkflowScript(finishes, status="completed")

    def script(exchange: Exchange) -> None:
        now = time.monotonic()
        if exchange.path.endswith("/creative-agent/workflows"):
            seen.append((exchange.method, now))
            if exchange.method == "GET":
                status = "running" if now < free_at else "completed"
                found = [{"workflowId": "someone_elses", "status": status}]
                body = {"status": "success", "data": {"workflows": found}}
                exchange.send(json_response(200, body))
                return
            if now < free_at:
                busy = {"status": "error", "message": "Too many active workflows"}
                exchange.send(json_response(409, busy))
                return
        workflow(exchange)

    # The client's waits (3 s, 4.5 s, 6.75 s...) pass twenty times faster here.
    client = client_for(hostile(script), sleep=lambda s: time.sleep(s / 20), tool_timeout=30)
    answer = run_tool(client)
    assert answer.tool_history[0].tool_results[0].success
    starts = [moment for method, moment in seen if method == "POST"]
    looks = [moment for method, moment in seen if method == "GET"]
    assert len(starts) == 2  # refused once, then once more when the slot was free
    assert starts[1] >= free_at
    assert 2 <= len(looks) <= 5
    gaps = [b - a for a, b in itertools.pairwise(looks)]
    assert all(gap >= 0.14 for gap in gaps)  # 3 s or more each, at this speed


# -- the README's bound, with a server that trickles at every stage ---------------------------


CONNECT, READ, RETRIES = 0.3, 0.7, 1
#: The README's formula: (max_retries + 1) x (connect + read) + max_retries x the longest
#: backoff wait (0.5 s for the first retry of a timeout).
CALL_BOUND = (RETRIES + 1) * (CONNECT + READ) + RETRIES * 0.5


@pytest.mark.parametrize(
    ("stage", "script", "stream"),
    [
        ("status line and headers", trickled_headers, False),
        ("body", trickled_body, False),
        ("first chunk", pings_only, True),
    ],
)
def test_trickle_at_every_stage_stays_within_the_bound(
    hostile: Serve, stage: str, script: Callable[[Exchange], None], stream: bool
) -> None:
    """Each stage trickled: the call (retried once) ends within the README's formula."""
    server = hostile(script)
    client = client_for(server, timeout=(CONNECT, READ), max_retries=RETRIES)
    took, error, _ = elapsed(lambda: client.chat.completions.create(messages=USER, stream=stream))
    assert error_class(error) is sogni_compat.APITimeoutError, stage
    assert len(server.requests) == RETRIES + 1
    assert took < CALL_BOUND + SLACK, stage


def test_trickle_after_the_first_chunk_stays_within_the_read_timeout(hostile: Serve) -> None:
    """Mid-stream, a gap longer than the read timeout is not retried: it raises at once."""
    server = hostile(one_chunk_then_pings)
    client = client_for(server, timeout=(CONNECT, READ), max_retries=RETRIES)
    took, error, _ = elapsed(
        lambda: list(client.chat.completions.create(messages=USER, stream=True))
    )
    assert error_class(error) is sogni_compat.APITimeoutError
    assert len(server.requests) == 1
    assert took < READ + SLACK


def test_trickled_workflow_stays_within_tool_timeout(hostile: Serve) -> None:
    """A workflow stream trickled byte by byte: the tool ends at tool_timeout."""

    def crawl(exchange: Exchange) -> None:
        exchange.send(event_stream_head())
        exchange.trickle(b'data: {"status": "running", "progress": 1}\n\n' * 100, 0.05)

    script = WorkflowScript(crawl)
    client = client_for(hostile(script), timeout=(CONNECT, READ), tool_timeout=1.5)
    took, error, answer = elapsed(lambda: run_tool(client))
    assert error is None
    result = answer.tool_history[0].tool_results[0]  # type: ignore[attr-defined]
    assert "tool_timeout=1.5 s" in result.error
    assert took < 1.5 + SLACK  # the tool, plus two quick chat requests


def test_a_shrunk_read_timeout_grows_back_for_the_next_chunk(hostile: Serve) -> None:
    """Keep-alives near the deadline shrink the socket's timeout; the next chunk gets it back."""

    def stream(exchange: Exchange) -> None:
        exchange.send(event_stream_head())
        for _ in range(9):  # 0.9 s of keep-alives: each read may wait less of the 1.2 s left
            exchange.send(b": ping\n\n")
            exchange.wait(0.1)
        for text in ("a", "b"):
            exchange.send(
                b'data: {"choices": [{"index": 0, "delta": {"content": "%s"}}]}\n\n' % text.encode()
            )
            exchange.wait(0.6)  # less than the read timeout, more than the shrunk one
        exchange.send(b"data: [DONE]\n\n")
        exchange.close()

    client = client_for(hostile(stream), timeout=(0.2, 1.0))
    chunks = list(client.chat.completions.create(messages=USER, stream=True))
    assert [c.choices[0].delta.content for c in chunks] == ["a", "b"]


@pytest.mark.parametrize("api", ["chat", "responses"])
@pytest.mark.parametrize("script", [trickled_headers, trickled_body, pings_only])
def test_genuine_openai_clients_keep_the_bounds(hostile: Serve, script: Any, api: str) -> None:
    """as_openai() sends through this client, so a trickle ends at connect + read there too.

    Also for the Responses API, which the client answers through chat completions.
    """
    openai = pytest.importorskip("openai")
    server = hostile(script)
    streamed = script is pings_only
    with client_for(server).as_openai() as genuine:
        took, error, _ = elapsed(
            lambda: list(
                genuine.chat.completions.create(model="m", messages=USER, stream=streamed)
                if api == "chat"
                else genuine.responses.create(model="m", input="hi", stream=streamed)
            )
        )
    assert isinstance(error, openai.APITimeoutError | openai.APIConnectionError), error
    assert took < BUDGET + SLACK


def test_a_genuine_clients_response_stream_times_out_between_events(hostile: Serve) -> None:
    """as_openai()'s Responses stream: events so far arrive, then the idle gap raises in time."""
    openai = pytest.importorskip("openai")
    server = hostile(one_chunk_then_pings)
    with client_for(server).as_openai() as genuine:
        events = iter(genuine.responses.create(model="m", input="hi", stream=True))
        seen: list[str] = []
        took, error, _ = elapsed(lambda: seen.extend(event.type for event in events))
    assert "response.output_text.delta" in seen
    assert isinstance(error, openai.APITimeoutError)
    assert isinstance(error, sogni_compat.APITimeoutError)
    assert took < 0.8 + SLACK
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_genuine_clients_chat_stream_times_out_between_chunks(hostile: Serve, mode: str) -> None:
    """as_openai()/as_async_openai() chat streams: pings after a chunk do not keep them alive."""
    openai = pytest.importorskip("openai")
    server = hostile(one_chunk_then_pings)
    client = client_for(server)
    seen: list[str | None] = []

    def sync() -> None:
        with client.as_openai() as genuine:
            stream = genuine.chat.completions.create(model="m", messages=USER, stream=True)
            seen.extend(c.choices[0].delta.content for c in stream if c.choices)

    async def read() -> None:
        async with client.as_async_openai() as genuine:
            stream = await genuine.chat.completions.create(model="m", messages=USER, stream=True)
            seen.extend([c.choices[0].delta.content async for c in stream if c.choices])

    took, error, _ = elapsed(sync if mode == "sync" else lambda: asyncio.run(read()))
    assert isinstance(error, openai.APITimeoutError), error
    assert isinstance(error, sogni_compat.APITimeoutError)
    assert took < BUDGET + 0.8 + SLACK
    assert len(server.requests) == 1
