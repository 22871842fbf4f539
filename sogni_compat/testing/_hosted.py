"""The emulator's model of Sogni's hosted tools: catalogue, media context, workflows.

It reads Sogni's published data shipped in ``sogni_compat/data`` (the hosted-tool manifest and
the workflow-step allow-list) straight from the files and imports nothing from the client, so
a wrong assumption in the client's loop shows up as a failure here instead of being copied.

What it does, following Sogni's documentation (``docs/sogni-api.md`` sections 7-8):

- a workflow step must name a tool on the allow-list (the original-image utilities
  ``remove_background``, ``segment_image`` and ``image_to_3d`` included), else the start is
  refused with ``{"status": "error", "message": "Unsupported hosted tool: NAME"}``; at most 12
  steps; a step id is made safe as Sogni does (``[A-Za-z0-9_-]``, default the tool's name, a
  repeated id gets ``_N``);
- media arrive only as http(s) URLs in ``media_references``; they are the workflow's uploads
  (per kind, -1 the first); each step's media results are appended per kind (0 the first);
- index arguments (any argument named like ``sourceImageIndex``, ``videoIndices``,
  ``audioIndex``) are resolved against that context; an index that names nothing fails the
  workflow at that step, as the service does;
- progress is a 0-1 fraction with ``etaSeconds`` (or 0-100 with ``eta``, to test the other
  scale); artifacts carry ``kind`` and an ``id``: ``image``, ``video``, ``audio``, or ``model``
  for ``image_to_3d``'s binary GLB (a lane of its own: never an image result, never indexed);
- ``cancel`` stops a workflow that has not finished (``transitioned: true``); cancelling a
  finished one is a normal answer with ``transitioned: false``;
- ``dependsOn`` is a list of binding objects ``{sourceStepId, targetArgument, transform, ...}``
  (:mod:`._bindings`); ``"$input_media"`` names the uploads. Bare ids, unknown transforms,
  unknown step ids and cycles refuse the start; steps run in dependency order;
- a step naming a conversation-control tool (``ask_clarifying_question``) makes the workflow
  wait for the user (``waitingReason`` that tool) until ``resume``, which continues it from
  there;
- every workflow has a ``billingPreview`` (:func:`capacity_units` per step); when it exceeds a
  start's ``max_estimated_capacity_units`` and ``confirm_cost`` is not true, the workflow waits
  (``waiting_for_user``, ``waitingReason: cost_approval_required``, ``awaitingCostApproval``).
  ``resume`` does not approve a cost (Sogni's resume continues "from persisted step state";
  a workflow's confirm-cost route is not published): it is refused with a 409 that says to
  start again with ``confirm_cost`` or a higher ceiling.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from ._bindings import INPUT_MEDIA, BindingError, Made, apply_bindings, check_bindings

__all__ = [
    "INPUT_MEDIA",
    "ProgressScale",
    "SogniCatalog",
    "Workflow",
    "billing_preview",
    "capacity_units",
    "compose",
    "load_catalog",
    "output_kind",
    "wall_time",
]

ProgressScale = Literal["fraction", "percent"]

_DATA = Path(__file__).resolve().parent.parent / "data"
_INDEX_ARGUMENT = re.compile(r"(?i)(image|video|audio|voice)\w*?(index|indices)$")
_URL_ARGUMENT = re.compile(r"(?i)(image|video|audio|voice)\w*?_?url$")
#: The lanes of the media context (a ``model`` has none).
_LANES = ("image", "video", "audio")
_EXTENSIONS = {"image": "png", "video": "mp4", "audio": "mp3", "model": "glb"}
_FINAL = ("completed", "failed", "cancelled")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")
#: The emulator's own reading of which tools work on existing media, and of which kind. When
#: a step names none (no index argument), it takes the workflow's latest result of that kind,
#: else its first upload, as the manifest's descriptions say ("omit for the latest result",
#: "or the original"), and fails when there is neither.
_WORKS_ON = {
    "edit_image": "image",
    "restore_photo": "image",
    "apply_style": "image",
    "refine_result": "image",
    "change_angle": "image",
    "upscale_image": "image",
    "animate_photo": "image",
    "orbit_video": "image",
    "dance_montage": "image",
    "analyze_image": "image",
    "upscale_video": "video",
    "video_to_video": "video",
    "extend_video": "video",
    "replace_video_segment": "video",
    "overlay_video": "video",
    "add_subtitles": "video",
    "analyze_video": "video",
    "remove_background": "image",
    "segment_image": "image",
    "image_to_3d": "image",
}
#: Words in a tool's name that say it looks at media instead of making some.
_LOOKING = ("analyze", "extract", "inspect", "label", "map_assets", "validate", "asset_manifest")


@attrs.frozen
class SogniCatalog:
    """The names the service knows, read from the published files."""

    version: str
    manifest: frozenset[str]
    workflow_steps: frozenset[str]
    composition: frozenset[str]
    control: frozenset[str]
    max_steps: int
    #: ``creative-tools`` and ``creative-agent``: the tools each surface injects.
    surfaces: Mapping[str, frozenset[str]] = attrs.field(factory=dict)

    def injected(self, sogni_tools: object) -> list[str]:
        """The hosted tools the service adds for a ``sogni_tools`` value, sorted.

        ``True``/``"creative-tools"`` (the default): generation, analysis and synchronous
        composition; ``"creative-agent"`` also the control, asset-manifest and planning tools.
        """
        if sogni_tools in (False, "none", None):
            return []
        surface = "creative-agent" if sogni_tools == "creative-agent" else "creative-tools"
        return sorted(self.surfaces[surface])


def _read_data(name: str) -> Any:
    return json.loads((_DATA / name).read_text(encoding="utf-8"))


def load_catalog() -> SogniCatalog:
    """Read ``hosted_tools.json`` and ``catalog.json`` from the package's data directory."""
    about = _read_data("catalog.json")
    manifest = _read_data(about["manifest"]["file"])
    steps = about["workflow_steps"]
    surfaces = about["sogni_tools"]
    basic = frozenset(surfaces["creative-tools"]) | frozenset(surfaces["creative-tools_utilities"])
    return SogniCatalog(
        version=manifest["version"],
        manifest=frozenset(tool["function"]["name"] for tool in manifest["tools"]),
        workflow_steps=frozenset(steps["generation"]) | frozenset(steps["hosted_app"]),
        composition=frozenset(about["composition"]["tools"]),
        control=frozenset(about["loop_control"]["tools"]),
        max_steps=int(steps["max_steps"]),
        surfaces={
            "creative-tools": basic,
            "creative-agent": basic | frozenset(surfaces["creative-agent_adds"]),
        },
    )


