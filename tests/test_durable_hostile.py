"""Durable jobs against servers that misbehave: odd ids, replays, wrong shapes, huge lists."""

from __future__ import annotations

import math
import pickle
from typing import Any

import pytest

from sogni_compat import (
    APIResponseValidationError,
    CostApprovalRequiredError,
    WaitTimeoutError,
)
from sogni_compat.types import CostEstimate

from ._hostile import Exchange, HostileServer, event_stream_head, json_response

KEY = "sk-hostile-test-key-0123"


def ok(key: str, data: Any) -> bytes:
    """A ``{"status": "success", "data": {key: data}}`` answer."""
    return json_response(200, {"status": "success", "data": {key: data}})


def test_ids_that_cannot_be_headers_are_not_sent_back() -> None:
    """An id with non-ASCII or padded text is never used as Last-Event-ID; events come once."""
    resumed: list[str | None] = []

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/events/stream"):
            resumed.append(exchange.headers.get("last-event-id"))
            frames = (
                'id: 日本\nevent: step.progress\ndata: {"progress": 0.5}\n\n'
                'id:  7\nevent: step.progress\ndata: {"progress": 0.6}\n\n'
            )
            exchange.send(event_stream_head() + frames.encode())
            exchange.close()
        else:
            status = "running" if len(resumed) < 2 else "completed"
            exchange.send(ok("workflow", {"workflowId": "wf1", "status": status}))

    with HostileServer(script) as server, server.client() as client:
        events = list(client.workflows.stream("wf1", timeout=10))
    assert [e.data["progress"] for e in events] == [0.5, 0.6]  # the replay is recognised
    assert resumed == [None, None]


def test_replayed_events_are_yielded_once() -> None:
    """A server that sends earlier ids again (or the last event twice) is not believed twice."""
    frames = (
        "".join(f'id: {n}\nevent: e\ndata: {{"n": {n}}}\n\n' for n in (1, 2, 2, 1, 3, 2, 4))
        + 'id: 4\nevent: done\ndata: {"status": "completed"}\n\n'
    )

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/events/stream"):
            exchange.send(event_stream_head() + frames.encode())
            exchange.close()
        else:
            exchange.send(ok("workflow", {"workflowId": "wf1", "status": "completed"}))

    with HostileServer(script) as server, server.client() as client:
        events = list(client.workflows.stream("wf1", timeout=10))
    assert [e.data.get("n", "done") for e in events] == [1, 2, 3, 4, "done"]


def test_a_cost_pause_is_answered_once() -> None:
    """A snapshot still waiting after the confirm is followed, not confirmed again."""
    confirms: list[Any] = []
    preview = {"toolCallId": "c1", "costInUSD": 0.01}
    waiting = {
        "runId": "r1",
        "status": "waiting_for_user",
        "waiting": {
            "reason": "cost_approval_required",
            "details": {"costApprovalPreview": preview},
        },
    }

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/confirm-cost"):
            confirms.append(exchange.json())
            exchange.send(ok("run", waiting))
        elif exchange.path.endswith("/events/stream"):
            exchange.send(event_stream_head())
            exchange.close()
        else:  # the server is slow to show the confirm: waiting twice more, then done
            seen = len([r for r in server.requests if r.path == "/v1/chat/runs/r1"])
            done = {"runId": "r1", "status": "completed", "finalResponse": {"content": "ok"}}
            exchange.send(ok("run", done if confirms and seen > 4 else waiting))

    with HostileServer(script) as server, server.client() as client:
        run = client.chat.runs.wait("r1", approve_cost=lambda r: True, timeout=20)
    assert run.status == "completed"
    assert len(confirms) == 1
    assert confirms[0]["acceptedCostPreview"] == preview


def test_approve_cost_must_answer_a_bool() -> None:
    """An approve_cost returning anything but True/False is a TypeError; nothing is confirmed."""
    waiting = {
        "runId": "r1",
        "status": "waiting_for_user",
        "waiting": {"details": {"toolCallId": "c1", "costApprovalPreview": {"usd": 1}}},
    }

    def script(exchange: Exchange) -> None:
        exchange.send(ok("run", waiting))

    with HostileServer(script) as server, server.client() as client:
        with pytest.raises(TypeError, match="approve_cost must return True or False"):
            client.chat.runs.wait("r1", approve_cost=lambda r: "no", timeout=5)
        assert not any(r.path.endswith("/confirm-cost") for r in server.requests)


def test_cost_approval_error_keeps_the_key_out() -> None:
    """A key the server echoes into a waiting run is masked in the error and its run."""
    echoed = f"needs approval for Bearer {KEY}"
    waiting = {
        "runId": "r1",
        "status": "waiting_for_user",
        "waiting": {
            "message": echoed,
            "details": {"toolCallId": "c1", "costApprovalPreview": {"note": echoed}},
        },
    }

    def script(exchange: Exchange) -> None:
        if exchange.path == "/v1/chat/runs":
            exchange.send(json_response(201, {"status": "success", "data": {"run": waiting}}))
        else:
            exchange.send(ok("run", waiting))

    with (
        HostileServer(script) as server,
        server.client() as client,
        pytest.raises(CostApprovalRequiredError) as caught,
    ):
        client.chat.completions.create(
            messages=[{"role": "user", "content": "x"}], auto_execute_tools="server"
        )
    error = caught.value
    for text in (str(error), repr(error), repr(error.run), pickle.dumps(error).decode("latin-1")):
        assert KEY not in text


