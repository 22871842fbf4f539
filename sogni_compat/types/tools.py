"""What the auto-tool loop reports: progress of a hosted tool, results, and one entry per round."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import attrs

from ._base import BaseObject, response_type
from .chat import ChatCompletionMessageToolCall

if TYPE_CHECKING:
    from .chat import ChatCompletion

__all__ = [
    "MediaItem",
    "MediaView",
    "ToolHandoff",
    "ToolProgress",
    "ToolProgressStatus",
    "ToolResult",
    "ToolRound",
]

ToolProgressStatus = Literal["creating", "queued", "processing", "completed", "failed"]


@response_type
class ToolProgress(BaseObject):
    """Progress of one Sogni hosted tool, handed to ``on_tool_progress(tool_call, progress)``.

    ``status`` is ``creating`` (before the job starts), ``queued``, ``processing``, then
    ``completed`` or ``failed``; ``percent`` runs from 0 to 100 whichever scale Sogni reports
    (a 0-1 fraction or a percentage); ``eta_seconds`` (also ``eta``) is seconds left when the
    server says; ``result_urls`` holds the media once completed. ``workflow_id`` names the
    server-side job of a media tool.
    """

    status: ToolProgressStatus = "creating"
    percent: float = 0.0
    eta_seconds: float | None = None
    result_urls: list[str] = attrs.field(factory=list)
    workflow_id: str | None = None

    @property
    def eta(self) -> float | None:
        """Seconds left when the server says (the same as ``eta_seconds``)."""
        return self.eta_seconds


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


@response_type
class MediaItem(BaseObject):
    """One piece of media in a tool loop's media context.

    ``index`` is how tool arguments name it: uploads count -1, -2, ... (the user's vision inputs,
    then ``media_references``), results 0, 1, ... per ``kind`` (``image``, ``video`` or
    ``audio``). A ``model`` (a 3D model, a binary GLB) is numbered 0, 1, ... in a lane of its
    own, which no tool argument names. ``tool_name``, ``tool_call_id`` and ``workflow_id`` say
    which call (and which Sogni workflow) made a result.
    """

    index: int = 0
    kind: Literal["image", "video", "audio", "model"] = "image"
    url: str = ""
    tool_name: str | None = None
    tool_call_id: str | None = None
    workflow_id: str | None = None
    #: An upload's SHA-256, so a later call given this as ``media_context`` knows the file.
    _digest: str | None = attrs.field(default=None, init=False, eq=False)


@response_type
class MediaView(BaseObject):
    """Every URL a tool loop used or made, by kind and index (``completion.media``).

    ``images``, ``videos`` and ``audio`` list the results in index order (0, 1, ...);
    ``models`` the 3D models (GLB, media type ``model``, e.g. from ``image_to_3d``), a lane of
    their own that is never counted among the images; ``uploads`` the media the request
    brought (-1, -2, ...). An upload that no tool needed keeps ``url`` empty when it was a
    data URI never uploaded.
    """

    images: list[MediaItem] = attrs.field(factory=list)
    videos: list[MediaItem] = attrs.field(factory=list)
    audio: list[MediaItem] = attrs.field(factory=list)
    uploads: list[MediaItem] = attrs.field(factory=list)
    models: list[MediaItem] = attrs.field(factory=list)

    @property
    def urls(self) -> list[str]:
        """The URLs of every result, images then videos then audio then models."""
        return [item.url for item in (*self.images, *self.videos, *self.audio, *self.models)]


@response_type
class ToolHandoff(BaseObject):
    """A conversation-control tool the loop stopped on, for the caller to act on.

    Sogni's creative agent asks the user something (``ask_clarifying_question``) or hands over
    its final answer (``finalize_response``) through these tools. ``text`` is the question or
    answer found in the arguments (``question``, ``response``, ``message``, ...), ``arguments``
    all of them.
    """

    tool_call_id: str = ""
    name: str = ""
    arguments: dict[str, Any] = attrs.field(factory=dict)
    text: str | None = None
