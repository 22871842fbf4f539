"""Durable calls end within their stated bounds, uploads and starts included; and say the truth.

Against ``tests/_hostile.py``'s raw-socket server: a run start that never answers, upload-URL
answers that crawl, a workflow start that succeeds but answers too late. Elapsed times are
checked against the documented bound with slack for a busy machine. Then what a timeout says
about the job it leaves behind, and what interrupting a wait does (it leaves the durable job
running, as documented).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sogni_compat import APIError, APITimeoutError, WaitTimeoutError
from sogni_compat.testing import LocalSogniServer

from ._helpers import PNG
from ._hostile import Exchange, HostileServer, head, json_response, response

#: What a shared machine may add to a bound.
SLACK = 1.0
USER_IMAGE: list[Any] = [
    {
        "role": "user",
        "content": [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": PNG}],
    }
]
STEPS = [{"tool": "generate_image", "arguments": {"prompt": "x"}}]


def elapsed(call: Callable[[], object]) -> tuple[float, BaseException | None]:
    """Run ``call``; its duration and the exception it raised (or None)."""
    started = time.monotonic()
    try:
        call()
    except Exception as exc:
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


def ok(key: str, data: Any, status: int = 200) -> bytes:
    """A ``{"status": "success", "data": {key: data}}`` answer."""
    return json_response(status, {"status": "success", "data": {key: data}})


def crawl(exchange: Exchange, whole: bytes) -> None:
    """The head of ``whole`` at once, then its body one byte every 0.3 s."""
    top, body = whole.split(b"\r\n\r\n", 1)
    exchange.send(top + b"\r\n\r\n")
    exchange.trickle(body, 0.3)


class Uploads:
    """Upload-URL routes; ``slow`` makes every ``uploadUrl`` answer crawl, ``delay`` wait first."""

    def __init__(self, slow: bool = False, delay: float = 0.0) -> None:
        self.slow = slow
        self.delay = delay
        self.root = ""

    def __call__(self, exchange: Exchange) -> bool:
        """Answer an upload request; ``False`` when it is not one."""
        path = exchange.path
        if path.endswith("/uploadUrl"):
            answer = json_response(200, {"uploadUrl": f"{self.root}/bucket/put"})
            if self.slow:
                crawl(exchange, answer)
            else:
                exchange.wait(self.delay)
                exchange.send(answer)
        elif path == "/bucket/put":
            exchange.send(json_response(200, {}))
        elif path.endswith("/downloadUrl"):
            exchange.send(json_response(200, {"downloadUrl": f"{self.root}/cdn/x.png"}))
        else:
            return False
        return True


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Exchange], None]], HostileServer]]:
    """Start servers for a test; all are stopped after it."""
    running: list[HostileServer] = []

    def start(script: Callable[[Exchange], None]) -> HostileServer:
        server = HostileServer(script).__enter__()
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop()


def _with_uploads(uploads: Uploads, rest: Callable[[Exchange], None]) -> Callable[[Exchange], None]:
    def script(exchange: Exchange) -> None:
        if not uploads(exchange):
            rest(exchange)

    return script


def _never(exchange: Exchange) -> None:
    exchange.wait(120)


def _run_started(exchange: Exchange) -> None:
    exchange.send(ok("run", {"runId": "run_1", "status": "queued"}, 201))


# -- create(auto_execute_tools="server") within tool_timeout -----------------------------------


def test_server_loop_start_that_never_answers_ends_within_tool_timeout(
    serve: Callable[[Callable[[Exchange], None]], HostileServer],
) -> None:
    """A POST chat/runs that never answers ends at tool_timeout, saying the run may be left."""
    server = serve(_never)
    client = server.client(timeout=(1.0, 30.0), max_retries=2, tool_timeout=2.0)
    took, error = elapsed(
        lambda: client.chat.completions.create(
            messages=[{"role": "user", "content": "hi"}], auto_execute_tools="server"
        )
    )
    assert isinstance(error, WaitTimeoutError), error
    assert (error.job_id, error.cancelled) == ("", False)
    assert "start did not answer within tool_timeout=2 s" in str(error)
    assert "its id is unknown and nothing could be cancelled" in str(error)
    assert took < 2.0 + SLACK
    assert [r.path for r in server.requests] == ["/v1/chat/runs"]


def test_server_loop_start_past_its_request_timeout_names_that_timeout(
    serve: Callable[[Callable[[Exchange], None]], HostileServer],
) -> None:
    """A per-call timeout= shorter than tool_timeout is the one the message names."""
    server = serve(_never)
    client = server.client(timeout=(1.0, 30.0), max_retries=0, tool_timeout=20.0)
    took, error = elapsed(
        lambda: client.chat.completions.create(
            messages=[{"role": "user", "content": "hi"}], auto_execute_tools="server", timeout=1.0
        )
    )
    assert isinstance(error, WaitTimeoutError), error
    assert "did not answer within the request's timeout" in str(error)
    assert "tool_timeout" not in str(error)
    assert took < 1.0 + SLACK


@pytest.mark.parametrize("answer", ["502", "cut off"])
def test_server_loop_start_whose_answer_is_lost_says_a_run_may_be_left(
    serve: Callable[[Callable[[Exchange], None]], HostileServer], answer: str
) -> None:
    """A start answered 502 or with a cut-off body: the error says the run may still run."""

    def script(exchange: Exchange) -> None:
        if answer == "502":
            exchange.send(response(502, b'{"error": {"message": "bad gateway"}}'))
        else:
            body = b'{"status": "success", "data": {"run": {"runId": "run_1", "sta'
            exchange.send(response(200, body))

    client = serve(script).client(max_retries=0, tool_timeout=10.0)
    _, error = elapsed(
        lambda: client.chat.completions.create(
            messages=[{"role": "user", "content": "hi"}], auto_execute_tools="server"
        )
    )
    assert isinstance(error, APIError), error
    assert "the chat run's start may have reached Sogni" in str(error)
    assert "idempotency_key=" in str(error)


@pytest.mark.parametrize("where", ["media", "image input"])
def test_server_loop_uploads_end_within_tool_timeout(
    serve: Callable[[Callable[[Exchange], None]], HostileServer], where: str
) -> None:
    """Uploads made before the run starts are bounded by tool_timeout too; no run starts."""
    uploads = Uploads(slow=True)
    server = serve(_with_uploads(uploads, _run_started))
    uploads.root = server.root_url
    client = server.client(timeout=(1.0, 10.0), tool_timeout=2.0)
    given: dict[str, Any] = (
        {"messages": [{"role": "user", "content": "hi"}], "media": [PNG]}
        if where == "media"
        else {"messages": USER_IMAGE}
    )
    took, error = elapsed(
        lambda: client.chat.completions.create(auto_execute_tools="server", **given)
    )
    assert isinstance(error, APITimeoutError), error
    assert took < 2.0 + SLACK
    assert not any(r.path.endswith("/chat/runs") for r in server.requests)


# -- the uploads of one call within its timeout= ----------------------------------------------


@pytest.mark.parametrize("where", ["media", "image input"])
def test_runs_create_timeout_bounds_its_uploads(
    serve: Callable[[Callable[[Exchange], None]], HostileServer], where: str
) -> None:
    """chat.runs.create(timeout=2) ends its crawling uploads at 2 s, not the client's 11 s."""
    uploads = Uploads(slow=True)
    server = serve(_with_uploads(uploads, _run_started))
    uploads.root = server.root_url
    client = server.client(timeout=(1.0, 10.0))
    given: dict[str, Any] = (
        {"messages": [{"role": "user", "content": "hi"}], "media": [PNG]}
        if where == "media"
        else {"messages": USER_IMAGE}
    )
    took, error = elapsed(lambda: client.chat.runs.create(timeout=2, **given))
    assert isinstance(error, APITimeoutError), error
    assert took < 2.0 + SLACK


