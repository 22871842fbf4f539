"""The key stays out of every error of the new surface, as it does on the chat path.

Each public method of ``images``, ``media``, ``workflows``, ``chat.runs``, ``responses``,
``estimate_cost`` and ``create(auto_execute_tools="server")`` is run against a raw-socket server
that echoes the key into everything it sends (refusals, failed runs and workflows, cost
pauses); no text of the error, no traceback local (``capture_locals``, as Sentry and
``pytest --showlocals`` print them) and no pickle of it shows the key.
"""

from __future__ import annotations

import json
import pickle
import re
from collections.abc import Callable
from typing import Any

import pytest

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.types.chat import ChatCompletionMessageParam

from ._helpers import PNG
from ._hostile import Exchange, HostileServer, event_stream_head, json_response
from .test_key_leaks import assert_hidden, everything_about

KEY = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e"
USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "make a fox"}]
PREVIEW = {"toolCallId": "call_1", "estimatedCostUSD": 0.5, "note": f"priced for {KEY}"}
SNAPSHOTS: dict[str, dict[str, Any]] = {
    "run failed": {
        "runId": "run_1",
        "status": "failed",
        "failureReason": f"invalid api key {KEY}",
        "messages": [{"role": "user", "content": f"key {KEY}"}],
    },
    "run waits for its cost": {
        "runId": "run_1",
        "status": "waiting_for_user",
        "waiting": {
            "reason": "cost_approval_required",
            "message": f"approve the cost for {KEY}",
            "details": {"toolCallId": "call_1", "costApprovalPreview": PREVIEW},
        },
    },
    "workflow failed": {
        "workflowId": "wf1",
        "status": "failed",
        "error": f"bad key {KEY}",
        "steps": [{"toolName": "generate_image", "arguments": {"prompt": KEY}}],
    },
}


def success(key: str, value: object) -> bytes:
    """A Sogni success answer holding ``value`` under ``data.<key>``."""
    return json_response(200, {"status": "success", "data": {key: value}})


def echoing(snapshot: dict[str, Any] | None) -> Callable[[Exchange], None]:
    """A server whose jobs end as ``snapshot`` (``None``: a 401 echoing the key to everything)."""

    def script(exchange: Exchange) -> None:
        path = exchange.path
        if snapshot is None:
            body = {"error": {"message": f"invalid api key {KEY}", "code": KEY}}
            exchange.send(json_response(401, body))
        elif path.endswith("/uploadUrl"):
            exchange.send(
                success("uploadUrl", f"http://127.0.0.1:{exchange.sock.getsockname()[1]}/put")
            )
        elif path == "/put":
            exchange.send(json_response(200, {}))
        elif path.endswith("/downloadUrl"):
            exchange.send(success("downloadUrl", "https://cdn.test/upload.png"))
        elif path.endswith("/events/stream"):
            event = json.dumps({"type": "run_failed", **snapshot}).encode()
            exchange.send(event_stream_head() + b"data: " + event + b"\n\n")
            exchange.close()
        elif path.endswith("/cancel"):
            exchange.send(success("run", {**snapshot, "status": "cancelled"}))
        elif path.endswith("/chat/runs") or path.endswith("/creative-agent/workflows"):
            started = {"runId": "run_1", "workflowId": "wf1", "status": "running"}
            exchange.send(
                json_response(
                    201, {"status": "success", "data": {"run": started, "workflow": started}}
                )
            )
        else:
            exchange.send(success("run" if "/runs/" in path else "workflow", snapshot))

    return script


