"""``chat.completions.create(auto_execute_tools="server")``: a durable run, as a completion.

The call's keywords start a chat run (:func:`~.runs.run_body`), which is followed to its end
(:meth:`~.runs.Runs.wait`) and answered as a :class:`~sogni_compat.ChatCompletion`: the run's
calls and results as ``tool_history``, its media context and artifacts as ``media``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    CostApprovalRequiredError,
    WaitTimeoutError,
)
from .._params import ALIASES
from .._tools.follow import cancel_quietly
from .._wire import media_urls, run_of
from ..types import ChatCompletion, ChatCompletionMessageToolCall
from ..types.durable import Artifact, ChatRun
from ..types.tools import MediaItem, MediaView, ToolResult, ToolRound
from ._base import guarded
from ._durable import path_of
from .runs import Runs, _as_run, run_body

if TYPE_CHECKING:
    from .._requester import Requester

__all__ = ["completion_from_run_call", "completion_of_run"]

#: Tool-loop keywords that need the client to run tools, which a durable run cannot do.
_CLIENT_LOOP = ("on_tool_call", "tool_handlers", "max_tool_rounds", "max_tool_calls_per_round")


#: What a caller who never got a run's id should know.
_LEFT_RUNNING = (
    "if Sogni started a run, it runs on (and bills) until it ends; client.chat.runs.create() "
    "with an idempotency_key= of your own lets a retry get that run back"
)


@guarded
def completion_from_run_call(client: Requester, kwargs: Mapping[str, Any], to_openai: bool) -> Any:
    """``create(auto_execute_tools="server", ...)``: a durable run, answered as a completion.

    The run's tool calls and results become ``tool_history`` (one round), its media context
    ``media``; ``on_tool_progress`` sees the run's ``tool_call_*`` events. A run that waits
    for cost approval raises :class:`~sogni_compat.CostApprovalRequiredError`; a failed or
    cancelled one :class:`~sogni_compat.APIError`. The whole call (uploads, start and wait) is
    bounded by the client's ``tool_timeout`` (a run it started is then cancelled); an
    interruption (Ctrl-C) or any other error while waiting cancels the run too, as the
    client-side loop does.
    """
    given = {ALIASES.get(key, key): value for key, value in kwargs.items()}
    given.pop("auto_execute_tools")
    refused = [name for name in _CLIENT_LOOP if given.get(name) is not None]
    if refused:
        raise ValueError(
            f"{', '.join(refused)} cannot be used with auto_execute_tools='server': the server "
            "runs Sogni's hosted tools itself and cannot call your functions; use "
            "auto_execute_tools=True for tools you execute"
        )
    if given.get("stream"):
        raise ValueError(
            "stream=True cannot be combined with auto_execute_tools='server'; iterate "
            "client.chat.runs.stream(run.id) for a run's events"
        )
    for name in (*_CLIENT_LOOP, "stream", "sogni_tool_execution"):
        given.pop(name, None)
    seed = given.get("media_context")
    if seed is not None and hasattr(seed, "uploads"):  # a previous answer's .media
        given["media_context"] = _context_of_view(seed)
    progress = given.pop("on_tool_progress", None)
    runs = Runs(client)
    # The whole call, uploads and start included, ends within tool_timeout.
    deadline = time.monotonic() + client.tool_timeout
    function = "create(auto_execute_tools='server')"
    body, options = run_body(client, given, function=function, deadline=deadline)
    try:
        started = client._request(
            "POST", "chat/runs", body=body, options=options, parse=run_of, deadline=deadline
        )
    except APITimeoutError:
        spent = time.monotonic() >= deadline - 0.05
        limit = f"tool_timeout={client.tool_timeout:g} s" if spent else "the request's timeout"
        raise WaitTimeoutError(
            f"{function}: the chat run's start did not answer within {limit}, so "
            f"its id is unknown and nothing could be cancelled: {_LEFT_RUNNING}",
            job_id="",
            cancelled=False,
        ) from None
    except (APIConnectionError, APIStatusError, APIResponseValidationError) as exc:
        if not isinstance(exc, APIStatusError) or exc.status_code >= 500:
            # The start may have reached Sogni though its answer was lost.
            note = f"{function}: the chat run's start may have reached Sogni: {_LEFT_RUNNING}"
            exc.message = f"{exc.message} ({note})"
            exc.args = (exc.message, *exc.args[1:])
        raise
    run = _as_run(started)
    if not run.id:
        raise APIError("Sogni started a chat run but did not say its id (runId)")
    try:
        final = runs._wait(
            run.id,
            on_event=None,
            on_progress=progress,
            approve_cost=None,
            seconds=max(deadline - time.monotonic(), 0.001),
            budget=f"tool_timeout={client.tool_timeout:g} s",
        )
    except BaseException as exc:
        if not isinstance(exc, WaitTimeoutError):  # a timeout has cancelled it already
            reason = (
                "interrupted by the user"
                if isinstance(exc, KeyboardInterrupt)
                else (f"the client stopped following it: {type(exc).__name__}")
            )
            path = path_of("chat/runs", run.id)
            cancel_quietly(client, f"{path}/cancel", reason, client.timeout)
        raise
    completion = completion_of_run(final)
    if to_openai:
        from .. import _openai_types  # noqa: PLC0415 - only in this mode

        return _openai_types.completion(completion)
    return completion


def completion_of_run(run: ChatRun) -> Any:
    """A settled run as a :class:`~sogni_compat.ChatCompletion` (or the error it ended in)."""
    import json  # noqa: PLC0415

    waiting = run.wait_reason
    if run.status == "waiting_for_user":
        if waiting is not None and waiting.cost_approval_preview is not None:
            raise CostApprovalRequiredError(run=run)
        message = waiting.message if waiting is not None else None
        told = message if isinstance(message, str) and message else "no reason given"
        raise APIError(f"chat run {run.id} waits for the caller: {told}")
    final = run.final_response
    if run.status not in ("completed", "partial_failure") or final is None:
        reason = run.failure_reason or f"it ended with status {run.status!r}"
        raise APIError(f"chat run {run.id} {run.status}: {reason}")
    data = {
        "id": run.id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": run.model or "",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": final.content},
                "finish_reason": final.finish_reason or "stop",
            }
        ],
    }
    completion = ChatCompletion.reader()(data, None)
    calls = [
        ChatCompletionMessageToolCall.reader()(call, None)
        for call in run.tool_calls
        if isinstance(call.get("id"), str) and isinstance(call.get("function"), dict)
    ]
    by_id = {r["toolCallId"]: r for r in run.tool_results if isinstance(r.get("toolCallId"), str)}
    results = []
    for call in calls:
        outcome = by_id.get(call.id, {})
        urls = media_urls(outcome.get("mediaUrls"))
        name = call.function.name if isinstance(call.function.name, str) else ""
        results.append(
            ToolResult(
                tool_call_id=call.id,
                tool_name=name,
                success=outcome.get("success", True) is not False,
                result_urls=urls,
                content=json.dumps(outcome, ensure_ascii=False),
                error=outcome.get("error") if isinstance(outcome.get("error"), str) else None,
            )
        )
    history = [ToolRound(round=0, tool_calls=calls, tool_results=results)] if calls else []
    context = run.media_context
    names = {call.id: call.function.name for call in calls}
    # Which call (and which workflow) made each URL: the run's artifacts say, where they do.
    made_by = {a.url: a for a in run.artifacts if isinstance(a, Artifact) and a.url}

    def item(index: int, kind: str, url: str) -> MediaItem:
        artifact = made_by.get(url)
        call_id = artifact.tool_call_id if artifact is not None else None
        name = artifact.tool_name if artifact is not None else None
        return MediaItem(
            index=index,
            kind=kind,  # type: ignore[arg-type]
            url=url,
            tool_name=name or names.get(call_id or ""),
            tool_call_id=call_id,
            workflow_id=artifact.workflow_id if artifact is not None else None,
        )

    def items(key: str, kind: str, uploads: bool = False) -> list[MediaItem]:
        found = context.get(key)
        urls = found if isinstance(found, list) else []
        if uploads:
            return [
                MediaItem(index=-(i + 1), kind=kind, url=url)  # type: ignore[arg-type]
                for i, url in enumerate(u for u in urls if isinstance(u, str))
            ]
        return [item(i, kind, url) for i, url in enumerate(u for u in urls if isinstance(u, str))]

    # A run's media context has no lane for 3D models: they are the artifacts of kind model.
    models = [
        item(i, "model", url)
        for i, url in enumerate(
            a.url for a in run.artifacts if a.media_kind == "model" and isinstance(a.url, str)
        )
    ]
    media = MediaView(
        images=items("images", "image"),
        videos=items("videos", "video"),
        audio=items("audio", "audio"),
        uploads=[
            *items("uploadedImages", "image", True),
            *items("uploadedVideos", "video", True),
            *items("uploadedAudio", "audio", True),
        ],
        models=models,
    )
    completion._loop = (history, media, None)
    return completion


def _context_of_view(view: Any) -> dict[str, list[str]]:
    """A tool loop's ``MediaView`` as a run's ``media_context`` (URLs only)."""
    context: dict[str, list[str]] = {
        "images": [i.url for i in view.images if i.url],
        "videos": [i.url for i in view.videos if i.url],
        "audio": [i.url for i in view.audio if i.url],
    }
    for kind, key in (
        ("image", "uploadedImages"),
        ("video", "uploadedVideos"),
        ("audio", "uploadedAudio"),
    ):
        context[key] = [i.url for i in view.uploads if i.kind == kind and i.url]
    return {key: urls for key, urls in context.items() if urls}
