"""Sogni's durable objects: workflows, chat runs, their events and artifacts, cost quotes.

Fields carry Sogni's wire names (``workflowId``, ``billingPreview``...), so ``to_dict()`` gives
back what the server sent; every one of them has a typed snake_case name too (``workflow_id``,
``billing_preview``, ``created_at``, ``step_id``, ``token_type``...), the one the docs and the
reprs use, giving the same value (``None`` when the server sent something of another type).
Unknown fields are kept, as on every response object.
"""

from __future__ import annotations

import math
import mimetypes
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

import attrs

from ._base import BaseObject, response_type

__all__ = [
    "Artifact",
    "BillingPreview",
    "ChatRun",
    "CostEstimate",
    "FinalResponse",
    "RunEvent",
    "RunWaiting",
    "Workflow",
    "WorkflowEvent",
]

#: What an artifact is: media of a lane, or a 3D ``model`` (a binary GLB).
MediaKindName = Literal["image", "video", "audio", "model"]
#: Statuses after which a workflow or run changes no more without the caller acting.
SETTLED_STATUSES = frozenset(
    {"waiting_for_user", "completed", "partial_failure", "failed", "cancelled", "canceled"}
)
_KINDS: dict[str, MediaKindName] = {
    "image": "image",
    "video": "video",
    "audio": "audio",
    "model": "model",
}


def media_kind_of(artifact: Mapping[str, Any]) -> MediaKindName | None:
    """An artifact's media kind (``None`` when nothing says).

    From the first of ``kind`` (Sogni's field), ``type``, ``mediaType`` or ``mimeType`` (either
    spelling) that names one, else the URL's file extension. ``model`` is a 3D model: media
    type ``model`` (Sogni's workflow artifacts and chat-run artifacts), a ``model/...`` MIME
    type or a ``.glb``/``.gltf`` URL.
    """
    for key in ("kind", "type", "mediaType", "media_type", "mimeType", "mime_type"):
        value = artifact.get(key)
        if isinstance(value, str) and value:
            found = _KINDS.get(value.lower().split("/", 1)[0])
            if found is not None:
                return found
    url = artifact.get("url")
    path = urlsplit(url if isinstance(url, str) else "").path
    if path.lower().endswith((".glb", ".gltf")):  # not in every system's MIME table
        return "model"
    guessed = mimetypes.guess_type(path)[0]
    return _KINDS.get((guessed or "").split("/", 1)[0])


def _text(value: object) -> str | None:
    """``value`` when it is a non-empty string, else ``None``."""
    return value if isinstance(value, str) and value else None


@response_type
class Artifact(BaseObject):
    """One piece of media a workflow or run made: its ``url`` and what kind it is.

    Fields carry Sogni's wire names (a workflow artifact's ``stepId``, a run artifact's
    ``toolName``/``toolCallId``...); read them as ``step_id``, ``tool_name``,
    ``tool_call_id``, ``workflow_id``, ``media_type`` and ``mime_type`` (``None`` when not
    sent, or not a string).
    """

    _repr_snake_case = True

    id: str | None = None
    url: str | None = None
    kind: str | None = None
    type: str | None = None
    mediaType: str | None = None
    mimeType: str | None = None
    stepId: str | None = None
    workflowId: str | None = None
    toolName: str | None = None
    toolCallId: str | None = None

    @property
    def step_id(self) -> str | None:
        """The workflow step that made it (``stepId``)."""
        return _text(self.stepId)

    @property
    def workflow_id(self) -> str | None:
        """The workflow that made it (``workflowId``; a run's media tools run as workflows)."""
        return _text(self.workflowId)

    @property
    def tool_name(self) -> str | None:
        """The hosted tool that made it (``toolName``, on a run's artifacts)."""
        return _text(self.toolName)

    @property
    def tool_call_id(self) -> str | None:
        """The tool call that made it (``toolCallId``, on a run's artifacts)."""
        return _text(self.toolCallId)

    @property
    def media_type(self) -> str | None:
        """Sogni's ``mediaType`` as sent (see :attr:`media_kind` for what it is)."""
        return _text(self.mediaType)

    @property
    def mime_type(self) -> str | None:
        """The ``mimeType`` as sent."""
        return _text(self.mimeType)

    @property
    def media_kind(self) -> MediaKindName | None:
        """``image``, ``video``, ``audio`` or ``model`` (a 3D GLB; ``None`` when nothing says).

        Read from ``kind``, ``type``, ``mediaType`` or ``mimeType``, else the URL's extension.
        """
        return media_kind_of(self.to_dict())