def test_the_uploads_of_one_call_share_its_timeout(
    serve: Callable[[Callable[[Exchange], None]], HostileServer],
) -> None:
    """Two uploads of 1.2 s each do not fit workflows.create(timeout=2): it ends at 2 s."""
    uploads = Uploads(delay=1.2)

    def started(exchange: Exchange) -> None:
        exchange.send(ok("workflow", {"workflowId": "wf1", "status": "queued"}, 201))

    server = serve(_with_uploads(uploads, started))
    uploads.root = server.root_url
    client = server.client(timeout=(1.0, 10.0))
    took, error = elapsed(lambda: client.workflows.create(steps=STEPS, media=[PNG, PNG], timeout=2))
    assert isinstance(error, APITimeoutError), error
    assert took < 2.0 + SLACK
    assert not any(r.path.endswith("/creative-agent/workflows") for r in server.requests)


# -- what a timeout says about the job ---------------------------------------------------------


def test_a_start_answered_too_late_is_not_said_to_be_cancelled(
    serve: Callable[[Callable[[Exchange], None]], HostileServer],
) -> None:
    """images.generate: a start whose answer crawls past the timeout: no id, no false claim."""

    def script(exchange: Exchange) -> None:
        if exchange.method == "POST" and exchange.path.endswith("/creative-agent/workflows"):
            crawl(exchange, ok("workflow", {"workflowId": "wf_late", "status": "queued"}, 201))
        else:
            exchange.send(json_response(404, {"error": {"message": "no"}}))

    server = serve(script)
    client = server.client(timeout=(1.0, 30.0))
    took, error = elapsed(lambda: client.images.generate(prompt="a fox", timeout=2))
    assert isinstance(error, WaitTimeoutError), error
    assert (error.job_id, error.cancelled) == ("", False)
    assert "was cancelled" not in str(error)
    assert "its id is unknown and nothing could be cancelled" in str(error)
    assert took < 2.0 + SLACK