@functools.cache
def _model_tools() -> frozenset[str]:
    """The tools whose result is a 3D model (``media_types.model`` of ``catalog.json``)."""
    return frozenset(_read_data("catalog.json")["media_types"]["model"])


def output_kind(tool: str) -> str | None:
    """The kind of media a tool makes (``None``: it answers with text about media).

    ``model`` for a tool the published data says makes a 3D model (``image_to_3d``).
    """
    if tool in _model_tools():
        return "model"
    if any(word in tool for word in _LOOKING):
        return None
    if "music" in tool or "speech" in tool or "audio" in tool:
        return "audio"
    video_words = ("video", "animate", "orbit", "dance", "subtitles")
    if any(word in tool for word in video_words):
        return "video"
    return "image"


#: Capacity units per result of each kind (the emulator's price list).
_UNITS = {"image": 1.0, "video": 8.0, "audio": 4.0, "model": 6.0, None: 0.5}


def capacity_units(tool: str, arguments: Mapping[str, Any]) -> float:
    """The emulator's estimate for one step: units per result times the variations asked."""
    count = arguments.get("numberOfVariations", 1)
    count = count if isinstance(count, int) and 1 <= count <= 16 else 1
    return _UNITS[output_kind(tool)] * count


def billing_preview(units: float) -> dict[str, Any]:
    """A ``billingPreview`` for ``units`` capacity units (fixed exchange rates)."""
    return {
        "estimatedCapacityUnits": units,
        "costInUSD": round(units * 0.01, 6),
        "costInSpark": round(units * 1.0, 6),
        "costInSogni": round(units * 0.2, 6),
    }


