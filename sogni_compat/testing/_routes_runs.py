"""Durable chat runs: ``/v1/chat/runs`` and everything under it.

Start (``Idempotency-Key`` honoured; media must be http(s) URLs), snapshot, the event list,
the SSE event stream (resumed with ``Last-Event-ID`` or ``?after=``), ``cancel`` and
``confirm-cost``. A run's timeline is decided when it starts (:class:`~._runs.ChatRun`); its
hosted media tools run as finished workflows. ``chat/completions`` is in :mod:`._routes_chat`.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._hosted import StepFailed, check_media_references, compose, vision_uploads
from ._http import BaseHandler
from ._model import answer_for, tokens
from ._runs import TERMINAL_RUN_EVENTS, ChatRun, MediaRun, plan_rounds
from ._state import EmulatorState
from ._wire import RecordedRequest, Reply, parse_sequence, sogni_error, unknown_model


class RunRoutes(BaseHandler):
    """The durable chat run routes, a mixin of the emulator's handler."""

    def _create_run(self, body: dict[str, Any]) -> None:
        """``POST chat/runs``: start a run, 201 with its snapshot."""
        emulator = self.emulator
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise Reply(400, sogni_error("messages must be a non-empty list", 400))
        offending = _inline_media(body)
        if offending:
            raise Reply(
                400,
                sogni_error(
                    "Durable chat runs do not support inline base64/data URI media. Upload "
                    "media first and pass HTTP(S) URLs instead. Offending field(s): "
                    + ", ".join(offending),
                    400,
                ),
            )
        model = body.get("model") or emulator.models[0]
        if model not in emulator.models:
            raise Reply(404, unknown_model(model))
        key = self.headers.get("Idempotency-Key")
        with emulator._lock:
            known = emulator._by_key.get(f"run:{key}") if key else None
        if known is not None:
            self._send_run(emulator._run(known), 201)
            return
        catalog = emulator.catalog
        hosted = frozenset(catalog.injected(body.get("sogni_tools", "creative-tools")))
        try:
            uploads = check_media_references(body.get("media_references"))
        except StepFailed as exc:
            raise Reply(400, sogni_error(str(exc), 400)) from None
        uploads["image"] = vision_uploads(messages) + uploads["image"]
        made: dict[str, list[str]] = {"image": [], "video": [], "audio": [], "model": []}

        def run_media(name: str, arguments: dict[str, Any]) -> MediaRun:
            step = {"id": name, "toolName": name, "arguments": arguments}
            workflow = emulator._start_workflow([step], uploads, None, finished=True, earlier=made)
            media = [(a["kind"], a["url"]) for a in workflow.artifacts]
            for kind, url in media:
                made[kind].append(url)
            return media, workflow.error, workflow.workflow_id

        steps = plan_rounds(
            lambda conversation: (
                answer_for(
                    {**body, "messages": conversation, "sogni_tools": "creative-tools"}, hosted
                ).tool_calls
            ),
            list(messages),
            hosted=hosted,
            composition=catalog.composition,
            run_media=run_media,
            compose_text=lambda name, arguments: json.dumps(compose(name, arguments, tokens)[0]),
        )
        if steps:
            lines = [
                f"{s.name}: {' '.join(url for _, url in s.media) or s.text or 'done'}"
                for s in steps
            ]
            final = "Tool results: " + "; ".join(lines)
        else:
            final = answer_for({**body, "sogni_tools": "creative-tools"}, hosted).content or ""
        ceiling = body.get("max_estimated_capacity_units")
        if body.get("confirm_cost") is True or not isinstance(ceiling, int | float):
            ceiling = None
        now = time.monotonic()
        with emulator._lock:
            run_id = f"run_{len(emulator._runs) + 1}"
            run = ChatRun(
                run_id=run_id,
                created=now,
                model=model,
                messages=list(messages),
                steps=steps,
                final_text=final,
                uploads=uploads,
                duration=emulator.workflow_seconds,
                ceiling=ceiling,
            )
            run.start(now)
            emulator._runs[run_id] = run
            if key:
                emulator._by_key[f"run:{key}"] = run_id
        self._send_run(run, 201)

    def _send_run(self, run: ChatRun, status: int = 200) -> None:
        """Answer with ``run``'s snapshot now."""
        snapshot = run.snapshot(time.monotonic())
        self._send_json(status, {"status": "success", "data": {"run": snapshot}})

    def _run_event_list(self, run: ChatRun, after_query: str | None) -> None:
        """``GET .../{id}/events``: the events so far, after ``?after=``."""
        after = parse_sequence(after_query)
        events = [
            _run_event(n, kind, payload, moment)
            for n, moment, kind, payload in run.events(time.monotonic())
            if n > after
        ]
        self._send_json(200, {"status": "success", "data": {"events": events}})

    def _run_events(self, run: ChatRun, after_query: str | None) -> None:
        """``GET .../{id}/events/stream``: the events as SSE, each when its time comes."""
        after = parse_sequence(self.headers.get("Last-Event-ID") or after_query)
        emulator = self.emulator

        def frames() -> Iterable[Callable[[], bytes | None]]:
            status = json.dumps({"status": run.status(time.monotonic())})
            yield f"event: run_status\ndata: {status}\n\n".encode
            number = after + 1
            while True:
                yield functools.partial(_next_run_event, emulator, run, number)
                entry = run.pending(number)
                if entry is not None and entry[1] in TERMINAL_RUN_EVENTS:
                    return
                if entry is None and run.status(time.monotonic()) in _RUN_SETTLED:
                    return
                number += 1

        self._stream(frames())

    def _cancel_run(self, run: ChatRun, request: RecordedRequest) -> None:
        """``POST .../{id}/cancel``: stop a run that has not finished."""
        now = time.monotonic()
        if run.status(now) in ("completed", "failed", "cancelled"):
            raise Reply(409, sogni_error(f"Chat run {run.run_id} has already finished", 409))
        reason = request.json.get("reason") if isinstance(request.json, dict) else None
        with self.emulator._lock:
            run.cancel(now, reason if isinstance(reason, str) else None)
        self._send_run(run)

    def _confirm_cost(self, run: ChatRun, body: dict[str, Any]) -> None:
        """``POST .../{id}/confirm-cost``: go on with, or cancel, the tool awaiting approval."""
        now = time.monotonic()
        decision = body.get("decision")
        if decision not in ("confirm", "cancel"):
            raise Reply(400, sogni_error("decision must be 'confirm' or 'cancel'", 400))
        if run.status(now) != "waiting_for_user" or run.preview is None:
            raise Reply(409, sogni_error(f"Chat run {run.run_id} is not awaiting cost", 409))
        if body.get("tool_call_id") != run.preview["toolCallId"]:
            raise Reply(400, sogni_error("tool_call_id does not name the paused tool call", 400))
        if decision == "confirm":
            accepted = body.get("acceptedCostPreview")
            if accepted is None:
                raise Reply(400, sogni_error("acceptedCostPreview is required to confirm", 400))
            if accepted != run.preview:
                raise Reply(409, sogni_error("The cost preview changed or expired", 409))
        with self.emulator._lock:
            run.confirm(now, decision)
        self._send_run(run)


