"""Dropped workflow and run event streams, on a raw-socket server we script byte by byte.

The server drops the first connection after three events; the client must reconnect with
``Last-Event-ID: 3`` and yield every event exactly once, in order. Written against the
documented wire form (``id:``, ``event:``, ``data:``), not against the emulator.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from sogni_compat import WaitTimeoutError

from ._hostile import Exchange, HostileServer, event_stream_head, json_response


class DroppingStream:
    """Serves ``events`` from ``Last-Event-ID`` on; the first connection drops after three."""

    def __init__(self, events: list[tuple[str, dict[str, Any]]], snapshot: dict[str, Any]) -> None:
        self.events = events
        self.snapshot = snapshot
        self.resumed_from: list[str | None] = []
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        """Answer a snapshot or a stream request."""
        if not exchange.path.endswith("/events/stream"):
            key = "run" if "/chat/runs/" in exchange.path else "workflow"
            data = {"status": "success", "data": {key: self.snapshot}}
            exchange.send(json_response(200, data))
            return
        last = exchange.headers.get("last-event-id")
        with self._lock:
            first = not self.resumed_from
            self.resumed_from.append(last)
        start = int(last or 0)
        exchange.send(event_stream_head())
        frames = b"".join(
            f"id: {n}\nevent: {name}\ndata: {json.dumps(data)}\n\n".encode()
            for n, (name, data) in enumerate(self.events, start=1)
            if n > start
        )
        if first:
            # Three events, then the connection dies in the middle of the fourth.
            cut = frames.index(b"id: 4\n") + 5
            exchange.send(frames[:cut])
            exchange.close()
            return
        exchange.send(frames)
        self.snapshot = {**self.snapshot, "status": "completed"}  # as the last event said
        exchange.close()


WORKFLOW_EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("workflow.queued", {"status": "queued", "progress": 0}),
    ("step.started", {"status": "running", "progress": 0.1}),
    ("step.progress", {"progress": 0.4}),
    ("step.progress", {"progress": 0.7}),
    ("workflow.completed", {"status": "completed", "progress": 1}),
]
RUN_EVENTS: list[tuple[str, dict[str, Any]]] = [
    (kind, {"sequence": n, "type": kind, "payload": payload})
    for n, (kind, payload) in enumerate(
        [
            ("run_created", {}),
            ("llm_round_started", {"round": 1}),
            ("tool_call_dispatched", {"toolCallId": "c1", "name": "generate_image"}),
            ("tool_call_progress", {"toolCallId": "c1", "progress": 0.5}),
            ("tool_call_resolved", {"toolCallId": "c1", "mediaUrls": ["https://cdn.test/a.png"]}),
            ("run_completed", {"finalResponse": {"content": "done"}}),
        ],
        start=1,
    )
]


def test_workflow_stream_resumes_without_loss_or_repeat() -> None:
    """After a drop, stream() reconnects with Last-Event-ID 3 and yields 1..5 once each."""
    script = DroppingStream(WORKFLOW_EVENTS, {"workflowId": "wf9", "status": "running"})
    with HostileServer(script) as server, server.client() as client:
        events = list(client.workflows.stream("wf9", timeout=20))
    assert [e.id for e in events] == ["1", "2", "3", "4", "5"]
    assert [e.event for e in events] == [name for name, _ in WORKFLOW_EVENTS]
    assert script.resumed_from[:2] == [None, "3"]


def test_run_stream_resumes_without_loss_or_repeat() -> None:
    """A run's stream resumes after the drop and stops at run_completed."""
    script = DroppingStream(RUN_EVENTS, {"runId": "run9", "status": "running"})
    with HostileServer(script) as server, server.client() as client:
        events = list(client.chat.runs.stream("run9", timeout=20))
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[-1].type == "run_completed"
    assert script.resumed_from == [None, "3"]


def test_workflow_wait_survives_the_drop() -> None:
    """wait() follows through the drop and returns the final snapshot once it is final."""
    script = DroppingStream(WORKFLOW_EVENTS, {"workflowId": "wf9", "status": "running"})
    seen: list[float] = []
    with HostileServer(script) as server, server.client() as client:

        def finish(_: Any, progress: Any) -> None:
            seen.append(progress.percent)
            if progress.percent >= 70:
                script.snapshot = {
                    "workflowId": "wf9",
                    "status": "completed",
                    "artifacts": [{"url": "https://cdn.test/a.mp4", "mimeType": "video/mp4"}],
                }

        done = client.workflows.wait("wf9", on_progress=finish, timeout=20)
    assert done.status == "completed"
    assert done.artifacts[0].media_kind == "video"
    assert seen == sorted(seen)
    assert seen[-1] == 100.0


def test_a_stream_that_never_settles_is_bounded() -> None:
    """A server whose stream keeps ending without a final status: the timeout ends the wait."""

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/events/stream"):
            exchange.send(event_stream_head() + b": nothing\n\n")
            exchange.close()
        elif exchange.path.endswith("/cancel"):
            exchange.send(json_response(200, {"status": "success", "data": {"workflow": {}}}))
        else:
            body = {"status": "success", "data": {"workflow": {"status": "running"}}}
            exchange.send(json_response(200, body))

    with HostileServer(script) as server, server.client() as client:
        with pytest.raises(WaitTimeoutError) as caught:
            client.workflows.wait("wf1", timeout=1.5)
        assert caught.value.cancelled is True
        assert any(r.path.endswith("/cancel") for r in server.requests)


def test_a_refusal_surfaces_at_once() -> None:
    """A 403 on the stream is raised as the server's own error, without reconnecting."""
    calls = {"n": 0}

    def script(exchange: Exchange) -> None:
        if exchange.path.endswith("/events/stream"):
            calls["n"] += 1
            exchange.send(json_response(403, {"error": {"message": "not yours"}}))
        else:
            data = {"status": "success", "data": {"workflow": {"status": "running"}}}
            exchange.send(json_response(200, data))

    from sogni_compat import PermissionDeniedError

    with (
        HostileServer(script) as server,
        server.client() as client,
        pytest.raises(PermissionDeniedError, match="not yours"),
    ):
        list(client.workflows.stream("wf1", timeout=5))
    assert calls["n"] == 1