class StepFailed(Exception):
    """A step cannot run; the message is the workflow's error."""


def _resolve(
    arguments: Mapping[str, Any], uploads: Mapping[str, list[str]], results: Mapping[str, list[str]]
) -> dict[str, Any]:
    """Every index argument resolved to its URL(s); :class:`StepFailed` for a missing one."""
    resolved: dict[str, Any] = {}
    for name, value in arguments.items():
        match = _INDEX_ARGUMENT.search(name)
        if match is None:
            continue
        word = match.group(1).lower()
        kind = "audio" if word == "voice" else word
        values = value if isinstance(value, list) else [value]
        urls = []
        for item in values:
            if isinstance(item, bool) or not isinstance(item, int | float) or item != int(item):
                raise StepFailed(f"{name} must be an integer index, got {item!r}")
            index = int(item)
            pool, position = (uploads, -index - 1) if index < 0 else (results, index)
            found = pool.get(kind, [])
            if position >= len(found):
                where = "uploaded" if index < 0 else "generated"
                raise StepFailed(
                    f"{name}={index} does not exist: the workflow has {len(found)} "
                    f"{where} {kind}(s)"
                )
            urls.append(found[position])
        resolved[name] = urls if isinstance(value, list) else urls[0]
    return resolved


def _given_urls(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The http(s) URL arguments that name a source (``source_image_url``...)."""
    return {
        name: value
        for name, value in arguments.items()
        if _URL_ARGUMENT.search(name)
        and isinstance(value, str)
        and value.lower().startswith(("http://", "https://"))
    }


@attrs.define
class Workflow:
    """A workflow whose timeline runs from its creation; every step's outcome is decided then."""

    workflow_id: str
    steps: list[dict[str, Any]]
    created: float
    duration: float
    root_url: str
    uploads: dict[str, list[str]]
    scale: ProgressScale = "fraction"
    #: Media made before the workflow (a durable run's earlier tools), per kind.
    earlier: dict[str, list[str]] = attrs.field(factory=dict)
    #: Tools whose step waits for the user (conversation control) until ``resume``.
    pause_tools: frozenset[str] = frozenset()
    #: Paused for cost approval (never lifted: resume does not approve costs).
    needs_approval: bool = False
    #: Why it waits for the user after its steps so far (a control tool's name), if it does.
    waits_for: str | None = None
    resumed_at: float | None = None
    cancelled_at: float | None = None
    cancel_reason: str | None = None
    error: str | None = None
    artifacts: list[dict[str, Any]] = attrs.field(factory=list)

    def plan(self) -> None:
        """Run the steps in order against the workflow's media context."""
        results = {kind: list(self.earlier.get(kind, [])) for kind in _LANES}
        uploads = [
            Made(kind, url, f"upload_{kind}_{n}", -(n + 1))
            for kind in _LANES
            for n, url in enumerate(self.uploads.get(kind, []))
        ]
        by_step: dict[str, list[Made]] = {}
        for number, step in enumerate(self.steps):
            tool = step["toolName"]
            try:
                arguments = step["arguments"] = self._bind(step, by_step, uploads)
                step["resolvedMedia"] = {
                    **_resolve(arguments, self.uploads, results),
                    **_given_urls(arguments),
                }
                needs = _WORKS_ON.get(tool)
                if needs is not None and not step["resolvedMedia"]:
                    made, given = results[needs], self.uploads.get(needs, [])
                    source = made[-1] if made else given[0] if given else None
                    if source is None:
                        raise StepFailed(f"{tool} needs an {needs}: none was uploaded or made")
                    step["resolvedMedia"] = {"source": source}
            except StepFailed as exc:
                self.error = f"step {step['id']} ({tool}): {exc}"
                step["status"] = "failed"
                return
            if "fail" in json.dumps(arguments).lower():
                self.error = f"step {step['id']} ({tool}): the emulator was asked to fail"
                step["status"] = "failed"
                return
            step["status"] = "completed"
            if tool in self.pause_tools:
                step["result"] = {"question": arguments.get("question")}
                self.waits_for = self.waits_for or tool
                continue
            kind = output_kind(tool)
            if kind is None:
                looked = [u for v in step["resolvedMedia"].values() for u in _listed(v)]
                text = f"{tool} looked at {', '.join(looked) or '-'}"
                step["result"] = {"description": text}
                by_step.setdefault(step["id"], []).append(Made("text", "", step["id"], None, text))
                continue
            count = arguments.get("numberOfVariations", 1)
            count = count if isinstance(count, int) and 1 <= count <= 16 else 1
            for variation in range(count):
                url = (
                    f"{self.root_url}/media/{self.workflow_id}/{number}_{variation}."
                    f"{_EXTENSIONS[kind]}"
                )
                index = None
                if kind in results:  # a model has no lane: nothing can name it by index
                    index = len(results[kind])
                    results[kind].append(url)
                artifact_id = f"{step['id']}_{variation}"
                by_step.setdefault(step["id"], []).append(Made(kind, url, artifact_id, index))
                artifact = {"id": artifact_id, "url": url, "kind": kind, "stepId": step["id"]}
                self.artifacts.append(artifact)

    @staticmethod
    def _bind(
        step: Mapping[str, Any], made: Mapping[str, list[Made]], uploads: list[Made]
    ) -> dict[str, Any]:
        """The step's arguments with each ``dependsOn`` binding applied (:mod:`._bindings`)."""
        try:
            return apply_bindings(
                step["id"], step["arguments"], step.get("dependsOn", ()), made, uploads
            )
        except BindingError as exc:
            raise StepFailed(str(exc)) from None

    @property
    def units(self) -> float:
        """The workflow's estimated capacity units."""
        return sum(capacity_units(s["toolName"], s["arguments"]) for s in self.steps)

    @property
    def fails(self) -> bool:
        """Whether the workflow ends ``failed``."""
        return self.error is not None

    def _progress(self, fraction: float, eta: float) -> dict[str, Any]:
        if self.scale == "percent":
            return {"progress": round(fraction * 100), "eta": eta}
        return {"progress": fraction, "etaSeconds": eta}

    def waiting_reason(self, now: float) -> str | None:
        """Why the workflow waits for the user at ``now`` (``None`` when it does not)."""
        if self.status(now) != "waiting_for_user":
            return None
        return "cost_approval_required" if self.needs_approval else self.waits_for

    def events(self) -> list[tuple[int, float, str, dict[str, Any]]]:
        """``(id, seconds after creation, event name, data)``, in order."""
        d = self.duration
        timeline: list[tuple[float, str, dict[str, Any]]] = [
            (0.0, "workflow.queued", {"status": "queued", **self._progress(0.0, d)}),
        ]
        shift = 0.0
        if self.needs_approval:
            waiting = {
                "status": "waiting_for_user",
                "waitingReason": "cost_approval_required",
                "awaitingCostApproval": True,
                "billingPreview": billing_preview(self.units),
            }
            timeline.append((0.0, "workflow.waiting_for_user", waiting))
            shift = float("inf")
        if shift != float("inf"):
            timeline.append(
                (
                    shift + 0.2 * d,
                    "step.started",
                    {"status": "running", **self._progress(0.0, 0.8 * d)},
                )
            )
            if self.waits_for is not None and not self.fails:
                asked = {"status": "waiting_for_user", "waitingReason": self.waits_for}
                timeline.append((shift + 0.3 * d, "workflow.waiting_for_user", asked))
                if self.resumed_at is None:
                    shift = float("inf")
                else:
                    shift = self.resumed_at - self.created - 0.3 * d
                    resumed = {"status": "running", "resumed": True}
                    timeline.append((shift + 0.3 * d, "workflow.resumed", resumed))
        if shift != float("inf"):
            for i, fraction in enumerate((0.25, 0.5, 0.75), start=2):
                eta = round(d * (1 - i / 5), 3)
                timeline.append(
                    (shift + i / 5 * d, "step.progress", {**self._progress(fraction, eta)})
                )
            if self.fails:
                failed = {"status": "failed", "error": self.error}
                timeline.append((shift + d, "workflow.failed", failed))
            else:
                done = {"status": "completed", **self._progress(1.0, 0.0)}
                timeline.append((shift + d, "workflow.completed", done))
        if self.cancelled_at is not None:
            at = self.cancelled_at - self.created
            timeline = [entry for entry in timeline if entry[0] < at]
            timeline.append((at, "workflow.cancelled", {"status": "cancelled"}))
        return [(n, t, name, data) for n, (t, name, data) in enumerate(timeline, start=1)]

    def status(self, now: float) -> str:
        """The status at ``now``."""
        elapsed = now - self.created
        statuses = [data.get("status") for _, t, _, data in self.events() if t <= elapsed]
        return next((s for s in reversed(statuses) if isinstance(s, str)), "queued")

    def snapshot(self, now: float) -> dict[str, Any]:
        """The workflow as ``GET creative-agent/workflows/{id}`` shows it at ``now``."""
        elapsed = now - self.created
        seen = [data for _, t, _, data in self.events() if t <= elapsed]
        status = self.status(now)
        progress = next((d for d in reversed(seen) if "progress" in d), self._progress(0, 0))
        workflow: dict[str, Any] = {
            "workflowId": self.workflow_id,
            "status": status,
            "progress": progress["progress"],
            "steps": [
                {
                    key: value
                    for key, value in step.items()
                    if status == "completed" or key in ("id", "toolName", "arguments")
                }
                for step in self.steps
            ],
            "artifacts": list(self.artifacts) if status == "completed" else [],
            "billingPreview": billing_preview(self.units),
            "createdAt": wall_time(self.created),
        }
        reason = self.waiting_reason(now)
        if reason is not None:
            workflow["waitingReason"] = reason
            workflow["awaitingCostApproval"] = reason == "cost_approval_required"
        if status == "failed":
            workflow["error"] = {"message": self.error}
        if status == "cancelled":
            workflow["cancelReason"] = self.cancel_reason
        return workflow


def _listed(value: object) -> list[str]:
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]


