"""One Sogni hosted tool, run from the client: a composition call or a one-step workflow.

:class:`HostedRunner` turns a hosted tool call into a :class:`~sogni_compat.ToolResult`.
Composition tools are one ``POST creative-agent/tools/execute``. Media tools run as a
one-step durable workflow: started with ``POST creative-agent/workflows`` (one
``Idempotency-Key`` across retries; a 409 waited out until one of the caller's workflows has
finished, then one more start), followed by :mod:`.follow`, cancelled
when given up on, and their artifacts numbered in the request's media context. Each tool,
start to result, ends within ``tool_timeout``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .._config import (
    MAX_LISTING_BYTES,
    MAX_RETRY_AFTER,
    WORKFLOW_RECONNECT_MAX_DELAY,
    WORKFLOW_SLOT_BACKOFF,
    WORKFLOW_SLOT_POLL,
)
from .._errors import APIError, ConflictError
from .._media import MediaContext, MediaError
from .._options import RequestOptions
from .._retry import backoff as retry_backoff
from .._retry import retry_decision
from .._secrets import mask
from .._transport import idempotency_key
from .._wire import status_of, success_data, workflow_of
from ..hosted_tools import HostedTool, MediaKind, ResultKind
from ..types.durable import media_kind_of
from .follow import WorkflowFailedError, WorkflowTimeoutError, cancel_quietly, follow_workflow
from .report import (
    ToolFailedError,
    WorkflowState,
    emit_progress,
    report_workflow_event,
    result_text,
    succeeded,
)
from .upload import upload_media

if TYPE_CHECKING:
    from .._requester import Requester
    from ..types import ChatCompletionMessageToolCall
    from ..types.tools import ToolProgressStatus, ToolResult

__all__ = ["HostedRunner", "find_data_uri"]

logger = logging.getLogger("sogni_compat")

#: Statuses of a workflow that holds one of the caller's slots.
_ACTIVE = ("queued", "running")
#: Workflows listed when looking for a free slot (the newest ones: the active are recent).
_LISTED = 50
#: Settings of the chat call that every workflow and tool execution the loop starts carries.
_FORWARDED = ("app_source", "token_type", "billing_mode", "safe_content_filter")
_WORKFLOW_ONLY = ("max_estimated_capacity_units", "confirm_cost")


class HostedRunner:
    """Runs Sogni's hosted tools for one request; failures raise :class:`ToolFailedError`.

    ``body`` is the request's chat body (its billing labels and workflow settings travel with
    every tool run), ``options`` its request options (headers, timeout), ``media`` its media
    context (uploads, results by index), ``on_progress`` the ``on_tool_progress`` callback.
    ``tool_timeout`` bounds each tool, start to result (default: the client's).
    """

    def __init__(
        self,
        client: Requester,
        body: Mapping[str, Any],
        options: RequestOptions,
        media: MediaContext,
        on_progress: Callable[[Any, Any], Any] | None,
        *,
        tool_timeout: float | None = None,
    ) -> None:
        self._client = client
        self._labels = {key: body[key] for key in _FORWARDED if body.get(key) is not None}
        self._workflow_settings = {
            key: body[key] for key in _WORKFLOW_ONLY if body.get(key) is not None
        }
        self._headers = options.extra_headers
        self._timeout = options.timeout or client.timeout
        self._tool_timeout = client.tool_timeout if tool_timeout is None else tool_timeout
        self.media = media
        self._on_progress = on_progress

    def _options(self, deadline: float, extra: Mapping[str, str] | None = None) -> RequestOptions:
        connect, read = self._timeout
        remaining = deadline - time.monotonic()
        headers = {**(self._headers or {}), **extra} if extra else self._headers
        return RequestOptions(extra_headers=headers, timeout=(connect, min(read, remaining)))

    def _progress(
        self,
        call: ChatCompletionMessageToolCall,
        status: ToolProgressStatus,
        percent: float,
        *,
        state: WorkflowState | None = None,
        eta: float | None = None,
        urls: list[str] | None = None,
    ) -> None:
        """Report progress once per change; the callback's own exceptions propagate."""
        emit_progress(self._on_progress, call, status, percent, state=state, eta=eta, urls=urls)

    def run(
        self, call: ChatCompletionMessageToolCall, tool: HostedTool, arguments: dict[str, Any]
    ) -> ToolResult:
        """Run ``call`` of hosted ``tool`` to its result; :class:`ToolFailedError` if it fails.

        Progress goes to ``on_progress`` (``failed`` too, before raising).
        """
        deadline = time.monotonic() + self._tool_timeout
        state = WorkflowState() if tool.execution == "workflow" else None
        try:
            if state is not None:
                return self._run_workflow(call, tool, arguments, state, deadline)
            return self._run_composition(call, tool.name, arguments, deadline)
        except (APIError, ToolFailedError, WorkflowFailedError, MediaError) as exc:
            message = exc.message if isinstance(exc, APIError) else str(exc)
            if isinstance(exc, APIError) and time.monotonic() >= deadline:
                message = (
                    f"tool {tool.name!r} did not finish within tool_timeout="
                    f"{self._tool_timeout:g} s"
                )
            percent = state.percent if state is not None else 0.0
            self._progress(call, "failed", percent, state=state)
            raise ToolFailedError(
                message,
                workflow_id=state.workflow_id if state is not None else "",
                cancelled=state is not None and state.cancelled,
            ) from exc

    def _run_composition(
        self,
        call: ChatCompletionMessageToolCall,
        name: str,
        arguments: dict[str, Any],
        deadline: float,
    ) -> ToolResult:
        self._progress(call, "processing", 0.0)
        data = self._client._request(
            "POST",
            "creative-agent/tools/execute",
            body={"tool": name, "arguments": arguments, **self._labels},
            options=self._options(deadline),
            parse=success_data,
            deadline=deadline,
        )
        self._progress(call, "completed", 100.0)
        content = {
            "success": True,
            "tool": name,
            "message": data.get("message"),
            "result": data.get("result"),
        }
        return succeeded(call, mask(result_text(content, name)))

    def upload(self, kind: MediaKind, data: bytes, content_type: str, deadline: float) -> str:
        """Upload media for a workflow step; returns the URL the step may use."""
        return upload_media(
            self._client,
            kind,
            data,
            content_type,
            deadline=deadline,
            timeout=self._timeout,
            headers=self._headers,
        )

    def _run_workflow(
        self,
        call: ChatCompletionMessageToolCall,
        tool: HostedTool,
        arguments: dict[str, Any],
        state: WorkflowState,
        deadline: float,
    ) -> ToolResult:
        name = tool.name
        data_uri = find_data_uri(arguments)
        if data_uri is not None:
            raise ToolFailedError(
                f"argument {data_uri} of tool {name!r} is a data URI; Sogni workflows accept "
                "media only as http(s) URLs"
            )
        self._progress(call, "creating", 0.0, state=state)

        def upload(kind: MediaKind, data: bytes, content_type: str) -> str:
            try:
                return self.upload(kind, data, content_type, deadline)
            except APIError as exc:
                raise MediaError(
                    f"uploading media ({kind}) for tool {name!r} failed: {exc.message}"
                ) from exc

        step = self.media.step(tool, arguments, upload)
        body: dict[str, Any] = {
            "input": {"steps": [{"toolName": name, "arguments": step.arguments}]},
            **self._labels,
            **self._workflow_settings,
        }
        if step.media_references:
            body["media_references"] = step.media_references
        workflow = self._start_workflow(call, state, body, deadline)
        workflow_id = workflow.get("workflowId") or workflow.get("id")
        if not isinstance(workflow_id, str) or not workflow_id:
            raise ToolFailedError("Sogni started a workflow but did not say its id")
        state.workflow_id = workflow_id
        try:
            status = status_of(workflow)
            state.final = self._report_status(call, state, status, workflow)
            follower = follow_workflow(
                self._client,
                workflow_id,
                deadline,
                self._timeout,
                self._headers,
                tool_timeout=self._tool_timeout,
            )
            for event in follower.events(done=state.final):
                self._report_status(call, state, status_of(event.data), event.data)
            final = follower.final
            assert final is not None
            state.final = True
        except BaseException as exc:
            if not state.final:
                state.cancelled = self._cancel(workflow_id, exc)
            raise
        if status_of(final) == "waiting_for_user":
            # Nobody here can answer it (e.g. approve its cost): stop it rather than leave it.
            path = f"creative-agent/workflows/{quote(workflow_id, safe='')}/cancel"
            reason = "it waits for the caller, which the tool loop cannot be"
            cancel_quietly(self._client, path, reason, self._timeout, self._headers)
        return self._workflow_result(call, tool, state, final)

    def _start_workflow(
        self,
        call: ChatCompletionMessageToolCall,
        state: WorkflowState,
        body: dict[str, Any],
        deadline: float,
    ) -> dict[str, Any]:
        """``POST creative-agent/workflows``, waiting for a free slot when Sogni answers 409.

        Other failures are retried as any request is (``max_retries``, same backoff rules)
        under one ``Idempotency-Key``. A 409 ("too many active workflows") is never sent
        again at once, as Sogni's Python SDK asks ("wait for a completion rather than
        re-sending the start"): :meth:`_wait_for_slot` waits until one of the caller's
        workflows has finished, then the start goes once more, under a fresh key (a reused
        one may replay the stored 409). Everything ends by ``deadline`` (``tool_timeout``).
        """
        key = {"Idempotency-Key": idempotency_key()}
        conflicts = failures = 0
        while True:
            try:
                workflow: dict[str, Any] = self._client._request(
                    "POST",
                    "creative-agent/workflows",
                    body=body,
                    options=self._options(deadline, key),
                    parse=workflow_of,
                    deadline=deadline,
                    retries=0,
                )
                return workflow
            except ConflictError as exc:
                conflicts += 1
                self._progress(call, "queued", 0.0, state=state)
                self._wait_for_slot(exc, conflicts, deadline)
                key = {"Idempotency-Key": idempotency_key()}
                failures = 0
                continue
            except APIError as exc:
                again, asked = retry_decision(exc)
                if not again or failures >= self._client.max_retries:
                    raise
                delay = asked if asked is not None and asked > 0 else retry_backoff(failures)
                failures += 1
                if time.monotonic() + delay >= deadline:
                    raise
            self._client._sleep(delay)

    def _wait_for_slot(self, refusal: ConflictError, conflicts: int, deadline: float) -> None:
        """Wait until a start may go again after ``refusal`` (else :class:`ToolFailedError`).

        All by ``deadline``. The caller's workflows are listed (``GET
        creative-agent/workflows``): when some are active (``queued`` or ``running``), it
        waits until one of those has finished, looking every :data:`WORKFLOW_SLOT_POLL`
        seconds (or the ``Retry-After`` asked), half as long again each time up to 30 s: one
        more start per freed slot. When the listing cannot be read or shows nothing active,
        it waits a backoff instead (``Retry-After``, else 5 s doubling per 409 up to 30 s).
        """
        asked = min(refusal.retry_after or 0.0, MAX_RETRY_AFTER)
        busy = self._active_workflows(deadline)
        if busy:
            delay = max(asked, WORKFLOW_SLOT_POLL)
        else:
            backoff = WORKFLOW_SLOT_BACKOFF * 2.0 ** min(conflicts - 1, 32)
            delay = max(asked, min(backoff, WORKFLOW_RECONNECT_MAX_DELAY))
        while True:
            if time.monotonic() + delay >= deadline:
                raise ToolFailedError(
                    f"Sogni had no room for another workflow ({refusal.message}) and none of "
                    f"the caller's workflows finished within tool_timeout={self._tool_timeout:g} s"
                    if busy
                    else f"Sogni had no room for another workflow ({refusal.message}) within "
                    f"tool_timeout={self._tool_timeout:g} s"
                ) from refusal
            logger.debug(
                "workflow start answered 409 (%d active); waiting %.1fs for a slot",
                len(busy or ()),
                delay,
            )
            self._client._sleep(delay)
            if not busy:
                return  # the backoff is over: one more start
            now = self._active_workflows(deadline)
            if now is None or not busy <= now:
                return  # one of them finished (or the listing is gone): one more start
            delay = min(delay * 1.5, max(WORKFLOW_RECONNECT_MAX_DELAY, asked))

    def _active_workflows(self, deadline: float) -> frozenset[str] | None:
        """The ids of the caller's active workflows (the newest 50), or ``None``.

        ``None`` when they cannot be listed; active means ``queued`` or ``running``.
        """
        try:
            data = self._client._request(
                "GET",
                "creative-agent/workflows",
                options=RequestOptions(
                    extra_headers=self._headers,
                    extra_query={"limit": str(_LISTED), "offset": "0"},
                    timeout=self._options(deadline).timeout,
                ),
                parse=success_data,
                max_bytes=MAX_LISTING_BYTES,
                deadline=deadline,
                retries=0,
            )
        except APIError as exc:
            logger.debug("could not list the active workflows: %s", exc.message)
            return None
        found = data.get("workflows")
        if not isinstance(found, list):
            return None
        return frozenset(
            str(item.get("workflowId") or item.get("id"))
            for item in found
            if isinstance(item, dict) and status_of(item) in _ACTIVE
        )

    def _cancel(self, workflow_id: str, why: BaseException) -> bool:
        """Ask Sogni to stop a workflow the loop gave up on (it would keep billing).

        One attempt, at most :data:`CANCEL_TIMEOUT` seconds; a failure is logged, not raised.
        Returns whether Sogni accepted it.
        """
        if isinstance(why, KeyboardInterrupt):
            reason = "interrupted by the user"
        elif isinstance(why, WorkflowTimeoutError):
            reason = f"tool_timeout={self._tool_timeout:g} s passed"
        else:
            reason = f"the client stopped following it: {type(why).__name__}"
        path = f"creative-agent/workflows/{quote(workflow_id, safe='')}/cancel"
        return cancel_quietly(self._client, path, reason, self._timeout, self._headers)

    def _report_status(
        self,
        call: ChatCompletionMessageToolCall,
        state: WorkflowState,
        status: object,
        data: Mapping[str, Any],
    ) -> bool:
        """Report one workflow status; ``True`` when it is final."""
        return report_workflow_event(self._on_progress, call, state, status, data)

    def _workflow_result(
        self,
        call: ChatCompletionMessageToolCall,
        tool: HostedTool,
        state: WorkflowState,
        workflow: Mapping[str, Any],
    ) -> ToolResult:
        status = status_of(workflow)
        found = workflow.get("artifacts")
        artifacts = [a for a in found if isinstance(a, dict)] if isinstance(found, list) else []
        media = [
            (_artifact_kind(a, tool), a["url"])
            for a in artifacts
            if isinstance(a.get("url"), str) and a["url"][:8].lower().startswith(_WEB)
        ]
        if len(media) < len(artifacts):
            logger.debug("workflow %s: ignored artifacts without an http(s) url", state.workflow_id)
        urls = [url for _, url in media]
        output = _step_output(workflow)
        if not (status == "completed" or (status == "partial_failure" and (urls or output))):
            raise ToolFailedError(_workflow_error(state.workflow_id, status, workflow))
        if not urls and output is None and tool.family == "generation":
            raise ToolFailedError(
                f"workflow {state.workflow_id} {status} without any media (no artifact with "
                "an http(s) url)"
            )
        self._progress(call, "completed", 100.0, state=state, urls=urls)
        content: dict[str, Any] = {"success": True, "tool": tool.name}
        content["workflowId"] = state.workflow_id
        made: list[dict[str, Any]] = []
        for kind in dict.fromkeys(kind for kind, _ in media):
            of_kind = [url for k, url in media if k == kind]
            indices = self.media.add_results(kind, of_kind, tool.name, call.id, state.workflow_id)
            if kind == "model":
                # Its own lane: no index, so the model cannot pass it to an image tool.
                made.append({"kind": kind, "urls": of_kind, "note": _MODEL_NOTE})
            else:
                made.append({"kind": kind, "startIndex": indices[0], "indices": indices})
        if made:
            # The first kind's numbers at the top level, as Sogni's own loop reports them.
            first = made[0]
            content.update(kind=first["kind"], media_type=first["kind"], urls=urls)
            if "startIndex" in first:
                content.update(startIndex=first["startIndex"], indices=first["indices"])
            else:
                content["note"] = _MODEL_NOTE
            if len(made) > 1:
                content["media"] = made
        if output is not None:
            content["result"] = output
        if status == "partial_failure":
            content["status"] = status
        return succeeded(call, mask(result_text(content, tool.name)), urls)


def find_data_uri(value: object) -> str | None:
    """The path of the first ``data:`` URI inside the arguments, if any.

    Walked without recursion, so arguments nested however deeply cannot raise a
    ``RecursionError`` here (a body nested too deeply to send is refused when it is encoded).
    """
    # Each entry: a value and its trail, (parent's trail, this part); a path is spelt out
    # only for the value found.
    stack: list[tuple[object, Any]] = [(value, None)]
    while stack:
        item, trail = stack.pop()
        if isinstance(item, str):
            if item[:5].lower() == "data:":
                return _spelt(trail)
        elif isinstance(item, dict):
            stack.extend((part, (trail, f".{key}")) for key, part in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((item[i], (trail, f"[{i}]")) for i in reversed(range(len(item))))
    return None


def _spelt(trail: Any) -> str:
    """A :func:`find_data_uri` trail as a path: ``a.b[0]``."""
    parts = []
    while trail is not None:
        trail, part = trail
        parts.append(part)
    return "".join(reversed(parts)).removeprefix(".") or "value"


_WEB = ("https://", "http://")


#: What the model is told about a 3D model it made.
_MODEL_NOTE = (
    "a 3D model (binary GLB, media type 'model'): give the user its URL; it has no media "
    "index and is not an image, so no image or video tool can take it"
)


def _artifact_kind(artifact: Mapping[str, Any], hosted: HostedTool) -> ResultKind:
    """An artifact's media kind, as its fields or URL say, else as the tool says.

    A tool the catalogue marks as making a 3D model (``image_to_3d``) makes a ``model`` unless
    the artifact itself names another kind.
    """
    kind = media_kind_of(artifact)
    if kind is not None:
        return kind
    if hosted.result_kind is not None:
        return hosted.result_kind
    tool = hosted.name
    if "video" in tool:
        return "video"
    if "music" in tool or "speech" in tool or "audio" in tool:
        return "audio"
    return "image"


def _step_output(workflow: Mapping[str, Any]) -> Any:
    """What an analysis step answered (``result``/``output`` of the workflow or its step)."""
    for key in ("result", "output", "outputs"):
        if workflow.get(key) is not None:
            return workflow[key]
    steps = workflow.get("steps")
    if isinstance(steps, list):
        for step in reversed(steps):
            if isinstance(step, dict):
                for key in ("result", "output", "outputs"):
                    if step.get(key) is not None:
                        return step[key]
    return None


def _workflow_error(workflow_id: str, status: object, workflow: Mapping[str, Any]) -> str:
    error = workflow.get("error") or workflow.get("failureReason")
    if isinstance(error, dict):
        error = error.get("message") or json.dumps(error, ensure_ascii=False)
    if isinstance(error, str) and error:
        return f"workflow {workflow_id} {status}: {error}"
    if status == "waiting_for_user":
        reason = workflow.get("waitingReason")
        preview = workflow.get("billingPreview")
        if reason in ("cost_approval_required", "cost_reauthorization_required") or workflow.get(
            "awaitingCostApproval"
        ):
            cost = ""
            if isinstance(preview, dict):
                units, usd = preview.get("estimatedCapacityUnits"), preview.get("costInUSD")
                cost = f" (estimated {units} capacity units, {usd} USD)"
            return (
                f"workflow {workflow_id} needs its cost approved{cost}, above "
                "max_estimated_capacity_units; it was cancelled. Raise the ceiling or pass "
                "confirm_cost=True"
            )
        why = f" ({reason})" if isinstance(reason, str) else ""
        return (
            f"workflow {workflow_id} is waiting for user input{why}, which this client cannot "
            "give; it was cancelled"
        )
    if status == "partial_failure":
        return f"workflow {workflow_id} ended in partial_failure without any media"
    return f"workflow {workflow_id} ended with status {status!r}"