@response_type
class BillingPreview(BaseObject):
    """What Sogni estimates a workflow or run will cost, before or while it runs."""

    _repr_snake_case = True

    estimatedCapacityUnits: float | None = None
    costInUSD: float | None = None
    costInSpark: float | None = None
    costInSogni: float | None = None

    @property
    def estimated_capacity_units(self) -> float | None:
        """Estimated capacity units (what ``max_estimated_capacity_units`` is compared with).

        ``None`` when the server sent no finite number (so are the other amounts).
        """
        return _amount(self.estimatedCapacityUnits)

    @property
    def cost_in_usd(self) -> float | None:
        """The estimate in US dollars."""
        return _amount(self.costInUSD)

    @property
    def cost_in_spark(self) -> float | None:
        """The estimate in Spark points."""
        return _amount(self.costInSpark)

    @property
    def cost_in_sogni(self) -> float | None:
        """The estimate in SOGNI tokens."""
        return _amount(self.costInSogni)


def _settled(status: object) -> bool:
    return isinstance(status, str) and status in SETTLED_STATUSES


def _amount(value: object) -> float | None:
    """A finite number as ``float``; anything else (text, NaN, infinity) as ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits
        return None
    return number if math.isfinite(number) else None


def _count(value: object) -> int | None:
    """A whole number >= 0, else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _urls(artifacts: object) -> list[str]:
    """The http(s) URLs of a list of artifacts (anything else in it is skipped)."""
    if not isinstance(artifacts, list):
        return []
    found = []
    for artifact in artifacts:
        url = getattr(artifact, "url", None) if isinstance(artifact, Artifact) else None
        if isinstance(url, str) and url[:8].lower().startswith(("https://", "http://")):
            found.append(url)
    return found


@response_type
class _Job(BaseObject):
    """What workflows and runs share: a status, artifacts and a cost estimate."""

    _repr_snake_case = True

    status: str | None = None
    artifacts: list[Artifact] = attrs.field(factory=list)
    billingPreview: BillingPreview | None = None
    createdAt: Any = None

    @property
    def created_at(self) -> str | float | None:
        """When it started, as Sogni sent it (``createdAt``: an ISO date or a number).

        ``None`` when it sent none, or something that is neither (kept in ``createdAt``).
        """
        value = self.createdAt
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return value
        return None

    @property
    def billing_preview(self) -> BillingPreview | None:
        """Sogni's cost estimate, when it sent one."""
        preview = self.billingPreview
        return preview if isinstance(preview, BillingPreview) else None

    @property
    def settled(self) -> bool:
        """Whether it finished or waits for the caller (nothing changes until someone acts)."""
        return _settled(self.status)

    @property
    def urls(self) -> list[str]:
        """The http(s) URLs of its artifacts, in order."""
        return _urls(self.artifacts)


@response_type
class Workflow(_Job):
    """A durable Sogni creative workflow (``client.workflows``).

    ``status`` is ``queued``, ``running``, ``waiting_for_user``, ``completed``,
    ``partial_failure``, ``failed`` or ``cancelled``; ``artifacts`` are the media it made.
    """

    workflowId: str | None = None
    progress: float | None = None
    steps: list[dict[str, Any]] = attrs.field(factory=list)
    waitingReason: str | None = None
    awaitingCostApproval: bool | None = None
    error: Any = None
    #: What ``cancel()`` was told: whether that call stopped it (``None`` elsewhere).
    _transitioned: bool | None = attrs.field(default=None, init=False, eq=False)

    @property
    def transitioned(self) -> bool | None:
        """Whether the ``workflows.cancel()`` that returned this workflow stopped it.

        ``False`` when it had already finished (a normal answer, not an error); ``None`` on
        a workflow that no cancel returned.
        """
        return self._transitioned

    @property
    def id(self) -> str:
        """The workflow's id (``workflowId``, or ``id`` when the server names it so)."""
        given = self.workflowId or self._extra.get("id")
        return given if isinstance(given, str) else ""

    @property
    def workflow_id(self) -> str:
        """The workflow's id: the same as :attr:`id` (Sogni's ``workflowId``)."""
        return self.id

    @property
    def failure_reason(self) -> str | None:
        """Why a ``failed`` workflow failed, as text (Sogni's ``error``: ``{"message": ...}``)."""
        reason = self.error
        if isinstance(reason, dict):
            reason = reason.get("message") or str(reason)
        return None if reason is None else str(reason)

    @property
    def waiting_reason(self) -> str | None:
        """Why a ``waiting_for_user`` workflow waits (``cost_approval_required``...)."""
        reason = self.waitingReason
        return reason if isinstance(reason, str) else None

    @property
    def awaiting_cost_approval(self) -> bool:
        """Whether the workflow waits for its cost to be approved.

        ``resume()`` does not approve a cost; start the workflow again with
        ``confirm_cost=True`` or a higher ``max_estimated_capacity_units``.
        """
        flagged = self.awaitingCostApproval is True
        return flagged or self.waiting_reason == "cost_approval_required"


