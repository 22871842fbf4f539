"""The emulator's saved workflow templates, as Sogni's published sources describe them.

A template is a record ``{id, name, version, description, category, stability, visibility,
author, inputs, stages, createdAt, updatedAt, ...}`` (the TypeScript SDK's
``CreativeWorkflowTemplate``; the intelligence client's ``WorkflowTemplate``), kept as given
beyond the fields checked here. Following the workflow-templates documentation: ``name`` is
required; ``id`` is minted from the name when omitted; ``version`` starts at ``0.0.1`` and an
update bumps its patch number; ``category`` defaults to ``custom``, ``stability`` to
``experimental``, ``visibility`` to ``private``; a fork (``{"newName"?}``) is a private copy.

Running one (``POST creative-agent/workflows`` with ``workflow_id`` and ``inputs``) compiles
its ``fixed`` stages (``{"type": "fixed", "id"?, "tool", "args", "dependsOn"?}``) into
workflow steps: an argument written ``"$inputs.NAME"`` (or ``"{{NAME}}"``) takes the input's
value, else its declared ``default``; a required input left out, or an input the template does
not declare, refuses the start. The emulator runs fixed stages only. It imports nothing from
the client.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "TemplateError",
    "compile_template",
    "forked",
    "from_steps",
    "listing",
    "new_template",
    "patched",
]

_VISIBILITY = ("private", "public")
_STABILITY = ("experimental", "beta", "production")
_CATEGORIES = (
    "portrait",
    "video-social",
    "makeover",
    "cinematic",
    "music",
    "analysis",
    "custom",
    "other",
)
_INPUT_TYPES = ("image", "audio", "video", "text", "number", "select", "boolean")
_STAGE_TYPES = ("fixed", "interactive", "batch")
#: What a template's ``author`` is when the caller made it.
AUTHOR = {"userId": "emulator-user", "displayName": "Emulator"}
_PLACEHOLDER = re.compile(r"^\$inputs\.([A-Za-z0-9_-]+)$|^\{\{\s*([A-Za-z0-9_-]+)\s*\}\}$")


class TemplateError(Exception):
    """A template request the service refuses: ``status`` and the message it answers."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "template"


def _check(template: Mapping[str, Any]) -> None:
    """Refuse a template whose checked fields are wrong (400)."""
    name = template.get("name")
    if not isinstance(name, str) or not name.strip():
        raise TemplateError(400, "Workflow template name is required")
    for field, allowed in (
        ("visibility", _VISIBILITY),
        ("stability", _STABILITY),
        ("category", _CATEGORIES),
    ):
        if template.get(field) not in allowed:
            raise TemplateError(
                400, f"Workflow template {field} must be one of {', '.join(allowed)}"
            )
    for field in ("version", "description"):
        if not isinstance(template.get(field), str):
            raise TemplateError(400, f"Workflow template {field} must be a string")
    inputs, stages = template.get("inputs"), template.get("stages")
    if not isinstance(inputs, list) or not isinstance(stages, list):
        raise TemplateError(400, "Workflow template inputs and stages must be arrays")
    for number, item in enumerate(inputs):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise TemplateError(400, f"Workflow template inputs[{number}] needs a name")
        if item.get("type") not in _INPUT_TYPES:
            raise TemplateError(
                400,
                f"Workflow template inputs[{number}].type must be one of {', '.join(_INPUT_TYPES)}",
            )
    for number, stage in enumerate(stages):
        if not isinstance(stage, dict) or stage.get("type") not in _STAGE_TYPES:
            raise TemplateError(
                400,
                f"Workflow template stages[{number}].type must be one of {', '.join(_STAGE_TYPES)}",
            )
        if stage["type"] == "fixed" and not isinstance(stage.get("tool"), str):
            raise TemplateError(400, f"Workflow template stages[{number}] needs a tool")


def new_template(body: Mapping[str, Any], taken: Sequence[str], now: str) -> dict[str, Any]:
    """The record a ``POST .../templates`` body makes (``taken``: the ids in use)."""
    template: dict[str, Any] = {
        "description": "",
        "category": "custom",
        "stability": "experimental",
        "visibility": "private",
        "inputs": [],
        "stages": [],
        **copy.deepcopy(dict(body)),
        "version": body.get("version", "0.0.1"),
        "author": AUTHOR,
        "createdAt": now,
        "updatedAt": now,
    }
    _check(template)
    given = body.get("id")
    if given is not None and (not isinstance(given, str) or not given.strip()):
        raise TemplateError(400, "Workflow template id must be a non-empty string")
    template_id = given or _slug(template["name"])
    if given is None:
        base, number = template_id, 2
        while template_id in taken:
            template_id, number = f"{base}-{number}", number + 1
    elif template_id in taken:
        raise TemplateError(409, f"Workflow template {template_id} already exists")
    return {"id": template_id, **template}


