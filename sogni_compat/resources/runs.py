"""``client.chat.runs``: Sogni's durable chat runs from a blocking client.

A run is a tool conversation the server owns: Sogni runs the model and its hosted tools,
keeps the media context, and pauses before a tool whose cost needs approval. Start one with
:meth:`Runs.create` (the chat keywords, converted as for ``chat.completions.create``), then
:meth:`~Runs.wait` for it, iterate its events with :meth:`~Runs.stream`, or come back later
with :meth:`~Runs.retrieve`.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

import requests

from .._base_client import encode_json
from .._errors import ConflictError
from .._media import MediaError, _source
from .._options import RequestOptions, Timeout
from .._params import ALIASES, KNOWN_KEYWORDS, chat_request, request_body
from .._tools.follow import FollowedEvent, cancel_quietly
from .._tools.report import WorkflowState, emit_progress, eta_of, percent_of
from .._tools.upload import upload_media
from .._wire import media_urls, run_of, success_data
from ..types.durable import SETTLED_STATUSES, ChatRun, RunEvent
from ._base import Resource
from ._durable import (
    MAX_LISTING_BYTES,
    JobEvents,
    check_after,
    check_flag,
    check_id,
    check_reason,
    follow,
    idempotency_headers,
    keywords,
    media_references,
    path_of,
    progress_callback,
    settings,
    settle,
    tool_call,
    upload_sources,
    wait_budget,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._requester import Requester
    from ..types.create_params import ProgressCallback, RunCreateParams

__all__ = ["Runs"]

#: Events after which a run changes no more until the caller acts.
SETTLING_EVENTS = frozenset(
    {"run_completed", "run_failed", "run_partial_failure", "run_cancelled", "run_waiting_for_user"}
)
#: Chat keywords a run takes (their wire values go into the run's body or its ``sampling``).
_CHAT_KEYWORDS = frozenset(
    {
        "messages",
        "model",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "temperature",
        "top_p",
        "top_k",
        "min_p",
        "max_tokens",
        "max_completion_tokens",
        "repetition_penalty",
        "frequency_penalty",
        "presence_penalty",
        "seed",
        "stop",
        "think",
        "reasoning_effort",
        "task_profile",
        "chat_template_kwargs",
        "token_type",
        "app_source",
        "billing_mode",
        "safe_content_filter",
        "media_references",
        "max_estimated_capacity_units",
        "confirm_cost",
        "sogni_tools",
        "extra_headers",
        "extra_body",
        "timeout",
    }
)
_RUN_KEYWORDS = {
    "session_id": "sessionId",
    "client_message_id": "clientMessageId",
    "runtime_config": "runtimeConfig",
    "media_context": "mediaContext",
    "media": None,
    "idempotency_key": "idempotencyKey",
}
_RUN_ALIASES = {camel: name for name, camel in _RUN_KEYWORDS.items() if camel}
_SAMPLING = (
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "max_tokens",
    "repetition_penalty",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "stop",
    "chat_template_kwargs",
    "task_profile",
)
_BODY = ("messages", "model", "tools", "tool_choice", "parallel_tool_calls", "sogni_tools")
_CONTEXT_KEYS = ("images", "videos", "audio", "uploadedImages", "uploadedVideos", "uploadedAudio")


def _as_run(data: Mapping[str, Any]) -> ChatRun:
    return ChatRun.reader()(dict(data), None)


#: Statuses of a run that has ended (a cancel of one changes nothing).
_FINISHED = frozenset({"completed", "partial_failure", "failed", "cancelled", "canceled"})


def _cancelled_run(response: requests.Response) -> tuple[dict[str, Any], bool | None]:
    """A cancel's answer: ``data.run`` and ``data.transitioned`` (``None`` if absent)."""
    run = run_of(response)
    flag = success_data(response).get("transitioned")
    return run, flag if isinstance(flag, bool) else None


def _run_event(event: FollowedEvent) -> RunEvent:
    made = RunEvent.reader()(event.data, None)
    if not isinstance(made.type, str):
        made.type = event.event
    if not isinstance(made.payload, dict):
        made.payload = {}
    if not isinstance(made.sequence, int) or isinstance(made.sequence, bool):
        made.sequence = None
    if made.sequence is None and event.id is not None and event.id.isdigit():
        made.sequence = int(event.id)
    return made


def _settling(event: FollowedEvent) -> bool:
    kind = event.data.get("type")
    kind = kind if isinstance(kind, str) else event.event
    return kind in SETTLING_EVENTS


