"""What the auto-tool loop reports: progress of a hosted tool, results, and one entry per round."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import attrs

from ._base import BaseObject, response_type
from .chat import ChatCompletionMessageToolCall

if TYPE_CHECKING:
    from .chat import ChatCompletion

__all__ = ["ToolProgress", "ToolProgressStatus", "ToolResult", "ToolRound"]

ToolProgressStatus = Literal["creating", "queued", "processing", "completed", "failed"]


@response_type
class ToolProgress(BaseObject):
    """Progress of one Sogni hosted tool, handed to ``on_tool_progress(tool_call, progress)``.

    ``status`` is ``creating`` (before the job starts), ``queued``, ``processing``, then
    ``completed`` or ``failed``; ``percent`` runs from 0 to 100; ``eta`` is seconds left when the
    server says; ``result_urls`` holds the media once completed. ``workflow_id`` names the
    server-side job of a media tool.
    """

    status: ToolProgressStatus = "creating"
    percent: float = 0.0
    eta: float | None = None
    result_urls: list[str] = attrs.field(factory=list)
    workflow_id: str | None = None


@response_type
class ToolResult(BaseObject):
    """The outcome of one tool call: ``content`` is exactly what the model was given.

    On failure ``success`` is ``False`` and ``error`` says what happened (the model received
    ``{"success": false, "error": ...}``). ``result_urls`` lists media a hosted tool produced.
    """

    tool_call_id: str = ""
    tool_name: str = ""
    success: bool = True
    result_urls: list[str] = attrs.field(factory=list)
    content: str = ""
    error: str | None = None


@response_type
class ToolRound(BaseObject):
    """One round of the loop that executed tools, numbered from 0.

    ``tool_calls`` are the calls the model asked for, ``tool_results`` their results in the same
    order, and ``completion`` the answer that asked for them (its ``usage`` counts that round).
    """

    round: int = 0
    tool_calls: list[ChatCompletionMessageToolCall] = attrs.field(factory=list)
    tool_results: list[ToolResult] = attrs.field(factory=list)
    completion: ChatCompletion | None = None
