"""What a tool call comes to: results told to the model, and progress told to the caller.

:class:`ToolFailedError` carries what the model is told when a tool cannot produce a result;
:func:`succeeded` and :func:`failed` make the :class:`~sogni_compat.ToolResult` of a call.
:func:`emit_progress` hands ``on_tool_progress`` one :class:`~sogni_compat.ToolProgress` per
change, and :func:`report_workflow_event` reads a workflow's (or a run's) event as progress,
whichever scale its progress value uses.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .._convert import json_default
from .._secrets import mask
from ..types.tools import ToolProgress, ToolResult
from .follow import FINAL_STATUSES

if TYPE_CHECKING:
    from ..types import ChatCompletionMessageToolCall
    from ..types.tools import ToolProgressStatus

__all__ = [
    "ToolFailedError",
    "WorkflowState",
    "emit_progress",
    "eta_of",
    "failed",
    "failure_content",
    "percent_of",
    "report_workflow_event",
    "result_text",
    "succeeded",
]


class ToolFailedError(Exception):
    """A tool could not produce a result; the message is what the model is told.

    ``workflow_id`` names the workflow the tool started (``""``: none, or its start's answer
    never arrived), ``cancelled`` says whether that workflow was cancelled when given up on.
    """

    def __init__(self, message: str, *, workflow_id: str = "", cancelled: bool = False) -> None:
        super().__init__(message)
        self.workflow_id = workflow_id
        self.cancelled = cancelled


@attrs.define
class WorkflowState:
    """What has been reported of one workflow."""

    workflow_id: str = ""
    reported: tuple[Any, ...] | None = None
    percent: float = 0.0
    #: ``True`` once a progress value above 1 showed the workflow reports percentages.
    percent_scale: bool = False
    final: bool = False
    #: ``True`` once Sogni accepted the cancel of a workflow given up on.
    cancelled: bool = False


def result_text(value: object, name: str) -> str:
    """A tool's result as the text the model is given (JSON unless it is a string)."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=json_default)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ToolFailedError(f"the result of tool {name!r} cannot be JSON-encoded: {exc}") from exc


def failure_content(error: str) -> str:
    """The content of a failed result: ``{"success": false, "error": ...}``."""
    return json.dumps({"success": False, "error": error}, ensure_ascii=False)


def succeeded(
    call: ChatCompletionMessageToolCall, content: str, urls: list[str] | None = None
) -> ToolResult:
    """A result carrying ``content`` (what the model is given) and the media URLs made."""
    return ToolResult(
        tool_call_id=call.id,
        tool_name=call.function.name,
        success=True,
        result_urls=urls or [],
        content=content,
    )


def failed(call: ChatCompletionMessageToolCall, error: str) -> ToolResult:
    """A result telling the model the call failed, and why (keys masked: it is sent on)."""
    error = mask(error)
    return ToolResult(
        tool_call_id=call.id,
        tool_name=call.function.name,
        success=False,
        content=failure_content(error),
        error=error,
    )


def emit_progress(
    report: Callable[[Any, Any], Any] | None,
    call: ChatCompletionMessageToolCall,
    status: ToolProgressStatus,
    percent: float,
    *,
    state: WorkflowState | None = None,
    eta: float | None = None,
    urls: list[str] | None = None,
) -> None:
    """Hand ``report`` one :class:`ToolProgress`, once per change (``state`` remembers)."""
    key = (status, percent, eta)
    if state is not None:
        state.percent = percent
        if state.reported == key:
            return
        state.reported = key
    if report is not None:
        report(
            call,
            ToolProgress(
                status=status,
                percent=percent,
                eta_seconds=eta,
                result_urls=urls or [],
                workflow_id=state.workflow_id or None if state is not None else None,
            ),
        )


def report_workflow_event(
    report: Callable[[Any, Any], Any] | None,
    call: ChatCompletionMessageToolCall,
    state: WorkflowState,
    status: object,
    data: Mapping[str, Any],
) -> bool:
    """Report one workflow event or snapshot as progress; ``True`` when its status is final."""
    if status in FINAL_STATUSES:
        return True
    percent = percent_of(data, state)
    if percent is None and status is None:
        return False  # e.g. a heartbeat
    # Never backwards: a late or differently scaled value does not undo shown progress.
    percent = state.percent if percent is None else max(percent, state.percent)
    eta = eta_of(data)
    queued = status in ("queued", "waiting_for_user")
    emit_progress(report, call, "queued" if queued else "processing", percent, state=state, eta=eta)
    return False


def _number(value: object) -> float | None:
    """A JSON number as ``float``; NaN, and an integer too large for a float, as ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits: not a progress anyone reports
        return None
    return None if math.isnan(number) else number


def percent_of(data: Mapping[str, Any], state: WorkflowState) -> float | None:
    """A workflow event's progress as 0-100, whichever scale it uses.

    ``percent``/``progressPercent`` are percentages. ``progress`` is a 0-1 fraction (the one
    scale Sogni documents) unless the workflow has reported a value above 1, which shows it
    counts in percent; from then on every value is read as a percentage.
    """
    sources = [data]
    nested = data.get("workflow")
    if isinstance(nested, Mapping):
        sources.append(nested)
    for source in sources:
        for key in ("percent", "progressPercent", "progress_percent"):
            value = _number(source.get(key))
            if value is not None:
                state.percent_scale = True
                return max(0.0, min(100.0, value))
        value = _number(source.get("progress"))
        if value is not None:
            if value > 1.0:
                state.percent_scale = True
            scaled = value if state.percent_scale else value * 100.0
            return max(0.0, min(100.0, scaled))
    return None


def eta_of(data: Mapping[str, Any]) -> float | None:
    """Seconds left, as an event says (``etaSeconds``, ``eta_seconds`` or ``eta``), if it does."""
    for key in ("etaSeconds", "eta_seconds", "eta"):
        value = _number(data.get(key))
        if value is not None and math.isfinite(value):
            return max(0.0, value)
    return None