def _settled(snapshot: Mapping[str, Any]) -> bool:
    status = snapshot.get("status")
    return isinstance(status, str) and status in SETTLED_STATUSES


def _waiting_on(snapshot: Mapping[str, Any]) -> str | None:
    """The tool call a waiting snapshot waits on (``None`` unless it is a cost pause)."""
    waiting = snapshot.get("waiting")
    details = waiting.get("details") if isinstance(waiting, dict) else None
    if not isinstance(details, dict) or not isinstance(details.get("costApprovalPreview"), dict):
        return None
    preview = details["costApprovalPreview"]
    call = details.get("toolCallId") or preview.get("toolCallId")
    return call if isinstance(call, str) else ""


def run_body(
    client: Requester,
    kwargs: Mapping[str, Any],
    function: str = "chat.runs.create",
    deadline: float | None = None,
) -> tuple[dict[str, Any], RequestOptions]:
    """The ``POST chat/runs`` body and options for ``create()``'s keywords; checks them all.

    ``function`` names the call in error messages. The uploads (``media=``, local image
    inputs) end within the call's ``timeout=`` (seconds, or connect + read of a pair), and by
    ``deadline`` when one is given.
    """
    run_given: dict[str, Any] = {}
    chat_given: dict[str, Any] = {}
    for key, value in kwargs.items():
        name = _RUN_ALIASES.get(key, key)
        if name in _RUN_KEYWORDS:
            if value is not None:
                if name in run_given:
                    raise TypeError(f"{function}(): pass {name!r} once")
                run_given[name] = value
            continue
        chat_name = ALIASES.get(key, key)
        if chat_name not in _CHAT_KEYWORDS:
            if chat_name not in KNOWN_KEYWORDS:
                known = sorted(_CHAT_KEYWORDS | _RUN_KEYWORDS.keys())
                keywords({key: value}, known, function, _RUN_ALIASES)
            raise TypeError(
                f"{function}(): {key!r} does not apply to a durable run (the server runs "
                "the model, the tools and the rounds itself)"
            )
        chat_given[key] = value
    explicit_tools = any(ALIASES.get(k, k) == "sogni_tools" for k in chat_given)
    params, options, _ = chat_request(chat_given, app_source=client.app_source, function=function)
    wire = request_body(params)
    model = wire.get("model")
    if isinstance(model, str):
        wire["model"] = client.model_aliases.get(model, model)
    body: dict[str, Any] = {key: wire[key] for key in _BODY if key in wire}
    if not explicit_tools:
        body.pop("sogni_tools", None)  # a run uses Sogni's hosted tools unless told otherwise
    sampling = {key: wire[key] for key in _SAMPLING if key in wire}
    if sampling:
        body["sampling"] = sampling
    body.update(settings(wire, client))
    safe = body.pop("safe_content_filter", None)
    runtime = run_given.get("runtime_config")
    if runtime is not None and not isinstance(runtime, Mapping):
        raise TypeError("runtime_config must be a dict (qualityTier, safeContentFilter, ...)")
    runtime = dict(runtime or {})
    if safe is not None:
        runtime.setdefault("safeContentFilter", safe)
    if runtime:
        body["runtime_config"] = runtime
    for name in ("session_id", "client_message_id"):
        value = run_given.get(name)
        if value is not None:
            if not isinstance(value, str) or not value:
                raise TypeError(f"{name} must be a non-empty string")
            body[name] = value
    context = run_given.get("media_context")
    if context is not None:
        body["media_context"] = _media_context(context)
    references = media_references(wire.get("media_references"))
    body["messages"] = _external_messages(client, body["messages"], dry_run=True)
    headers = idempotency_headers(run_given)
    if headers:
        options = RequestOptions(
            extra_headers={**(options.extra_headers or {}), **headers},
            extra_query=options.extra_query,
            extra_body=options.extra_body,
            timeout=options.timeout,
        )
    # Uploads come last: nothing is sent before every keyword was checked, JSON values too
    # (the images still to upload stand in as placeholders).
    encode_json({**body, "messages": _placeholders(body["messages"]), **(options.extra_body or {})})
    uploads_by = _uploads_deadline(kwargs.get("timeout"), options, deadline)
    media = run_given.get("media")
    if media is not None:
        references = (references or []) + upload_sources(client, media, uploads_by, options.timeout)
    if references:
        body["media_references"] = references
    body["messages"] = _external_messages(
        client, body["messages"], dry_run=False, deadline=uploads_by, timeout=options.timeout
    )
    if options.extra_body:
        body.update(options.extra_body)
    return body, options


