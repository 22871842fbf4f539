"""The emulator's durable chat runs (``POST /v1/chat/runs``), from Sogni's documented contract.

A run is a timeline of events decided when it starts (:func:`plan_rounds` asks the model round
after round, running each round's tools before the next, so ``call A(...) then call B(...)``
chains): ``run_created``, ``llm_round_started``, then for each hosted tool the model calls (a
new ``llm_round_started`` before each later round's first) ``tool_call_dispatched``,
``tool_call_progress`` (``progress`` 0-1 with ``etaSeconds``), ``tool_call_resolved``
(``mediaUrls`` as ``{url, mediaType}`` rows) and ``media_context_updated`` (a 3D model,
``mediaType: "model"``, is an artifact but in no lane of the media context), then a last round
streamed as ``assistant_message_delta`` events, ``assistant_message_completed`` and
``run_completed``. Events become visible when their time comes, so a client that follows
the stream sees them arrive; every one has a sequence number, and a stream resumed with
``Last-Event-ID`` or ``?after=`` continues after it.

Cost approval: when a tool's estimate (:func:`~._hosted.capacity_units`) is above the start's
``max_estimated_capacity_units`` and ``confirm_cost`` is not true, the run stops before that tool
with ``run_awaiting_cost_confirmation`` and ``run_waiting_for_user`` (``reason:
cost_approval_required``, ``details.costApprovalPreview``). ``confirm-cost`` with ``decision:
"confirm"`` and the preview sent back unchanged continues it from that moment; ``"cancel"`` ends
it. ``cancel`` ends a run that has not finished. Tools that are not Sogni's hosted tools cannot
run on the server: such a call fails the run (``run_failed``).

It imports nothing from the client.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ._hosted import billing_preview, capacity_units, output_kind, wall_time

__all__ = ["MAX_RUN_ROUNDS", "TERMINAL_RUN_EVENTS", "ChatRun", "MediaRun", "RunStep", "plan_rounds"]

#: Events after which a run's stream has nothing more to say.
TERMINAL_RUN_EVENTS = frozenset({"run_completed", "run_failed", "run_cancelled"})
_STATUS_OF_EVENT = {
    "run_created": "queued",
    "run_resumed": "running",
    "llm_round_started": "running",
    "run_waiting_for_user": "waiting_for_user",
    "run_cost_confirmation_resolved": "running",
    "run_completed": "completed",
    "run_failed": "failed",
    "run_partial_failure": "partial_failure",
    "run_cancelled": "cancelled",
}


@attrs.define
class RunStep:
    """One tool call the model makes in a run, and what running it gave."""

    call_id: str
    name: str
    arguments: dict[str, Any]
    #: ``(kind, url)`` of each result, or the text of a composition/analysis tool.
    media: list[tuple[str, str]] = attrs.field(factory=list)
    text: str | None = None
    error: str | None = None
    units: float = 0.0
    #: The model round (1, 2, ...) that called it, and the workflow that ran its media.
    round: int = 1
    workflow_id: str | None = None


@attrs.define
class ChatRun:
    """One durable run: its request, its steps, and its timeline of events."""

    run_id: str
    created: float
    model: str
    messages: list[Any]
    steps: list[RunStep]
    final_text: str
    uploads: dict[str, list[str]]
    duration: float
    ceiling: float | None
    #: ``(moment, type, payload)``; only appended to, or cut at the present by a cancel.
    timeline: list[tuple[float, str, dict[str, Any]]] = attrs.field(factory=list)
    #: Index of the step waiting for cost approval, when the run is paused.
    paused_at: int | None = None
    preview: dict[str, Any] | None = None

    def start(self, now: float) -> None:
        """Lay out the events from ``now`` until the end or the first cost pause."""
        self._add(now, "run_created", {"runId": self.run_id, "model": self.model})
        self._add(now + 0.05 * self.duration, "llm_round_started", {"round": 1})
        self._run_from(0, now + 0.1 * self.duration)

    def _add(self, moment: float, kind: str, payload: dict[str, Any]) -> None:
        self.timeline.append((moment, kind, payload))

    def _run_from(self, first: int, moment: float) -> None:
        step_time = self.duration * 0.6 / max(1, len(self.steps))
        for index in range(first, len(self.steps)):
            step = self.steps[index]
            if index > 0 and step.round != self.steps[index - 1].round and index != self.paused_at:
                self._add(moment, "llm_round_started", {"round": step.round})
            needs_approval = self.ceiling is not None and step.units > self.ceiling
            if needs_approval and self.paused_at != index:
                self.paused_at = index
                self.preview = {
                    "previewId": f"{self.run_id}:{step.call_id}",
                    "toolCallId": step.call_id,
                    "toolName": step.name,
                    **billing_preview(step.units),
                }
                details = {"toolCallId": step.call_id, "costApprovalPreview": self.preview}
                self._add(moment, "billing_preview_updated", {"billingPreview": self.preview})
                self._add(moment, "run_awaiting_cost_confirmation", {"details": details})
                waiting = {
                    "reason": "cost_approval_required",
                    "message": f"{step.name} is estimated at {step.units:g} capacity units, "
                    f"above max_estimated_capacity_units={self.ceiling:g}",
                    "details": details,
                }
                self._add(moment, "run_waiting_for_user", waiting)
                return
            call = {"toolCallId": step.call_id, "name": step.name, "arguments": step.arguments}
            self._add(moment, "tool_call_dispatched", call)
            for fraction in (0.25, 0.5, 0.75):
                self._add(
                    moment + fraction * step_time,
                    "tool_call_progress",
                    {
                        "toolCallId": step.call_id,
                        "name": step.name,
                        "progress": fraction,
                        "etaSeconds": round((1 - fraction) * step_time, 3),
                    },
                )
            moment += step_time
            if step.error is not None:
                failed = {"toolCallId": step.call_id, "success": False, "error": step.error}
                self._add(moment, "tool_call_resolved", failed)
                self._add(moment, "run_failed", {"failureReason": step.error})
                return
            # The intelligence client's canonical rows: {url, mediaType} ('model' for a GLB).
            rows = [{"url": url, "mediaType": kind} for kind, url in step.media]
            resolved = {
                "toolCallId": step.call_id,
                "name": step.name,
                "success": True,
                "mediaUrls": rows,
                "result": step.text,
            }
            self._add(moment, "tool_call_resolved", resolved)
            if any(kind != "model" for kind, _ in step.media):
                context = self.media_context(index + 1)
                self._add(moment, "media_context_updated", {"mediaContext": context})
        self._add(
            moment, "llm_round_started", {"round": self.steps[-1].round + 1 if self.steps else 1}
        )
        pieces = [word + " " for word in self.final_text.split(" ")]
        pieces[-1] = pieces[-1][:-1]
        gap = self.duration * 0.2 / max(1, len(pieces))
        for number, piece in enumerate(pieces, start=1):
            self._add(moment + number * gap, "assistant_message_delta", {"delta": piece})
        moment += self.duration * 0.25
        final = {"content": self.final_text, "finishReason": "stop"}
        self._add(moment, "assistant_message_completed", final)
        self._add(moment, "run_completed", {"finalResponse": final})

    def confirm(self, now: float, decision: str) -> None:
        """Resolve the cost pause: continue from ``now`` or end the run."""
        assert self.paused_at is not None
        assert self.preview is not None
        resolved = {"toolCallId": self.preview["toolCallId"], "decision": decision}
        self._add(now, "run_cost_confirmation_resolved", resolved)
        if decision == "cancel":
            self._add(now, "run_cancelled", {"reason": "cost approval declined"})
            return
        self._run_from(self.paused_at, now)

    def cancel(self, now: float, reason: str | None) -> None:
        """Drop what has not happened yet and end the run at ``now``."""
        self.timeline = [entry for entry in self.timeline if entry[0] <= now]
        self._add(now, "run_cancelled", {"reason": reason})

    def events(self, now: float) -> list[tuple[int, float, str, dict[str, Any]]]:
        """``(sequence, moment, type, payload)`` of every event up to ``now``."""
        return [
            (number, moment, kind, payload)
            for number, (moment, kind, payload) in enumerate(self.timeline, start=1)
            if moment <= now
        ]

    def pending(self, number: int) -> tuple[float, str, dict[str, Any]] | None:
        """Event ``number`` (1-based), whether or not its time has come; ``None`` if none yet."""
        return self.timeline[number - 1] if number <= len(self.timeline) else None

    def status(self, now: float) -> str:
        """The run's status at ``now``."""
        status = "queued"
        for _, _, kind, _ in self.events(now):
            status = _STATUS_OF_EVENT.get(kind, status)
        return status

    def media_context(self, steps_done: int) -> dict[str, list[str]]:
        """The run's media context after ``steps_done`` steps."""
        made: dict[str, list[str]] = {"image": [], "video": [], "audio": [], "model": []}
        for step in self.steps[:steps_done]:
            for kind, url in step.media:
                made[kind].append(url)  # a model has no lane in the media context
        return {
            "images": made["image"],
            "videos": made["video"],
            "audio": made["audio"],
            "uploadedImages": list(self.uploads.get("image", [])),
            "uploadedVideos": list(self.uploads.get("video", [])),
            "uploadedAudio": list(self.uploads.get("audio", [])),
        }

    def snapshot(self, now: float) -> dict[str, Any]:
        """The run as ``GET /v1/chat/runs/{id}`` shows it at ``now``."""
        seen = self.events(now)
        status = self.status(now)
        resolved = {p["toolCallId"]: p for _, _, kind, p in seen if kind == "tool_call_resolved"}
        dispatched = [p for _, _, kind, p in seen if kind == "tool_call_dispatched"]
        done = sum(1 for step in self.steps if step.call_id in resolved)
        run: dict[str, Any] = {
            "runId": self.run_id,
            "status": status,
            "model": self.model,
            "messages": list(self.messages),
            "toolCalls": [
                {
                    "id": p["toolCallId"],
                    "type": "function",
                    "function": {"name": p["name"], "arguments": json.dumps(p["arguments"])},
                }
                for p in dispatched
            ],
            "toolResults": list(resolved.values()),
            "mediaContext": self.media_context(done),
            # ChatRunArtifactRef: {id, url, mediaType ('image'|'video'|'audio'|'model'), ...}.
            "artifacts": [
                {
                    "id": f"art_{step.call_id}_{number}",
                    "url": url,
                    "mediaType": kind,
                    "toolName": step.name,
                    "toolCallId": step.call_id,
                    **({"workflowId": step.workflow_id} if step.workflow_id else {}),
                }
                for step in self.steps
                if step.call_id in resolved
                for number, (kind, url) in enumerate(step.media)
            ],
            "billingPreview": billing_preview(sum(step.units for step in self.steps)),
            "createdAt": wall_time(self.created),
        }
        for _, _, kind, payload in seen:
            if kind == "run_completed":
                run["finalResponse"] = payload["finalResponse"]
                run["messages"].append(
                    {"role": "assistant", "content": payload["finalResponse"]["content"]}
                )
            elif kind == "run_failed":
                run["failureReason"] = payload["failureReason"]
        if status == "waiting_for_user":
            run["waiting"] = next(p for _, _, k, p in reversed(seen) if k == "run_waiting_for_user")
        return run