@response_type
class WorkflowEvent(BaseObject):
    """One event of a workflow's stream: ``id`` (its sequence), ``event`` name, ``data``."""

    _repr_snake_case = True

    id: str | None = None
    event: str | None = None
    data: dict[str, Any] = attrs.field(factory=dict)

    @property
    def progress(self) -> float | None:
        """The progress the event reports (``progress``: 0-1 as Sogni sends it), if a number."""
        return _amount(self.data.get("progress")) if isinstance(self.data, dict) else None

    @property
    def eta_seconds(self) -> float | None:
        """The seconds left the event estimates (``etaSeconds``), if a number."""
        return _amount(self.data.get("etaSeconds")) if isinstance(self.data, dict) else None

    @property
    def status(self) -> str | None:
        """The status the event reports (``status`` or ``workflow.status``), if any."""
        status = self.data.get("status")
        nested = self.data.get("workflow")
        if status is None and isinstance(nested, dict):
            status = nested.get("status")
        return status if isinstance(status, str) else None


@response_type
class FinalResponse(BaseObject):
    """A finished run's last assistant answer."""

    _repr_snake_case = True

    content: str | None = None
    finishReason: str | None = None

    @property
    def finish_reason(self) -> str | None:
        """Why the model stopped (``stop``, ``length``...)."""
        reason = self.finishReason
        return reason if isinstance(reason, str) else None


@response_type
class RunWaiting(BaseObject):
    """Why a run waits for the caller: ``reason``, ``message`` and ``details``."""

    _repr_snake_case = True

    reason: str | None = None
    message: str | None = None
    details: dict[str, Any] = attrs.field(factory=dict)

    @property
    def tool_call_id(self) -> str | None:
        """The tool call the run stopped before (for ``confirm_cost``)."""
        details = self.details if isinstance(self.details, dict) else {}
        value = details.get("toolCallId") or details.get("tool_call_id")
        preview = details.get("costApprovalPreview")
        if value is None and isinstance(preview, dict):
            value = preview.get("toolCallId")
        return value if isinstance(value, str) and value else None

    @property
    def cost_approval_preview(self) -> dict[str, Any] | None:
        """The preview to send back unchanged to ``confirm_cost`` (``None`` if not a cost pause)."""
        details = self.details if isinstance(self.details, dict) else {}
        value = details.get("costApprovalPreview")
        return value if isinstance(value, dict) else None


@response_type
class ChatRun(_Job):
    """A durable chat run (``client.chat.runs``): a server-owned tool conversation.

    ``status`` is as for workflows; ``final_response.content`` is the answer once
    ``completed``; ``waiting`` says why a ``waiting_for_user`` run waits.
    """

    runId: str | None = None
    model: str | None = None
    messages: list[Any] = attrs.field(factory=list)
    toolCalls: list[dict[str, Any]] = attrs.field(factory=list)
    toolResults: list[dict[str, Any]] = attrs.field(factory=list)
    mediaContext: dict[str, Any] = attrs.field(factory=dict)
    finalResponse: FinalResponse | None = None
    waiting: RunWaiting | None = None
    failureReason: Any = None
    #: What ``cancel()`` was told: whether that call stopped it (``None`` elsewhere).
    _transitioned: bool | None = attrs.field(default=None, init=False, eq=False)

    @property
    def transitioned(self) -> bool | None:
        """Whether the ``chat.runs.cancel()`` that returned this run stopped it.

        ``False`` when it had already finished (a normal answer, not an error), as for
        ``workflows.cancel()``; ``None`` on a run that no cancel returned.
        """
        return self._transitioned

    @property
    def id(self) -> str:
        """The run's id (``runId``, or ``id`` when the server names it so)."""
        given = self.runId or self._extra.get("id")
        return given if isinstance(given, str) else ""

    @property
    def run_id(self) -> str:
        """The run's id: the same as :attr:`id` (Sogni's ``runId``)."""
        return self.id

    @property
    def final_response(self) -> FinalResponse | None:
        """The answer of a completed run."""
        final = self.finalResponse
        return final if isinstance(final, FinalResponse) else None

    @property
    def wait_reason(self) -> RunWaiting | None:
        """Why a ``waiting_for_user`` run waits (``waiting``, when it is an object)."""
        waiting = self.waiting
        return waiting if isinstance(waiting, RunWaiting) else None

    @property
    def media_context(self) -> dict[str, Any]:
        """The run's media: ``images``, ``videos``, ``audio`` and the ``uploaded...`` lists."""
        context = self.mediaContext
        return context if isinstance(context, dict) else {}

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """The tool calls the model made, as OpenAI-style tool call objects."""
        calls = self.toolCalls
        return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []

    @property
    def tool_results(self) -> list[dict[str, Any]]:
        """What each executed tool call gave."""
        found = self.toolResults
        return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []

    @property
    def failure_reason(self) -> str | None:
        """Why a ``failed`` run failed, as text."""
        reason = self.failureReason
        if isinstance(reason, dict):
            reason = reason.get("message") or str(reason)
        return None if reason is None else str(reason)