Call = Callable[[OpenAI], object]
#: (what the server does, the call): each raises an error built from what the server echoed.
CASES: dict[str, tuple[str | None, Call]] = {
    "create(auto_execute_tools='server'), failed run": (
        "run failed",
        lambda c: c.chat.completions.create(messages=USER, auto_execute_tools="server"),
    ),
    "create(auto_execute_tools='server'), cost pause": (
        "run waits for its cost",
        lambda c: c.chat.completions.create(messages=USER, auto_execute_tools="server"),
    ),
    "responses.create(auto_execute_tools='server'), failed run": (
        "run failed",
        lambda c: c.responses.create(input="make a fox", auto_execute_tools="server"),
    ),
    "images.generate, failed workflow": (
        "workflow failed",
        lambda c: c.images.generate(prompt="a fox"),
    ),
    "images.edit, failed workflow": (
        "workflow failed",
        lambda c: c.images.edit(image=PNG, prompt="a fox"),
    ),
    "images.generate": (None, lambda c: c.images.generate(prompt="a fox")),
    "images.edit": (None, lambda c: c.images.edit(image=PNG, prompt="a fox")),
    "media.upload": (None, lambda c: c.media.upload(PNG)),
    "workflows.create": (
        None,
        lambda c: c.workflows.create(steps=[{"tool": "generate_image", "arguments": {}}]),
    ),
    "workflows.retrieve": (None, lambda c: c.workflows.retrieve("wf1")),
    "workflows.list": (None, lambda c: list(c.workflows.list())),
    "workflows.events": (None, lambda c: c.workflows.events("wf1")),
    "workflows.stream": (None, lambda c: list(c.workflows.stream("wf1"))),
    "workflows.wait": (None, lambda c: c.workflows.wait("wf1")),
    "workflows.cancel": (None, lambda c: c.workflows.cancel("wf1")),
    "workflows.resume": (None, lambda c: c.workflows.resume("wf1")),
    "workflows.reseed": (None, lambda c: c.workflows.reseed("wf1")),
    "workflows.templates.list": (None, lambda c: list(c.workflows.templates.list())),
    "workflows.templates.retrieve": (None, lambda c: c.workflows.templates.retrieve("t1")),
    "workflows.templates.create": (None, lambda c: c.workflows.templates.create(name="t")),
    "workflows.templates.update": (
        None,
        lambda c: c.workflows.templates.update("t1", name="u"),
    ),
    "workflows.templates.delete": (None, lambda c: c.workflows.templates.delete("t1")),
    "workflows.templates.fork": (None, lambda c: c.workflows.templates.fork("t1")),
    "chat.runs.create": (None, lambda c: c.chat.runs.create(messages=USER)),
    "chat.runs.retrieve": (None, lambda c: c.chat.runs.retrieve("run_1")),
    "chat.runs.events": (None, lambda c: c.chat.runs.events("run_1")),
    "chat.runs.stream": (None, lambda c: list(c.chat.runs.stream("run_1"))),
    "chat.runs.wait": (None, lambda c: c.chat.runs.wait("run_1")),
    "chat.runs.cancel": (None, lambda c: c.chat.runs.cancel("run_1")),
    "chat.runs.confirm_cost": (
        None,
        lambda c: c.chat.runs.confirm_cost(
            "run_1", tool_call_id="call_1", decision="confirm", accepted_cost_preview={"a": 1}
        ),
    ),
    "responses.create": (None, lambda c: c.responses.create(input="hi")),
    "responses.parse": (None, lambda c: c.responses.parse(input="hi")),
    "responses.stream": (None, lambda c: list(c.responses.stream(input="hi"))),
    "responses.retrieve": (None, lambda c: c.responses.retrieve("resp_gone")),
    "responses.delete": (None, lambda c: c.responses.delete("resp_gone")),
    "responses.input_items.list": (None, lambda c: c.responses.input_items.list("resp_gone")),
    "estimate_cost": (None, lambda c: c.chat.completions.estimate_cost(messages=USER)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_no_error_of_the_new_surface_shows_the_key(case: str) -> None:
    """Whatever the server echoes, the error's text, traceback locals and pickle hide the key."""
    scenario, call = CASES[case]
    script = echoing(None if scenario is None else SNAPSHOTS[scenario])
    with (
        HostileServer(script) as server,
        server.client(api_key=KEY) as client,
        pytest.raises(sogni_compat.OpenAIError) as caught,
    ):
        call(client)
    text = everything_about(caught.value)
    assert_hidden(text)
    assert re.search(r"\n    \w+ = ", text)  # locals were captured
    assert_hidden(pickle.dumps(caught.value).decode("latin-1"))


def test_every_public_method_of_the_new_surface_has_a_case() -> None:
    """A method added to a new namespace must join the cases above (so it is tried too)."""
    from sogni_compat.resources.images import Images
    from sogni_compat.resources.media import Media
    from sogni_compat.resources.responses import InputItems, Responses
    from sogni_compat.resources.runs import Runs
    from sogni_compat.resources.templates import WorkflowTemplates
    from sogni_compat.resources.workflows import Workflows

    namespaces = {
        "images": Images,
        "media": Media,
        "workflows": Workflows,
        "workflows.templates": WorkflowTemplates,
        "chat.runs": Runs,
        "responses": Responses,
        "responses.input_items": InputItems,
    }
    methods = {
        f"{prefix}.{name}"
        for prefix, namespace in namespaces.items()
        for name, value in vars(namespace).items()
        if not name.startswith("_") and callable(value)
    }
    covered = {case.split(",")[0] for case in CASES}
    assert methods <= covered, sorted(methods - covered)