def test_wrong_shapes_are_read_leniently() -> None:
    """Statuses, artifacts and steps of the wrong type give empty values, not crashes."""
    snapshot = {"workflowId": "wf1", "status": "completed", "artifacts": "x.png", "steps": 7}

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/events/stream"):
            frames = 'id: 1\nevent: e\ndata: {"status": ["completed"]}\n\n'
            exchange.send(event_stream_head() + frames.encode())
            exchange.close()
        else:
            exchange.send(ok("workflow", snapshot))

    with HostileServer(script) as server, server.client() as client:
        done = client.workflows.wait("wf1", on_progress=lambda c, p: None, timeout=5)
    assert done.status == "completed"
    assert done.urls == []
    assert done.settled


def test_run_with_garbage_fields_becomes_a_completion() -> None:
    """Server mode reads a completed run whose lists and objects are of the wrong type."""
    run = {
        "runId": "r1",
        "status": "completed",
        "finalResponse": {"content": "done", "finishReason": 5},
        "toolCalls": [7, {"id": "c1", "function": "x"}],
        "toolResults": 3,
        "mediaContext": ["a"],
        "waiting": "soon",
    }

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/events/stream"):
            exchange.send(event_stream_head())
            exchange.close()
        elif exchange.path == "/v1/chat/runs":
            exchange.send(json_response(201, {"status": "success", "data": {"run": run}}))
        else:
            exchange.send(ok("run", run))

    with HostileServer(script) as server, server.client() as client:
        answer = client.chat.completions.create(
            messages=[{"role": "user", "content": "x"}], auto_execute_tools="server"
        )
    assert answer.choices[0].message.content == "done"
    assert answer.choices[0].finish_reason == "stop"
    assert answer.tool_history == []
    assert answer.media.urls == []


def test_a_huge_listing_is_refused_before_parsing() -> None:
    """An events list over the listing limit is an APIResponseValidationError, not gigabytes."""
    body = b'{"status": "success", "data": {"events": [' + b"{}," * 1_000_000 + b"{}]}}"

    def script(exchange: Exchange) -> None:
        exchange.send(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    with (
        HostileServer(script) as server,
        server.client() as client,
        pytest.raises(APIResponseValidationError, match="listing's limit"),
    ):
        client.workflows.events("wf1")


def test_a_huge_retry_after_does_not_give_up_at_once() -> None:
    """A 429 asking for an hour is capped: the wait looks again before its deadline."""
    streams: list[float] = []

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/events/stream"):
            streams.append(1.0)
            exchange.send(
                json_response(429, {"error": {"message": "slow down"}}, **{"Retry-After": "3600"})
            )
        elif exchange.path.endswith("/cancel"):
            exchange.send(ok("workflow", {}))
        else:
            status = "completed" if streams else "running"
            exchange.send(ok("workflow", {"workflowId": "wf1", "status": status}))

    with HostileServer(script) as server, server.client() as client:
        done = client.workflows.wait("wf1", timeout=3)
    assert done.status == "completed"


def test_quote_numbers_that_are_not_numbers_read_as_none() -> None:
    """Text, NaN and infinity in a quote read as None (usd: infinity), so no check is fooled."""
    quote = CostEstimate(costInUSD="cheap", costInSogni=math.nan, costInSpark=-math.inf)  # type: ignore[arg-type]
    assert (quote.cost_in_usd, quote.sogni, quote.spark) == (None, None, None)
    assert quote.usd == math.inf
    assert CostEstimate(costInUSD=0.5).usd == 0.5


def test_a_stalled_first_snapshot_times_out_as_a_wait() -> None:
    """A snapshot that never answers ends the wait as WaitTimeoutError, with a cancel."""

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/cancel"):
            exchange.send(ok("workflow", {}))
            return
        exchange.wait(30)

    with HostileServer(script) as server, server.client(timeout=(1.0, 10.0)) as client:
        with pytest.raises(WaitTimeoutError):
            client.workflows.wait("wf1", timeout=1.5)
        assert any(r.path.endswith("/cancel") for r in server.requests)


def test_a_slow_listing_is_bounded_by_its_timeout() -> None:
    """list(timeout=) ends a listing whose pages keep coming slowly."""
    from sogni_compat import APITimeoutError

    def script(exchange: Exchange) -> None:
        exchange.wait(0.4)
        page = [{"workflowId": f"wf{n}", "status": "completed"} for n in range(2)]
        exchange.send(ok("workflows", page))

    with (
        HostileServer(script) as server,
        server.client() as client,
        pytest.raises(APITimeoutError),
    ):
        for _ in client.workflows.list(limit=2, timeout=1.5):
            pass