def test_a_cancel_that_fails_is_said_to_have_failed(
    serve: Callable[[Callable[[Exchange], None]], HostileServer],
) -> None:
    """images.generate: the wait times out, the cancel is refused: the error says so."""

    def script(exchange: Exchange) -> None:
        path = exchange.path
        if exchange.method == "POST" and path.endswith("/creative-agent/workflows"):
            exchange.send(ok("workflow", {"workflowId": "wf_1", "status": "running"}, 201))
        elif path.endswith("/cancel"):
            exchange.send(json_response(500, {"error": {"message": "cannot cancel now"}}))
        elif path.endswith("/events/stream"):
            exchange.send(head(200, {"Content-Type": "text/event-stream", "Connection": "close"}))
            exchange.wait(120)
            exchange.close()
        else:
            exchange.send(ok("workflow", {"workflowId": "wf_1", "status": "running"}))

    server = serve(script)
    client = server.client(timeout=(1.0, 30.0))
    _, error = elapsed(lambda: client.images.generate(prompt="a fox", timeout=1.5))
    assert isinstance(error, WaitTimeoutError), error
    assert (error.job_id, error.cancelled) == ("wf_1", False)
    assert "wf_1 could not be cancelled" in str(error)
    assert any(r.path.endswith("/wf_1/cancel") for r in server.requests)


def test_a_cancelled_workflow_is_said_to_be_cancelled(
    serve: Callable[[Callable[[Exchange], None]], HostileServer],
) -> None:
    """images.generate: the wait times out and the cancel is accepted: cancelled=True."""

    def script(exchange: Exchange) -> None:
        path = exchange.path
        if exchange.method == "POST" and path.endswith("/creative-agent/workflows"):
            exchange.send(ok("workflow", {"workflowId": "wf_1", "status": "running"}, 201))
        elif path.endswith("/cancel"):
            exchange.send(ok("workflow", {"workflowId": "wf_1", "status": "cancelled"}))
        elif path.endswith("/events/stream"):
            exchange.send(head(200, {"Content-Type": "text/event-stream", "Connection": "close"}))
            exchange.wait(120)
            exchange.close()
        else:
            exchange.send(ok("workflow", {"workflowId": "wf_1", "status": "running"}))

    server = serve(script)
    client = server.client(timeout=(1.0, 30.0))
    _, error = elapsed(lambda: client.images.generate(prompt="a fox", timeout=1.5))
    assert isinstance(error, WaitTimeoutError), error
    assert (error.job_id, error.cancelled) == ("wf_1", True)
    assert str(error).endswith("its workflow wf_1 was cancelled")


# -- interrupting a wait leaves the durable job running -----------------------------------------


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def test_interrupting_workflows_wait_leaves_the_workflow_running() -> None:
    """Ctrl-C inside workflows.wait() sends no cancel: the durable workflow keeps running."""
    with LocalSogniServer(workflow_seconds=30) as server, server.client() as client:
        workflow = client.workflows.create(steps=STEPS)
        with pytest.raises(KeyboardInterrupt):
            client.workflows.wait(workflow.id, on_progress=_interrupt, timeout=20)
        assert client.workflows.retrieve(workflow.id).status in ("queued", "running")
        assert not any(r.path.endswith("/cancel") for r in server.requests)


def test_interrupting_runs_wait_leaves_the_run_running() -> None:
    """Ctrl-C inside chat.runs.wait() sends no cancel: the durable run keeps running."""
    with LocalSogniServer(workflow_seconds=30) as server, server.client() as client:
        run = client.chat.runs.create(
            messages=[{"role": "user", "content": 'call generate_image({"prompt": "a cat"})'}]
        )
        with pytest.raises(KeyboardInterrupt):
            client.chat.runs.wait(run.id, on_event=_interrupt, timeout=20)
        assert client.chat.runs.retrieve(run.id).status not in ("cancelled", "failed")
        assert not any(r.path.endswith("/cancel") for r in server.requests)
        assert json.loads(server.requests[0].body)["messages"][0]["role"] == "user"