def check_media_references(references: object) -> dict[str, list[str]]:
    """The uploads a start's ``media_references`` give, per kind; :class:`StepFailed` if bad."""
    uploads: dict[str, list[str]] = {kind: [] for kind in _LANES}
    if references is None:
        return uploads
    if not isinstance(references, list):
        raise StepFailed("media_references must be a list")
    for index, reference in enumerate(references):
        kind = reference.get("kind") if isinstance(reference, dict) else None
        url = reference.get("url") if isinstance(reference, dict) else None
        if kind not in uploads or not isinstance(url, str):
            raise StepFailed(f"media_references[{index}] needs a kind and a url")
        if not url.lower().startswith(("http://", "https://")):
            raise StepFailed(
                "Durable creative workflows do not support inline base64/data URI media. "
                "Upload media first and pass HTTP(S) URLs instead. Offending field(s): "
                f"mediaReferences[{index}].url"
            )
        uploads[kind].append(url)
    return uploads


def _safe_id(value: object, fallback: str) -> str:
    """A step id as Sogni keeps it, else ``fallback``.

    Only ``[A-Za-z0-9_-]`` stays (``_`` for the rest, runs of ``_`` collapsed).
    """
    text = value.strip() if isinstance(value, str) else ""
    text = re.sub(r"_+", "_", _UNSAFE_ID.sub("_", text))
    return text if text.strip("_") else fallback


