"""Sogni's saved workflow templates (``client.workflows.templates``).

Fields carry the wire names of Sogni's TypeScript SDK (``CreativeWorkflowTemplate``:
``exposeToLLM``, ``estimatedCredits``...), so ``to_dict()`` gives back what the server sent;
snake_case properties give the same values to Python code. Unknown fields are kept.
"""

from __future__ import annotations

from typing import Any

import attrs

from ._base import BaseObject, response_type

__all__ = ["WorkflowTemplate", "WorkflowTemplateDeleted"]


@response_type
class WorkflowTemplate(BaseObject):
    """A saved workflow template: what it asks for (``inputs``) and what it runs (``stages``).

    ``visibility`` is ``private`` (its owner only) or ``public`` (readable and forkable by
    anyone); ``version`` starts at ``0.0.1`` and each update bumps it. Run one with
    ``client.workflows.create(workflow_id=template.id, inputs={...})``.
    """

    _repr_snake_case = True

    id: str = ""
    name: str = ""
    version: str | None = None
    description: str | None = None
    category: str | None = None
    stability: str | None = None
    visibility: str | None = None
    author: Any = None
    inputs: list[Any] = attrs.field(factory=list)
    stages: list[Any] = attrs.field(factory=list)
    exposeToLLM: bool | None = None
    llmPriority: float | None = None
    estimatedCredits: dict[str, Any] | None = None
    estimatedCapacityUnits: dict[str, Any] | None = None
    tags: list[str] = attrs.field(factory=list)
    createdAt: Any = None
    updatedAt: Any = None

    @property
    def expose_to_llm(self) -> bool:
        """Whether Sogni's planner may offer the template to its model (``exposeToLLM``)."""
        return self.exposeToLLM is True

    @property
    def llm_priority(self) -> float | None:
        """How strongly Sogni's planner prefers it (``llmPriority``; ``None`` if no number)."""
        value = self.llmPriority
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return value

    @property
    def estimated_credits(self) -> dict[str, Any] | None:
        """Sogni's estimate of its cost in credits, ``{"min", "max"}`` (``estimatedCredits``)."""
        value = self.estimatedCredits
        return value if isinstance(value, dict) else None

    @property
    def estimated_capacity_units(self) -> dict[str, Any] | None:
        """Its estimated capacity units, ``{"min", "max"}`` (``estimatedCapacityUnits``)."""
        value = self.estimatedCapacityUnits
        return value if isinstance(value, dict) else None

    @property
    def created_at(self) -> Any:
        """When it was saved, as Sogni sent it (``createdAt``: a number or a string)."""
        return self.createdAt

    @property
    def updated_at(self) -> Any:
        """When it last changed, as Sogni sent it (``updatedAt``)."""
        return self.updatedAt

    def _input_items(self) -> list[dict[str, Any]]:
        """``inputs`` items that are objects; anything else the server sent is skipped."""
        inputs = self.inputs
        return (
            [item for item in inputs if isinstance(item, dict)] if isinstance(inputs, list) else []
        )

    @property
    def input_names(self) -> list[str]:
        """The names of the inputs a run fills (``inputs[].name``), in order.

        Lenient about what the server sent: items that are not objects with a string
        ``name``, or an ``inputs`` that is not a list, give no names (never an error).
        """
        return [item["name"] for item in self._input_items() if isinstance(item.get("name"), str)]

    @property
    def required_inputs(self) -> list[str]:
        """The inputs a run must give (``required`` and without a ``default``)."""
        return [
            item["name"]
            for item in self._input_items()
            if isinstance(item.get("name"), str)
            and item.get("required") is True
            and "default" not in item
        ]


@response_type
class WorkflowTemplateDeleted(BaseObject):
    """What ``templates.delete(id)`` answers: the ``id`` and ``deleted`` (``True``)."""

    _repr_snake_case = True

    id: str = ""
    deleted: bool = False
