"""Following workflows against servers that replay, send absurd numbers or are left early."""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any

import pytest

from sogni_compat import APIResponseValidationError, OpenAI
from sogni_compat._config import MAX_REMEMBERED_EVENTS
from sogni_compat._tools.follow import Follower

from ._hostile import (
    Exchange,
    HostileServer,
    WorkflowScript,
    completion_body,
    event_stream_head,
    json_response,
)

#: An integer no float can hold.
HUGE = "1" + "0" * 400


def ok(key: str, data: Any) -> bytes:
    """A ``{"status": "success", "data": {key: data}}`` answer."""
    return json_response(200, {"status": "success", "data": {key: data}})


def frames(*events: tuple[str | None, dict[str, Any]]) -> bytes:
    """Server-sent events with the given ids (``None``: no ``id:`` line) and JSON data."""
    text = ""
    for event_id, data in events:
        text += f"id: {event_id}\n" if event_id is not None else ""
        text += f"data: {json.dumps(data)}\n\n"
    return text.encode()


def replaying(first: list[str], second: list[str]) -> tuple[Any, list[str | None]]:
    """A server that ignores Last-Event-ID: its second connection starts from the beginning."""
    resumed: list[str | None] = []

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/events/stream"):
            resumed.append(exchange.headers.get("last-event-id"))
            ids = first if len(resumed) == 1 else second
            events = [(i, {"n": n}) for n, i in enumerate(ids, 1)]
            exchange.send(event_stream_head() + frames(*events))
            exchange.close()
        else:
            status = "running" if len(resumed) < 2 else "completed"
            exchange.send(ok("workflow", {"workflowId": "wf1", "status": status}))

    return script, resumed


def test_a_replay_with_string_ids_is_yielded_once() -> None:
    """A server that ignores Last-Event-ID and replays string ids yields each event once."""
    script, resumed = replaying(["a", "b"], ["a", "b", "c"])
    with HostileServer(script) as server, server.client() as client:
        events = list(client.workflows.stream("wf1", timeout=20))
    assert [e.data["n"] for e in events] == [1, 2, 3]
    assert resumed == [None, "b"]


def test_a_replay_with_numeric_ids_is_yielded_once() -> None:
    """The same replay with numeric ids: each event once."""
    script, _ = replaying(["1", "2"], ["1", "2", "3"])
    with HostileServer(script) as server, server.client() as client:
        events = list(client.workflows.stream("wf1", timeout=20))
    assert [e.data["n"] for e in events] == [1, 2, 3]


def test_events_without_their_own_id_are_not_taken_for_replays() -> None:
    """An event without an id (it carries the last one) but with new data is still yielded."""
    body = frames(("a", {"n": 1}), (None, {"n": 2}), (None, {"n": 3}), ("b", {"n": 4}))

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/events/stream"):
            exchange.send(event_stream_head() + body)
            exchange.close()
        else:
            exchange.send(ok("workflow", {"workflowId": "wf1", "status": "completed"}))

    with HostileServer(script) as server, server.client() as client:
        events = list(client.workflows.stream("wf1", timeout=20))
    assert [e.data["n"] for e in events] == [1, 2, 3, 4]


def test_the_memory_of_events_is_bounded() -> None:
    """Following a stream of many distinct events remembers only the last ones."""
    count = MAX_REMEMBERED_EVENTS + 50
    body = frames(*((f"e{n}", {"n": n}) for n in range(count)))

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/events/stream"):
            exchange.send(event_stream_head() + body)
            exchange.close()
        else:
            exchange.send(ok("workflow", {"workflowId": "wf1", "status": "completed"}))

    with HostileServer(script) as server, server.client() as client:
        follower = Follower(
            client=client,
            path="creative-agent/workflows/wf1",
            deadline=time.monotonic() + 30,
            timeout=client.timeout,
        )
        yielded = sum(1 for _ in follower.events())
    assert yielded == count
    assert len(follower._seen) == MAX_REMEMBERED_EVENTS


def test_a_huge_progress_does_not_escape_the_tool_loop() -> None:
    """A progress and an ETA of 10**400 are ignored: the loop ends, progress stays 0-100."""
    body = f'id: 1\ndata: {{"progress": {HUGE}, "etaSeconds": {HUGE}}}\n\n'
    body += 'id: 2\ndata: {"progress": 0.5}\n\nid: 3\ndata: {"status": "completed"}\n\n'

    def stream(exchange: Exchange) -> None:
        exchange.send(event_stream_head() + body.encode())
        exchange.close()

    seen: list[tuple[float, float | None]] = []
    script = WorkflowScript(stream, status="completed")
    with HostileServer(script) as server, server.client() as client:
        answer = client.chat.completions.create(
            messages=[{"role": "user", "content": "a fox"}],
            sogni_tools=True,
            auto_execute_tools=True,
            on_tool_progress=lambda call, p: seen.append((p.percent, p.eta_seconds)),
        )
    assert answer.choices[0].message.content == "done"
    assert (50.0, None) in seen
    assert all(0.0 <= percent <= 100.0 and eta is None for percent, eta in seen)