def _uploads_deadline(
    given: object, options: RequestOptions, deadline: float | None
) -> float | None:
    """When a run's uploads must end: within the call's ``timeout=``, and by ``deadline``."""
    if isinstance(given, int | float) and options.timeout is not None:
        seconds: float | None = options.timeout[1]  # a number: the whole upload's seconds
    elif options.timeout is not None:
        seconds = sum(options.timeout)
    else:
        seconds = None
    ends = None if seconds is None else time.monotonic() + seconds
    if deadline is None:
        return ends
    return deadline if ends is None else min(ends, deadline)


def _placeholders(messages: Any) -> Any:
    """``messages`` with each image part's source replaced by a URL (for a JSON check)."""
    if not isinstance(messages, list):
        return messages
    shown = []
    for message in messages:
        content = message.get("content") if isinstance(message, Mapping) else None
        if not isinstance(content, list):
            shown.append(message)
            continue
        parts = [
            {**part, "image_url": {"url": "https://placeholder.invalid/"}}
            if isinstance(part, Mapping) and "image_url" in part
            else part
            for part in content
        ]
        shown.append({**message, "content": parts})
    return shown


def _media_context(value: object) -> dict[str, list[str]]:
    """A run's ``media_context``: a previous run's, or a dict of http(s) URL lists."""
    if not isinstance(value, Mapping):
        raise TypeError("media_context must be a dict like a run's media_context")
    checked: dict[str, list[str]] = {}
    for key, urls in value.items():
        if key not in _CONTEXT_KEYS:
            raise ValueError(f"media_context keys are {', '.join(_CONTEXT_KEYS)}; got {key!r}")
        if not isinstance(urls, list) or not all(
            isinstance(u, str) and u[:8].lower().startswith(("https://", "http://")) for u in urls
        ):
            raise ValueError(f"media_context[{key!r}] must be a list of http(s) URLs")
        checked[key] = list(urls)
    return checked


def _external_messages(
    client: Requester,
    messages: Any,
    *,
    dry_run: bool,
    deadline: float | None = None,
    timeout: Timeout | None = None,
) -> Any:
    """``messages`` with every image input an http(s) URL: local files and bytes uploaded.

    ``dry_run`` only checks that each one can be read (nothing is sent). The uploads end by
    ``deadline`` (without one, each within connect + read), each request within ``timeout``.
    """
    if not isinstance(messages, list):
        return messages
    rewritten = []
    for i, message in enumerate(messages):
        content = message.get("content") if isinstance(message, Mapping) else None
        if not isinstance(content, list):
            rewritten.append(message)
            continue
        parts = []
        for j, part in enumerate(content):
            image = part.get("image_url") if isinstance(part, Mapping) else None
            source = image.get("url") if isinstance(image, Mapping) else image
            if source is None or (
                isinstance(source, str) and source[:8].lower().startswith(("https://", "http://"))
            ):
                parts.append(part)
                continue
            where = f"messages[{i}].content[{j}]"
            upload = _source(source, where, client.allow_local_files)
            if upload is None or upload.load is None:
                raise ValueError(
                    f"{where}: a durable run takes images as http(s) URLs, so local images are "
                    "uploaded first; a path given as a string is read only by a client made "
                    "with OpenAI(allow_local_files=True) (or pass a pathlib.Path, bytes or a "
                    "data URI)"
                )
            try:
                data, content_type = upload.load()
            except MediaError as exc:
                raise ValueError(f"{where}: {exc}") from None
            if dry_run:
                parts.append(part)
                continue
            connect, read = client.timeout
            url = upload_media(
                client,
                "image",
                data,
                content_type,
                deadline=time.monotonic() + connect + read if deadline is None else deadline,
                timeout=timeout or client.timeout,
            )
            detail = image.get("detail") if isinstance(image, Mapping) else None
            new_image = {"url": url, **({"detail": detail} if detail else {})}
            parts.append({"type": "image_url", "image_url": new_image})
        rewritten.append({**message, "content": parts})
    return rewritten