def normalize_steps(steps: object, catalog: SogniCatalog) -> list[dict[str, Any]]:
    """Validate a start's ``input.steps`` as the service does; :class:`StepFailed` if bad.

    A step's id defaults to its tool's name and is made safe as Sogni does; an id seen before
    gets ``_N`` (N its position, from 1).
    """
    if not isinstance(steps, list) or not steps:
        raise StepFailed("Durable workflow requires at least one step")
    if len(steps) > catalog.max_steps:
        raise StepFailed(f"Durable workflow supports at most {catalog.max_steps} steps")
    normalized = []
    seen: set[str] = set()
    for index, step in enumerate(steps):
        name = step.get("toolName") if isinstance(step, dict) else None
        if name not in catalog.workflow_steps:
            raise StepFailed(f"Unsupported hosted tool: {name}")
        arguments = step.get("arguments")
        if not isinstance(arguments, dict):
            raise StepFailed(f"Workflow step {index} requires object arguments")
        if "data:" in json.dumps(arguments):
            raise StepFailed("workflow arguments accept media only as http(s) URLs")
        step_id = _safe_id(step.get("id", name), f"step_{index + 1}")
        if step_id in seen:
            step_id = f"{step_id}_{index + 1}"
        seen.add(step_id)
        entry: dict[str, Any] = {"id": step_id, "toolName": name, "arguments": arguments}
        if step.get("dependsOn") is not None:
            entry["dependsOn"] = step["dependsOn"]
        normalized.append(entry)
    return _in_dependency_order(normalized)


