"""Durable workflows: ``/v1/creative-agent/workflows`` and everything under it.

Start (an inline plan or a saved template, ``Idempotency-Key`` honoured), list, snapshot,
``cancel`` (``transitioned: false`` for a workflow already finished), ``resume`` (continues a
workflow that waits for the user; never a cost approval), ``reseed``, the event list and the
SSE event stream (resumed with ``Last-Event-ID`` or ``?after=``). A workflow's timeline is
decided when it starts (:class:`~._hosted.Workflow`); these routes show it as time passes. The
template routes themselves are in :mod:`._routes_templates`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from ._hosted import StepFailed, Workflow, check_media_references, normalize_steps
from ._http import BaseHandler
from ._templates import TemplateError, compile_template
from ._wire import RecordedRequest, Reply, parse_sequence, sogni_error


class WorkflowRoutes(BaseHandler):
    """The durable workflow routes, a mixin of the emulator's handler."""

    def _create_workflow(self, body: dict[str, Any]) -> None:
        """``POST creative-agent/workflows``: start a workflow, 201 with its snapshot."""
        plan = body.get("input")
        template_id = body.get("workflow_id")
        try:
            if (plan is None) == (template_id is None):
                raise StepFailed("Give either input (an inline plan) or workflow_id (a template)")
            raw_steps = (
                self._template_steps(template_id, body.get("inputs"))
                if template_id is not None
                else plan.get("steps")
                if isinstance(plan, dict)
                else None
            )
            steps = normalize_steps(raw_steps, self.emulator.catalog)
            uploads = check_media_references(body.get("media_references"))
        except StepFailed as exc:
            raise Reply(400, sogni_error(str(exc), 400)) from None
        ceiling = body.get("max_estimated_capacity_units")
        if body.get("confirm_cost") is True or not isinstance(ceiling, int | float):
            ceiling = None
        workflow = self.emulator._start_workflow(
            steps, uploads, self.headers.get("Idempotency-Key"), ceiling=ceiling
        )
        snapshot = workflow.snapshot(time.monotonic())
        self._send_json(201, {"status": "success", "data": {"workflow": snapshot}})

    def _template_steps(self, template_id: object, inputs: object) -> list[dict[str, Any]]:
        """A saved template's steps, inputs filled in (:func:`~._templates.compile_template`)."""
        with self.emulator._lock:
            template = self.emulator._templates.get(str(template_id))
        if template is None:
            raise Reply(404, sogni_error(f"Workflow template {template_id} not found", 404))
        try:
            return compile_template(template, inputs)
        except TemplateError as exc:
            raise StepFailed(exc.message) from None

    def _send_workflow(self, workflow: Workflow, status: int = 200, **extra: Any) -> None:
        """Answer with ``workflow``'s snapshot now, and ``extra`` beside it."""
        snapshot = workflow.snapshot(time.monotonic())
        self._send_json(status, {"status": "success", "data": {"workflow": snapshot, **extra}})

    def _list_workflows(self, query: Mapping[str, str]) -> None:
        """``GET creative-agent/workflows``: a page of workflows, newest first."""
        try:
            limit = max(1, min(100, int(query.get("limit", 20))))
            offset = max(0, int(query.get("offset", 0)))
        except ValueError:
            raise Reply(400, sogni_error("limit and offset must be integers", 400)) from None
        with self.emulator._lock:
            found = list(self.emulator._workflows.values())
        found.reverse()  # newest first
        now = time.monotonic()
        page = [w.snapshot(now) for w in found[offset : offset + limit]]
        data = {"workflows": page, "total": len(found), "limit": limit, "offset": offset}
        self._send_json(200, {"status": "success", "data": data})

    def _workflow_event_list(self, workflow: Workflow, after_query: str | None) -> None:
        """``GET .../{id}/events``: the events so far, after ``?after=``."""
        after = parse_sequence(after_query)
        elapsed = time.monotonic() - workflow.created
        events = [
            {"id": str(n), "sequence": n, "type": name, "at": t, "data": data}
            for n, t, name, data in workflow.events()
            if n > after and t <= elapsed
        ]
        self._send_json(200, {"status": "success", "data": {"events": events}})

    def _resume(self, workflow: Workflow) -> None:
        """``POST .../{id}/resume``: continue a workflow that waits for the user.

        Not a cost approval: a workflow that waits for one is refused (409) with what to do.
        """
        now = time.monotonic()
        reason = workflow.waiting_reason(now)
        if reason is None:
            raise Reply(409, sogni_error(f"Workflow {workflow.workflow_id} is not waiting", 409))
        if reason == "cost_approval_required":
            raise Reply(
                409,
                sogni_error(
                    f"Workflow {workflow.workflow_id} awaits cost approval; resume does not "
                    "approve costs. Start it again with confirm_cost=true or a higher "
                    "max_estimated_capacity_units",
                    409,
                ),
            )
        with self.emulator._lock:
            workflow.resumed_at = now
        self._send_workflow(workflow, resumed=True)

    def _reseed(self, workflow: Workflow) -> None:
        """``POST .../{id}/reseed``: the same steps again with new seeds, as a new workflow.

        Only a ``completed`` or ``partial_failure`` workflow is cloned (Sogni's documentation:
        "Clone a completed or partial-failure workflow"); any other is a 409. The new take
        carries no cost ceiling: a reseed's body has none (Sogni's SDKs send none).
        """
        status = workflow.status(time.monotonic())
        if status not in ("completed", "partial_failure"):
            raise Reply(
                409,
                sogni_error(
                    f"Workflow {workflow.workflow_id} is {status}; only a completed or "
                    "partial-failure workflow can be reseeded",
                    409,
                ),
            )
        steps = [
            {**step, "arguments": {**step["arguments"], "seed": 1000 + n}}
            for n, step in enumerate(workflow.steps)
        ]
        fresh: list[dict[str, Any]] = [
            {k: step[k] for k in ("id", "toolName", "arguments", "dependsOn") if k in step}
            for step in steps
        ]
        taken = self.emulator._start_workflow(
            fresh, workflow.uploads, self.headers.get("Idempotency-Key")
        )
        reseed = {"cloned_from_run_id": workflow.workflow_id, "steps": [s["id"] for s in fresh]}
        self._send_workflow(taken, 201, reseed=reseed)

    def _cancel_workflow(self, workflow: Workflow, request: RecordedRequest) -> None:
        """``POST .../{id}/cancel``: stop a workflow; ``transitioned`` says whether it did.

        A workflow that already finished is answered as it is, with ``transitioned: false``
        (the intelligence client's ``CancelDurableCreativeWorkflowResult``).
        """
        now = time.monotonic()
        if workflow.status(now) in ("completed", "failed", "cancelled"):
            self._send_workflow(workflow, transitioned=False)
            return
        reason = request.json.get("reason") if isinstance(request.json, dict) else None
        with self.emulator._lock:
            workflow.cancelled_at = now
            workflow.cancel_reason = reason if isinstance(reason, str) else None
        self._send_workflow(workflow, transitioned=True)

    def _workflow_events(self, workflow: Workflow, after_query: str | None) -> None:
        """``GET .../{id}/events/stream``: the events as SSE, each when its time comes."""
        after = parse_sequence(self.headers.get("Last-Event-ID") or after_query)
        emulator = self.emulator

        def event(number: int, at: float) -> Callable[[], bytes | None]:
            def make() -> bytes | None:
                while True:
                    # A cancel while waiting changes the timeline: look again each time.
                    timeline = {n: (t, name, data) for n, t, name, data in workflow.events()}
                    if number not in timeline:
                        return b""
                    due = workflow.created + timeline[number][0]
                    if not emulator._wait(min(due - time.monotonic(), 0.05)):
                        return None
                    if time.monotonic() >= due:
                        _, name, data = timeline[number]
                        return f"id: {number}\nevent: {name}\ndata: {json.dumps(data)}\n\n".encode()

            return make

        count = len(workflow.events()) + 1  # a cancel adds one event
        pending = [event(n, 0.0) for n in range(after + 1, count + 1)]
        self._stream([lambda: b": connected\n\n", *pending])