class Runs(Resource):
    """``client.chat.runs``: start, follow and steer Sogni's durable chat runs."""

    _path = "chat.runs"

    def create(self, **kwargs: Unpack[RunCreateParams]) -> ChatRun:
        """Start a durable run; returns it as Sogni reports it at once.

        Takes the chat keywords (``messages``, ``model``, ``tools``, sampling such as
        ``temperature``/``max_tokens``/``think``, ``token_type``, ``billing_mode``,
        ``app_source``, ``media_references``, ``max_estimated_capacity_units``,
        ``confirm_cost``, camelCase too), converted as for ``chat.completions.create``,
        plus ``session_id``, ``client_message_id``, ``runtime_config``, ``media_context``,
        ``media=[...]`` (files or bytes uploaded as the run's media) and ``idempotency_key``.
        Image inputs that are local files, bytes or data URIs are uploaded first (runs take
        media only as http(s) URLs). Keywords a run cannot use (``stream``, ``n``, the tool
        loop's) are refused before anything is sent.
        """
        body, options = run_body(self._client, dict(kwargs))
        run = self._client._request("POST", "chat/runs", body=body, options=options, parse=run_of)
        return _as_run(run)

    def retrieve(self, run_id: str) -> ChatRun:
        """The run as Sogni shows it now."""
        path = path_of("chat/runs", check_id(run_id, "run_id"))
        return _as_run(self._client._request("GET", path, parse=run_of))

    def events(self, run_id: str, *, after: int | str | None = None) -> builtins.list[RunEvent]:
        """The run's events so far (after sequence ``after``), as one list."""
        path = path_of("chat/runs", check_id(run_id, "run_id"))
        query = None if after is None else {"after": check_after(after)}
        data = self._client._request(
            "GET",
            f"{path}/events",
            options=RequestOptions(extra_query=query),
            parse=success_data,
            max_bytes=MAX_LISTING_BYTES,
        )
        found = data.get("events")
        items = found if isinstance(found, list) else []
        read = RunEvent.reader()
        return [read(item, None) for item in items if isinstance(item, dict)]

    def stream(
        self, run_id: str, *, after: int | str | None = None, timeout: float | None = None
    ) -> JobEvents[RunEvent]:
        """Iterate the run's events as they happen, until it settles.

        Starts after sequence ``after`` (from the beginning when not given); ``run_status``
        frames are skipped. A dropped connection resumes with ``Last-Event-ID``, without
        losing or repeating an event. It ends after ``run_completed``, ``run_failed``,
        ``run_cancelled`` or ``run_waiting_for_user`` (the run then waits for the caller).
        ``timeout`` (default: the client's ``tool_timeout``) bounds the whole iteration.
        Leaving the loop early closes the connection at once; looping again resumes.
        """
        job = check_id(run_id, "run_id")
        follower = self._follower(job, wait_budget(self._client, timeout), after)

        def events() -> Iterator[RunEvent]:
            with settle(job):
                for event in follower.events():
                    yield _run_event(event)

        return JobEvents(events)

    def wait(
        self,
        run_id: str,
        *,
        on_event: Callable[[RunEvent], Any] | None = None,
        on_progress: ProgressCallback | Literal["bar"] | None = None,
        approve_cost: Callable[[ChatRun], bool] | None = None,
        timeout: float | None = None,
        cancel_on_timeout: bool = True,
    ) -> ChatRun:
        """Block until the run settles; returns its final snapshot.

        ``on_event(event)`` sees every :class:`~sogni_compat.types.RunEvent`;
        ``on_progress(tool_call, progress)`` (or ``"bar"``) sees each hosted tool's progress,
        as with the tool loop's ``on_tool_progress``. When the run pauses for cost approval,
        ``approve_cost(run)`` decides (``True`` confirms with the preview Sogni showed,
        ``False`` cancels) and the wait goes on; without it the waiting run is returned
        (``status == "waiting_for_user"``, see :meth:`confirm_cost`). Past ``timeout``
        seconds (default: the client's ``tool_timeout``)
        :class:`~sogni_compat.WaitTimeoutError` is raised, and the run is cancelled first so
        it stops billing, unless ``cancel_on_timeout=False``: then it is left running (its
        ``cancelled`` is ``False``; wait for it again, or :meth:`cancel` it), as
        :meth:`stream` and an interruption (Ctrl-C) leave it.
        """
        job = check_id(run_id, "run_id")
        check_flag(cancel_on_timeout, "cancel_on_timeout")
        seconds = wait_budget(self._client, timeout)
        return self._wait(
            job,
            on_event=on_event,
            on_progress=on_progress,
            approve_cost=approve_cost,
            seconds=seconds,
            cancel_on_timeout=cancel_on_timeout,
        )

    def _wait(
        self,
        job: str,
        *,
        on_event: Callable[[RunEvent], Any] | None,
        on_progress: ProgressCallback | Literal["bar"] | None,
        approve_cost: Callable[[ChatRun], bool] | None,
        seconds: float,
        cancel_on_timeout: bool = True,
        budget: str | None = None,
    ) -> ChatRun:
        """:meth:`wait` for ``seconds``; ``budget`` names them in a timeout's message."""
        if on_event is not None and not callable(on_event):
            raise TypeError("on_event must be a function")
        if approve_cost is not None and not callable(approve_cost):
            raise TypeError("approve_cost must be a function taking the run, returning a bool")
        report = progress_callback(on_progress)
        client = self._client
        #: Cost pauses already answered: a snapshot still showing one is not settled yet.
        answered: set[str] = set()

        def settled(snapshot: Mapping[str, Any]) -> bool:
            return _settled(snapshot) and _waiting_on(snapshot) not in answered

        follower = self._follower(job, seconds, None, settled, budget)
        progress = _RunProgress(report)

        def cancel(reason: str) -> bool:
            path = path_of("chat/runs", job)
            return cancel_quietly(client, f"{path}/cancel", reason, client.timeout)

        with settle(job, cancel if cancel_on_timeout else None):
            first = follower.fetch()
            done = first is not None and settled(first)
            while True:
                for event in follower.events(done):
                    run_event = _run_event(event)
                    progress.seen(run_event)
                    if on_event is not None:
                        on_event(run_event)
                assert follower.final is not None
                run = _as_run(follower.final)
                waiting = run.wait_reason
                preview = waiting.cost_approval_preview if waiting is not None else None
                if run.status != "waiting_for_user" or approve_cost is None or preview is None:
                    return run
                assert waiting is not None
                call_id = waiting.tool_call_id
                if call_id is None:
                    return run  # a pause this client cannot answer: the caller decides
                answer = approve_cost(run)
                if not isinstance(answer, bool):
                    raise TypeError(
                        f"approve_cost must return True or False; it returned {answer!r} (the "
                        "run still waits: confirm_cost() or cancel() it)"
                    )
                decision = "confirm" if answer else "cancel"
                self.confirm_cost(
                    job,
                    tool_call_id=call_id,
                    decision=decision,
                    accepted_cost_preview=preview if answer else None,
                )
                answered.add(call_id)
                follower.final, done = None, False

    def cancel(self, run_id: str, *, reason: str | None = None) -> ChatRun:
        """Stop the run (it stops billing); returns it as Sogni reports it then.

        The result's ``transitioned`` says whether this call stopped it: cancelling a run
        that already finished is a normal answer with ``transitioned=False``, as for
        ``workflows.cancel()`` (Sogni answers it with a 409, so the run is fetched).
        """
        job = check_id(run_id, "run_id")
        path = path_of("chat/runs", job)
        body = {} if check_reason(reason) is None else {"reason": reason}
        try:
            # One attempt: a cancel is not repeated on a failure (it is safe to call again).
            found, transitioned = self._client._request(
                "POST", f"{path}/cancel", body=body, parse=_cancelled_run, retries=0
            )
        except ConflictError:
            run = self.retrieve(job)
            if run.status not in _FINISHED:
                raise
            run._transitioned = False
            return run
        run = _as_run(found)
        if transitioned is None:  # an answer without the flag: its status says
            transitioned = run.status in ("cancelled", "canceled")
        run._transitioned = transitioned
        return run

    def confirm_cost(
        self,
        run_id: str | ChatRun,
        *,
        decision: str,
        tool_call_id: str | None = None,
        accepted_cost_preview: Mapping[str, Any] | None = None,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> ChatRun:
        """Answer a run's cost pause: ``decision="confirm"`` or ``"cancel"``.

        Confirming sends ``accepted_cost_preview``, the preview the run showed
        (``run.waiting.cost_approval_preview``), back unchanged; Sogni refuses a changed or
        expired one (409). ``tool_call_id`` is ``run.waiting.tool_call_id``. Both default
        to the ``waiting`` of the :class:`~sogni_compat.types.ChatRun` given: the run you
        looked at, so only the price you saw is accepted. Given only an id, confirming needs
        ``accepted_cost_preview`` (as in Sogni's SDKs, a price is never accepted for you);
        ``tool_call_id`` then defaults to the run's as it is now (one ``GET``). A run that is
        not paused for its cost is a ``ValueError`` then. Returns the run; :meth:`wait` for
        it again to follow it to its answer.
        """
        run = run_id if isinstance(run_id, ChatRun) else None
        job = check_id(run.id if run is not None else run_id, "run_id")
        path = path_of("chat/runs", job)
        if decision not in ("confirm", "cancel"):
            raise ValueError(f"decision must be 'confirm' or 'cancel'; got {decision!r}")
        if tool_call_id is not None:
            check_id(tool_call_id, "tool_call_id")
        if accepted_cost_preview is not None and not isinstance(accepted_cost_preview, Mapping):
            raise TypeError(
                "accepted_cost_preview must be a dict (the run's waiting.cost_approval_preview); "
                f"got {type(accepted_cost_preview).__name__}"
            )
        check_reason(reason)
        headers = idempotency_headers({"idempotency_key": idempotency_key})
        needs_preview = decision == "confirm" and accepted_cost_preview is None
        if needs_preview and run is None:
            raise ValueError(
                f"confirming chat run {job}'s cost needs the price you accepted: pass the "
                "ChatRun you looked at (client.chat.runs.retrieve(run_id)) as run_id, or "
                "accepted_cost_preview=run.waiting.cost_approval_preview; a price is never "
                "accepted for you"
            )
        if tool_call_id is None or needs_preview:
            waiting = (run if run is not None else self.retrieve(job)).wait_reason
            preview = waiting.cost_approval_preview if waiting is not None else None
            if waiting is None or preview is None or waiting.tool_call_id is None:
                shown = run.status if run is not None else "not waiting"
                raise ValueError(
                    f"chat run {job} is not paused for its cost ({shown}), so there is no "
                    "tool_call_id or accepted_cost_preview to default to; pass them"
                )
            tool_call_id = tool_call_id or waiting.tool_call_id
            if needs_preview:
                accepted_cost_preview = preview
        body: dict[str, Any] = {"tool_call_id": tool_call_id, "decision": decision}
        if accepted_cost_preview is not None:
            body["acceptedCostPreview"] = dict(accepted_cost_preview)
        if reason is not None:
            body["reason"] = reason
        return _as_run(
            self._client._request(
                "POST",
                f"{path}/confirm-cost",
                body=body,
                options=RequestOptions(extra_headers=headers) if headers else None,
                parse=run_of,
                retries=0,
            )
        )

    def _follower(
        self,
        job: str,
        seconds: float,
        after: object,
        settled: Callable[[Mapping[str, Any]], bool] = _settled,
        budget: str | None = None,
    ) -> Any:
        return follow(
            self._client,
            path_of("chat/runs", job),
            what=f"chat run {job}",
            seconds=seconds,
            after=after,
            budget=budget,
            snapshot=run_of,
            final_event=_settling,
            final_snapshot=settled,
            skip=frozenset({"run_status"}),
        )


class _RunProgress:
    """Turns a run's ``tool_call_*`` events into ``on_progress(tool_call, progress)`` calls."""

    def __init__(self, report: Callable[[Any, Any], Any] | None) -> None:
        self._report = report
        self._names: dict[str, str] = {}
        self._states: dict[str, WorkflowState] = {}
        self._state = WorkflowState

    def seen(self, event: RunEvent) -> None:
        """Report what ``event`` says about a tool call, if anything."""
        kind = event.type if isinstance(event.type, str) else ""
        if self._report is None or not kind.startswith("tool_call_"):
            return
        payload = event.payload if isinstance(event.payload, dict) else {}
        call_id = payload.get("toolCallId") or payload.get("tool_call_id")
        if not isinstance(call_id, str):
            return
        name = payload.get("name") or payload.get("toolName")
        if isinstance(name, str):
            self._names[call_id] = name
        state = self._states.setdefault(call_id, self._state(workflow_id=call_id))
        call = tool_call(call_id, self._names.get(call_id, "tool"))
        if event.type == "tool_call_dispatched":
            emit_progress(self._report, call, "processing", 0.0, state=state)
        elif event.type == "tool_call_progress":
            percent = percent_of(payload, state)
            percent = state.percent if percent is None else max(percent, state.percent)
            emit_progress(
                self._report, call, "processing", percent, state=state, eta=eta_of(payload)
            )
        elif event.type == "tool_call_resolved":
            urls = media_urls(payload.get("mediaUrls"))
            if payload.get("success", True) is False:
                emit_progress(self._report, call, "failed", state.percent, state=state)
            else:
                emit_progress(self._report, call, "completed", 100.0, state=state, urls=urls)