#: Most model rounds that call tools in one run (the client-side loop's default too).
MAX_RUN_ROUNDS = 5
#: What running one media tool gives: ``(kind, url)`` rows, an error, the workflow's id.
MediaRun = tuple[list[tuple[str, str]], str | None, str | None]


def plan_rounds(
    calls_for: Callable[[list[Any]], list[tuple[str, dict[str, Any]]]],
    messages: list[Any],
    *,
    hosted: frozenset[str],
    composition: frozenset[str],
    run_media: Callable[[str, dict[str, Any]], MediaRun],
    compose_text: Callable[[str, Mapping[str, Any]], str],
) -> list[RunStep]:
    """The steps of a run, round after round, as Sogni's server-side tool loop runs them.

    ``calls_for(conversation)`` is the model's tool calls for the conversation so far; each
    round's calls are executed now, and their results appended (an assistant turn with the
    calls, a tool message each) before the model is asked again, so ``call A(...) then call
    B(...)`` runs A, then B. It stops when the model calls no tool, a tool fails, or after
    :data:`MAX_RUN_ROUNDS` rounds.
    """
    steps: list[RunStep] = []
    conversation = list(messages)
    for round_number in range(1, MAX_RUN_ROUNDS + 1):
        calls = calls_for(conversation)
        if not calls:
            break
        made = plan_steps(calls, hosted, composition, run_media, compose_text, first=len(steps) + 1)
        for step in made:
            step.round = round_number
        steps.extend(made)
        if any(step.error is not None for step in made):
            break
        conversation.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": step.call_id,
                        "type": "function",
                        "function": {"name": step.name, "arguments": json.dumps(step.arguments)},
                    }
                    for step in made
                ],
            }
        )
        conversation.extend(
            {
                "role": "tool",
                "tool_call_id": step.call_id,
                "content": " ".join(url for _, url in step.media) or step.text or "done",
            }
            for step in made
        )
    return steps


def plan_steps(
    tool_calls: list[tuple[str, dict[str, Any]]],
    hosted: frozenset[str],
    composition: frozenset[str],
    run_media: Callable[[str, dict[str, Any]], MediaRun],
    compose_text: Callable[[str, Mapping[str, Any]], str],
    *,
    first: int = 1,
) -> list[RunStep]:
    """The steps of one round: each call executed now (media by ``run_media``), outcome kept.

    ``first`` numbers the first call's id (``call_{first}``).
    """
    steps: list[RunStep] = []
    for number, (name, arguments) in enumerate(tool_calls, start=first):
        step = RunStep(call_id=f"call_{number}", name=name, arguments=arguments)
        if name not in hosted:
            step.error = f"{name} is not a Sogni hosted tool; a durable run cannot execute it"
        elif name in composition:
            step.text = compose_text(name, arguments)
        else:
            step.units = capacity_units(name, arguments)
            step.media, step.error, step.workflow_id = run_media(name, arguments)
            if output_kind(name) is None and step.error is None:
                step.text = f"{name} looked at the media"
        steps.append(step)
        if step.error is not None:
            break
    return steps