@response_type
class RunEvent(BaseObject):
    """One event of a run: ``sequence``, ``type`` (``tool_call_progress``...), ``payload``."""

    _repr_snake_case = True

    sequence: int | None = None
    type: str | None = None
    at: Any = None
    payload: dict[str, Any] = attrs.field(factory=dict)


@response_type
class CostEstimate(BaseObject):
    """Sogni's quote for one LLM request (``chat.completions.estimate_cost``).

    The amounts (``sogni``, ``spark``, ``cost_in_usd``...) are ``None`` unless the server sent
    a finite number, so a ceiling check never compares text or NaN. ``usd`` is always a
    number: a quote from ``estimate_cost`` has one (one without a usable price is an
    ``APIResponseValidationError``), and on any other it is infinity.
    """

    _repr_snake_case = True

    costInUSD: float | None = None
    costInSogni: float | None = None
    costInSpark: float | None = None
    costInToken: float | None = None
    inputTokens: int | None = None
    outputTokens: int | None = None
    tokenType: str | None = None
    #: ``(where the output budget came from, the tokens quoted)``, set by ``estimate_cost``.
    _budget: tuple[str, int] | None = attrs.field(default=None, init=False, eq=False)

    @property
    def output_budget(self) -> Literal["max_tokens", "model_default", "assumed"] | None:
        """Which output budget the quote counts.

        ``"max_tokens"``: the request's own; ``"model_default"``: the model's published
        default (``maxOutputTokens``), as Sogni's SDKs quote it; ``"assumed"``: neither was
        known, so 32,768 tokens (the API's ``max_tokens`` default) were quoted. Each is
        counted once per choice (``n``; :attr:`quoted_output_tokens` is the total). ``None``
        on a quote ``estimate_cost`` did not make.
        """
        source = self._budget[0] if self._budget is not None else None
        if source in ("max_tokens", "model_default", "assumed"):
            return source  # type: ignore[return-value]
        return None

    @property
    def quoted_output_tokens(self) -> int | None:
        """The output tokens ``estimate_cost`` asked the quote for, all choices together."""
        return self._budget[1] if self._budget is not None else None

    @property
    def usd(self) -> float:
        """The quote in US dollars; always a number, so a ceiling check fails closed.

        ``estimate_cost`` never returns a quote without a usable ``costInUSD`` (it raises
        :class:`~sogni_compat.APIResponseValidationError`); on one built in code without it,
        ``usd`` is infinity (``cost_in_usd`` is ``None``), which no ceiling lets through.
        """
        amount = _amount(self.costInUSD)
        return math.inf if amount is None or amount < 0 else amount

    @property
    def cost_in_usd(self) -> float | None:
        """The quote in US dollars (``costInUSD``)."""
        return _amount(self.costInUSD)

    @property
    def cost_in_sogni(self) -> float | None:
        """The quote in SOGNI tokens (``costInSogni``)."""
        return _amount(self.costInSogni)

    @property
    def cost_in_spark(self) -> float | None:
        """The quote in Spark points (``costInSpark``)."""
        return _amount(self.costInSpark)

    @property
    def cost_in_token(self) -> float | None:
        """The quote in the token it was asked for (``costInToken``)."""
        return _amount(self.costInToken)

    @property
    def token_type(self) -> str | None:
        """The token the quote was asked in (``tokenType``: ``sogni`` or ``spark``), if sent."""
        return _text(self.tokenType)

    @property
    def input_tokens(self) -> int | None:
        """The input tokens the quote counts (``inputTokens``)."""
        return _count(self.inputTokens)

    @property
    def output_tokens(self) -> int | None:
        """The output budget the quote counts (``outputTokens``)."""
        return _count(self.outputTokens)

    @property
    def sogni(self) -> float | None:
        """The quote in SOGNI tokens."""
        return _amount(self.costInSogni)

    @property
    def spark(self) -> float | None:
        """The quote in Spark points."""
        return _amount(self.costInSpark)