def _bumped(version: object) -> str:
    parts = str(version).split(".")
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        return f"{parts[0]}.{parts[1]}.{int(parts[2]) + 1}"
    return "0.0.1"


def patched(template: Mapping[str, Any], patch: Mapping[str, Any], now: str) -> dict[str, Any]:
    """The record after a ``PATCH``: fields replaced, ``id``/``author`` kept, patch bumped."""
    kept = {key: value for key, value in patch.items() if key not in ("id", "author", "createdAt")}
    updated = {**copy.deepcopy(dict(template)), **copy.deepcopy(kept), "updatedAt": now}
    updated["version"] = _bumped(template.get("version"))
    _check(updated)
    return updated


def forked(
    template: Mapping[str, Any], body: Mapping[str, Any], taken: Sequence[str], now: str
) -> dict[str, Any]:
    """A private copy of ``template`` (``newName`` names it, else "NAME (fork)")."""
    name = body.get("newName")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise TemplateError(400, "newName must be a non-empty string")
    copied = {
        key: value
        for key, value in copy.deepcopy(dict(template)).items()
        if key not in ("id", "author", "createdAt", "updatedAt", "version", "visibility")
    }
    copied["name"] = name or f"{template['name']} (fork)"
    made = new_template({**copied, "visibility": "private"}, taken, now)
    made["forkedFrom"] = template["id"]
    return made


def listing(
    templates: Sequence[Mapping[str, Any]], visibility: str, offset: int, limit: int
) -> tuple[list[Mapping[str, Any]], int | None]:
    """A page of templates and the offset of the next page (``None`` after the last)."""
    if visibility == "public":
        chosen = [t for t in templates if t.get("visibility") == "public"]
    else:  # "own" and "all": every template here is the caller's or public
        chosen = list(templates)
    page = chosen[offset : offset + limit]
    return page, (offset + limit if offset + limit < len(chosen) else None)


def from_steps(template_id: str, steps: Sequence[Mapping[str, Any]], now: str) -> dict[str, Any]:
    """A template of fixed stages for inline steps (:meth:`LocalSogniServer.add_template`)."""
    stages = []
    for step in steps:
        stage: dict[str, Any] = {
            "type": "fixed",
            "tool": step.get("toolName"),
            "args": dict(step.get("arguments", {})),
        }
        if "id" in step:
            stage["id"] = step["id"]
        if "dependsOn" in step:
            stage["dependsOn"] = step["dependsOn"]
        stages.append(stage)
    return new_template({"id": template_id, "name": template_id, "stages": stages}, (), now)


def compile_template(template: Mapping[str, Any], inputs: object) -> list[dict[str, Any]]:
    """The workflow steps of a template run with ``inputs``; :class:`TemplateError` (400)."""
    template_id = template["id"]
    if inputs is not None and not isinstance(inputs, dict):
        raise TemplateError(400, "inputs must be an object")
    given = dict(inputs or {})
    declared = {item["name"]: item for item in template.get("inputs", ())}
    if declared:
        unknown = sorted(set(given) - set(declared))
        if unknown:
            raise TemplateError(
                400, f"Workflow template {template_id} has no input(s): {', '.join(unknown)}"
            )
        for name, item in declared.items():
            if name not in given and "default" in item:
                given[name] = item["default"]
            elif name not in given and item.get("required"):
                raise TemplateError(400, f"Workflow template {template_id} needs input {name!r}")

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            match = _PLACEHOLDER.match(value.strip())
            if match is None:
                return value
            name = match.group(1) or match.group(2)
            if name not in given:
                raise TemplateError(400, f"Workflow template {template_id} needs input {name!r}")
            return copy.deepcopy(given[name])
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [fill(item) for item in value]
        return value

    steps = []
    for number, stage in enumerate(template.get("stages", ())):
        if stage.get("type") != "fixed":
            raise TemplateError(
                400, f"the emulator runs fixed stages only; stage {number} is {stage.get('type')}"
            )
        step: dict[str, Any] = {"toolName": stage["tool"], "arguments": fill(stage.get("args", {}))}
        if "id" in stage:
            step["id"] = stage["id"]
        if "dependsOn" in stage:
            step["dependsOn"] = stage["dependsOn"]
        steps.append(step)
    if not steps:
        raise TemplateError(400, f"Workflow template {template_id} has no stages to run")
    return steps