def test_a_huge_progress_does_not_escape_a_wait() -> None:
    """workflows.wait() reads a snapshot and events with 10**400 in them to the end."""
    snapshot = f'{{"workflowId": "wf1", "status": "running", "progress": {HUGE}}}'
    streams: list[int] = []

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/events/stream"):
            streams.append(1)
            body = f'id: 1\ndata: {{"percent": {HUGE}}}\n\n'
            body += 'id: 2\ndata: {"status": "completed"}\n\n'
            exchange.send(event_stream_head() + body.encode())
            exchange.close()
        elif streams:
            exchange.send(ok("workflow", {"workflowId": "wf1", "status": "completed"}))
        else:
            data = f'{{"status": "success", "data": {{"workflow": {snapshot}}}}}'.encode()
            exchange.send(json_response(200, json.loads(data)))

    percents: list[float] = []
    with HostileServer(script) as server, server.client() as client:
        workflow = client.workflows.wait(
            "wf1", on_progress=lambda call, p: percents.append(p.percent), timeout=20
        )
    assert workflow.status == "completed"
    assert percents[-1] == 100.0
    assert all(0.0 <= p <= 100.0 for p in percents)


def test_huge_amounts_in_a_quote_are_no_amounts() -> None:
    """A quote whose costs are 10**400 is refused as unpriced, not an OverflowError."""
    from sogni_compat.types import CostEstimate

    for usd in (HUGE, "0.5"):
        quote = json.loads(f'{{"costInUSD": {usd}, "costInSpark": {HUGE}, "costInSogni": 1.5}}')

        def script(exchange: Exchange, quote: Any = quote) -> None:
            exchange.send(ok("quote", quote))

        with (
            HostileServer(script) as server,
            server.client() as client,
            pytest.raises(APIResponseValidationError, match="costIn"),
        ):
            client.chat.completions.estimate_cost(messages=[{"role": "user", "content": "x"}])
    read = CostEstimate(costInUSD=int(HUGE), costInSpark=int(HUGE), costInSogni=1.5)
    assert (read.cost_in_usd, read.spark, read.sogni) == (None, None, 1.5)
    assert read.usd == math.inf  # no price reads as too expensive, never as free


def test_an_absurd_created_does_not_break_a_response() -> None:
    """responses.create() on a completion whose created is 10**400, text or a list still answers."""
    for created in (int(HUGE), "yesterday", [1]):
        body = completion_body("hello")
        body["created"] = created
        answer = json_response(200, body)

        def script(exchange: Exchange, answer: bytes = answer) -> None:
            exchange.send(answer)

        with HostileServer(script) as server, server.client() as client:
            response = client.responses.create(input="hi")
        assert response.output_text == "hello"
        assert response.created_at > 0


def closing_detector() -> tuple[Any, threading.Event, list[str | None]]:
    """A workflow whose first stream sends event 1 and then waits to see the client hang up.

    The second stream (resumed) sends event 2 and the end.
    """
    closed = threading.Event()
    resumed: list[str | None] = []

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/events/stream"):
            resumed.append(exchange.headers.get("last-event-id"))
            if len(resumed) == 1:
                exchange.send(event_stream_head() + frames(("1", {"n": 1})))
                exchange.sock.settimeout(10)
                try:
                    if exchange.sock.recv(1) == b"":
                        closed.set()
                except OSError:
                    pass
                exchange.close()
            else:
                body = frames(("2", {"n": 2}), ("3", {"status": "completed"}))
                exchange.send(event_stream_head() + body)
                exchange.close()
        else:
            status = "completed" if len(resumed) >= 2 else "running"
            exchange.send(ok("workflow", {"workflowId": "wf1", "status": status}))

    return script, closed, resumed


def test_leaving_the_loop_early_closes_the_connection_while_held() -> None:
    """Breaking out of `for e in it` hangs up at once though `it` is held; looping again resumes."""
    script, closed, resumed = closing_detector()
    with HostileServer(script) as server, server.client() as client:
        it = client.workflows.stream("wf1", timeout=30)
        for event in it:
            assert event.data == {"n": 1}
            break
        assert closed.wait(5), "the connection stayed open after the loop was left"
        rest = list(it)
    assert [e.data.get("n", "end") for e in rest] == [2, "end"]
    assert resumed == [None, "1"]


def test_next_keeps_the_connection_and_close_ends_it() -> None:
    """next(it) reads one event and keeps the stream; it.close() hangs up."""
    script, closed, _ = closing_detector()
    with HostileServer(script) as server, server.client() as client:
        it = client.workflows.stream("wf1", timeout=30)
        assert next(it).data == {"n": 1}
        assert not closed.wait(0.3)
        it.close()
        assert closed.wait(5)


def test_a_run_stream_left_early_closes_too() -> None:
    """chat.runs.stream() hangs up as soon as its loop is left, though it is held."""
    script, closed, _ = closing_detector()
    with HostileServer(script) as server:
        client = OpenAI(api_key="sk-hostile-test-key-0123", base_url=server.base_url)
        with client:
            events = client.chat.runs.stream("run1", timeout=30)
            for _ in events:
                break
            assert closed.wait(5)