def _sources(step: Mapping[str, Any]) -> list[str]:
    """The step ids (or ``$input_media``) a step's bindings name; StepFailed if bad."""
    try:
        return check_bindings(step["id"], step.get("dependsOn", []))
    except BindingError as exc:
        raise StepFailed(str(exc)) from None


def _in_dependency_order(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps ordered so each comes after what it depends on; StepFailed on a cycle."""
    ids = [step["id"] for step in steps]
    waiting = {step["id"]: set(_sources(step)) - {INPUT_MEDIA} for step in steps}
    for step_id, sources in waiting.items():
        unknown = sources - set(ids)
        if unknown:
            raise StepFailed(
                f"Workflow step {step_id} depends on unknown step(s): {', '.join(sorted(unknown))}"
            )
    ordered: list[dict[str, Any]] = []
    done: set[str] = set()
    while len(ordered) < len(steps):
        ready = [s for s in steps if s["id"] not in done and waiting[s["id"]] <= done]
        if not ready:
            stuck = sorted(set(ids) - done)
            raise StepFailed(f"Workflow steps depend on each other in a cycle: {', '.join(stuck)}")
        ordered.extend(ready)
        done.update(s["id"] for s in ready)
    return ordered


def compose(tool: str, arguments: Mapping[str, Any], tokens: Any) -> tuple[dict[str, Any], Any]:
    """The deterministic result of a composition tool, and its message."""
    if tool == "enhance_prompt":
        prompt = str(arguments.get("prompt", ""))
        return {"prompt": f"{prompt}, highly detailed, soft light"}, "Prompt enhanced"
    subject = str(arguments.get("prompt") or arguments.get("brief") or arguments.get("theme") or "")
    text = f"{tool.removeprefix('compose_')} about {subject}".strip()
    return {"text": text, "tokens": len(tokens(text))}, None


def vision_uploads(messages: Sequence[Any]) -> list[str]:
    """The image inputs of the user messages, in order: a chat's own uploads."""
    found = []
    for message in messages:
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            for part in content if isinstance(content, list) else ():
                if isinstance(part, dict) and part.get("type") == "image_url":
                    image = part.get("image_url")
                    url = image.get("url") if isinstance(image, dict) else None
                    if isinstance(url, str):
                        found.append(url)
    return found


def wall_time(moment: float) -> str:
    """A ``time.monotonic()`` moment as the ISO 8601 UTC time it was."""
    import datetime  # noqa: PLC0415
    import time  # noqa: PLC0415

    seconds = time.time() - (time.monotonic() - moment)
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat()
