"""Sogni's durable types: every camelCase wire field also has its typed snake_case name."""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

import attrs
import pytest

from sogni_compat.types import durable, templates
from sogni_compat.types._base import BaseObject

CLASSES = [
    durable.Artifact,
    durable.BillingPreview,
    durable.Workflow,
    durable.WorkflowEvent,
    durable.FinalResponse,
    durable.RunWaiting,
    durable.ChatRun,
    durable.RunEvent,
    durable.CostEstimate,
    templates.WorkflowTemplate,
    templates.WorkflowTemplateDeleted,
]
#: A wire record of each class, every field of it with a value of its documented type.
WIRE: dict[type[BaseObject], dict[str, Any]] = {
    durable.Artifact: {
        "id": "art_1",
        "url": "https://x.test/a.png",
        "kind": "image",
        "type": "image",
        "mediaType": "image",
        "mimeType": "image/png",
        "stepId": "cat",
        "workflowId": "wf_1",
        "toolName": "generate_image",
        "toolCallId": "call_1",
    },
    durable.Workflow: {
        "workflowId": "wf_1",
        "status": "waiting_for_user",
        "createdAt": "2026-01-01T00:00:00Z",
        "billingPreview": {"costInUSD": 0.5, "estimatedCapacityUnits": 3},
        "waitingReason": "cost_approval_required",
        "awaitingCostApproval": True,
    },
    durable.ChatRun: {
        "runId": "run_1",
        "createdAt": 1767225600,
        "toolCalls": [{"id": "call_1"}],
        "toolResults": [{"toolCallId": "call_1"}],
        "mediaContext": {"images": []},
        "finalResponse": {"content": "hi", "finishReason": "stop"},
        "failureReason": "boom",
    },
    durable.CostEstimate: {
        "costInUSD": 0.5,
        "costInSogni": 1.5,
        "costInSpark": 2.5,
        "costInToken": 1.5,
        "inputTokens": 3,
        "outputTokens": 4,
        "tokenType": "spark",
    },
    templates.WorkflowTemplate: {
        "id": "t1",
        "name": "T",
        "exposeToLLM": True,
        "llmPriority": 2,
        "estimatedCredits": {"min": 1, "max": 2},
        "estimatedCapacityUnits": {"min": 1, "max": 2},
        "createdAt": "2026-01-01",
        "updatedAt": "2026-01-02",
    },
}
_CAMEL = re.compile(r"[a-z][a-z0-9]*[A-Z]")


def snake(name: str) -> str:
    """``costInUSD`` -> ``cost_in_usd``, written out independently of the package's helper."""
    out = ""
    for i, char in enumerate(name):
        upper_run_ends = (
            char.isupper() and i + 1 < len(name) and name[i + 1].islower() and name[i - 1].isupper()
        )
        if char.isupper() and i and (name[i - 1].islower() or upper_run_ends):
            out += "_"
        out += char.lower()
    return out


def _name(cls: object) -> str:
    """A class's name, for a test id."""
    return getattr(cls, "__name__", str(cls))


def camel_fields(cls: type[BaseObject]) -> list[str]:
    """The class's public fields whose wire name is camelCase."""
    return [f.name for f in attrs.fields(cls) if _CAMEL.match(f.name)]


@pytest.mark.parametrize("cls", CLASSES, ids=_name)
def test_every_camel_case_field_has_a_typed_snake_case_name(cls: type[BaseObject]) -> None:
    """Each camelCase field has a snake_case property (or field) with a return type and a doc."""
    for name in camel_fields(cls):
        found = inspect.getattr_static(cls, snake(name), None)
        assert found is not None, f"{cls.__name__}.{snake(name)} is missing (for {name})"
        if isinstance(found, property):
            assert found.fget is not None
            assert "return" in found.fget.__annotations__, f"{cls.__name__}.{snake(name)}"
            assert found.__doc__, f"{cls.__name__}.{snake(name)} has no docstring"


@pytest.mark.parametrize("cls", sorted(WIRE, key=_name), ids=_name)
def test_snake_case_names_give_the_wire_values(cls: type[BaseObject]) -> None:
    """The snake_case name reads the camelCase field's value; to_dict() is the wire JSON."""
    wire = WIRE[cls]
    made = cls.model_validate(json.loads(json.dumps(wire)))
    for name in camel_fields(cls):
        if name not in wire:
            continue
        value, camel = getattr(made, snake(name)), getattr(made, name)
        if isinstance(camel, BaseObject):
            assert value is camel
        elif name == "awaitingCostApproval":
            assert value is True
        else:
            assert value == camel == wire[name], name
    assert made.to_dict() == wire


@pytest.mark.parametrize("cls", sorted(WIRE, key=_name), ids=_name)
def test_reprs_use_the_snake_case_names(cls: type[BaseObject]) -> None:
    """The repr names fields as Python code reads them, never in the wire's camelCase."""
    shown = repr(cls.model_validate(WIRE[cls]))
    for name in camel_fields(cls):
        if name in WIRE[cls]:
            assert f"{snake(name)}=" in shown
            assert f"{name}=" not in shown


def test_workflow_and_run_ids_have_their_wire_spellings_too() -> None:
    """workflow_id/run_id equal id; the camelCase attributes keep working."""
    workflow = durable.Workflow.model_validate(WIRE[durable.Workflow])
    run = durable.ChatRun.model_validate(WIRE[durable.ChatRun])
    assert workflow.workflow_id == workflow.id == workflow.workflowId == "wf_1"
    assert run.run_id == run.id == run.runId == "run_1"
    assert workflow.created_at == workflow.createdAt


def test_odd_wire_values_read_as_none_under_snake_case() -> None:
    """A field of the wrong type reads as None under its snake_case name (kept as sent)."""
    artifact = durable.Artifact.model_validate({"stepId": 7, "toolName": ["x"], "mimeType": ""})
    assert (artifact.step_id, artifact.tool_name, artifact.mime_type) == (None, None, None)
    assert artifact.to_dict() == {"stepId": 7, "toolName": ["x"], "mimeType": ""}
    odd = durable.Workflow.model_validate({"workflowId": "wf_1", "createdAt": {"at": 1}})
    assert (odd.created_at, odd.createdAt) == (None, {"at": 1})
    when = durable.Workflow.model_validate({"workflowId": "wf_1", "createdAt": 1765000000})
    assert when.created_at == 1765000000