#: Run statuses after which no event comes until the caller acts.
_RUN_SETTLED = frozenset({"waiting_for_user", "completed", "failed", "cancelled"})


def _run_event(number: int, kind: str, payload: dict[str, Any], moment: float) -> dict[str, Any]:
    at = time.time() - (time.monotonic() - moment)
    return {"sequence": number, "type": kind, "at": round(at, 3), "payload": payload}


def _next_run_event(emulator: EmulatorState, run: ChatRun, number: int) -> bytes | None:
    """Event ``number`` of ``run`` when its time comes (``b""``: none; ``None``: stopping)."""
    while True:
        entry = run.pending(number)
        if entry is None:
            if run.status(time.monotonic()) in _RUN_SETTLED:
                return b""
            if not emulator._wait(0.05):
                return None
            continue
        moment, kind, payload = entry
        if not emulator._wait(min(moment - time.monotonic(), 0.05)):
            return None
        if time.monotonic() >= moment:
            data = json.dumps(_run_event(number, kind, payload, moment))
            return f"id: {number}\nevent: {kind}\ndata: {data}\n\n".encode()


def _inline_media(body: Mapping[str, Any]) -> list[str]:
    """Where a run's body holds media that is not an http(s) URL."""
    found = []
    for m, message in enumerate(body.get("messages") or ()):
        content = message.get("content") if isinstance(message, dict) else None
        for p, part in enumerate(content if isinstance(content, list) else ()):
            image = part.get("image_url") if isinstance(part, dict) else None
            url = image.get("url") if isinstance(image, dict) else image
            if isinstance(url, str) and not url.lower().startswith(("http://", "https://")):
                found.append(f"messages[{m}].content[{p}].image_url.url")
    for r, reference in enumerate(body.get("media_references") or ()):
        url = reference.get("url") if isinstance(reference, dict) else None
        if isinstance(url, str) and not url.lower().startswith(("http://", "https://")):
            found.append(f"mediaReferences[{r}].url")
    return found
