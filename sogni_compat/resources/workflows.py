"""``client.workflows``: Sogni's durable creative workflows from a blocking client.

A workflow is a list of hosted-tool steps Sogni runs server-side and keeps: start it with
:meth:`Workflows.create`, then :meth:`~Workflows.wait` for it (with progress), iterate its
events with :meth:`~Workflows.stream` (a dropped stream resumes where it stopped), or come back
later with :meth:`~Workflows.retrieve`. Steps may depend on each other: ``depends_on`` is a list
of Sogni's binding objects, each putting an earlier step's media (or the uploads,
``"$input_media"``) into an argument (:func:`check_binding`). Saved templates are
:attr:`Workflows.templates`.
"""

from __future__ import annotations

import builtins
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import requests

from .._base_client import encode_json
from .._errors import ConflictError
from .._options import RequestOptions
from .._tools.follow import cancel_quietly
from .._tools.hosted import find_data_uri
from .._tools.report import (
    WorkflowState,
    emit_progress,
    report_workflow_event,
)
from .._wire import status_of, success_data, workflow_of
from ..hosted_tools import HostedTool, catalog, media_kind_of_argument
from ..types.durable import Workflow, WorkflowEvent
from ._base import Resource
from ._durable import (
    MAX_LISTED,
    MAX_LISTING_BYTES,
    SETTING_ALIASES,
    SETTING_KEYWORDS,
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

    from ..types.create_params import ProgressCallback, WorkflowCreateParams
    from .templates import WorkflowTemplates

__all__ = ["INPUT_MEDIA", "TRANSFORMS", "Workflows", "check_binding", "default_transform"]

#: The ``source_step_id`` that names a workflow's uploads (its ``media``).
INPUT_MEDIA = "$input_media"
#: Every ``transform`` a binding may name (the TS SDK's ``StartCreativeWorkflowDependency``).
TRANSFORMS = (
    "artifact_url",
    "artifact_data_uri",
    "image_url",
    "video_url",
    "audio_url",
    "image_index",
    "video_index",
    "audio_index",
    "subtitle_cues",
    "subtitle_srt",
    "overlay_items",
    "asset_ref",
)
#: A binding's keys, both spellings, to their wire names.
_BINDING_KEYS = {
    "sourceStepId": "sourceStepId",
    "source_step_id": "sourceStepId",
    "targetArgument": "targetArgument",
    "target_argument": "targetArgument",
    "transform": "transform",
    "sourceArtifactId": "sourceArtifactId",
    "source_artifact_id": "sourceArtifactId",
    "sourceArtifactIndex": "sourceArtifactIndex",
    "source_artifact_index": "sourceArtifactIndex",
    "mediaType": "mediaType",
    "media_type": "mediaType",
    "required": "required",
}
#: Step ids Sogni keeps as they are; it rewrites any other character (and then no binding
#: that names the old id matches).
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]+")
_MEDIA_WORDS = (("image", "image"), ("video", "video"), ("audio", "audio"), ("voice", "audio"))
_CREATE_KEYWORDS = (
    "steps",
    "workflow_id",
    "inputs",
    "media",
    "media_references",
    *SETTING_KEYWORDS,
    "idempotency_key",
    "extra_body",
    "timeout",
)
_CREATE_ALIASES = {**SETTING_ALIASES, "workflowId": "workflow_id"}
_STEP_KEYS = {
    "toolName": "toolName",
    "tool": "toolName",
    "tool_name": "toolName",
    "dependsOn": "dependsOn",
    "depends_on": "dependsOn",
    "id": "id",
    "arguments": "arguments",
}


def _as_workflow(data: Mapping[str, Any]) -> Workflow:
    return Workflow.reader()(dict(data), None)


def _cancelled(response: requests.Response) -> tuple[dict[str, Any], bool | None]:
    """A cancel's answer: ``data.workflow`` and ``data.transitioned`` (``None`` if absent)."""
    workflow = workflow_of(response)
    flag = success_data(response).get("transitioned")
    return workflow, flag if isinstance(flag, bool) else None


def _event(item: Any) -> WorkflowEvent | None:
    """One item of an ``events`` listing (lenient about the field names)."""
    if not isinstance(item, dict):
        return None
    number = item.get("id", item.get("sequence"))
    name = item.get("event", item.get("type"))
    data = item.get("data", item.get("payload", item))
    return WorkflowEvent(
        id=None if number is None else str(number),
        event=name if isinstance(name, str) else None,
        data=data if isinstance(data, dict) else {"value": data},
    )


def default_transform(target: str) -> str | None:
    """The ``transform`` a binding into argument ``target`` gets when it names none.

    ============================================  ==================================
    target argument                               transform
    ============================================  ==================================
    an index of a kind (``sourceImageIndex``,     ``image_index``, ``video_index``,
    ``referenceImageIndices``, ``videoIndex``,    ``audio_index`` (``voice`` counts
    ``voiceSourceIndex``...)                      as audio)
    a URL naming a kind (``source_image_url``,    ``image_url``, ``video_url``,
    ``mask_image_url``, ``voice_source_url``...)  ``audio_url``
    any other URL (``referenceFileUrl``...)       ``artifact_url``
    ``cues``                                      ``subtitle_cues``
    ``srt``                                       ``subtitle_srt``
    ``overlays``                                  ``overlay_items``
    anything else                                 ``None``: give ``transform``
    ============================================  ==================================

    This is the client's reading of the transform names; Sogni's own examples bind
    ``image_index`` into ``referenceImageIndices`` and ``artifact_url`` into a URL argument.
    """
    kind = media_kind_of_argument(target)
    if kind is not None:
        return f"{kind}_index"
    lowered = target.lower()
    if lowered.endswith("url"):
        for word, named in _MEDIA_WORDS:
            if word in lowered:
                return f"{named}_url"
        return "artifact_url"
    return {"cues": "subtitle_cues", "srt": "subtitle_srt", "overlays": "overlay_items"}.get(
        lowered
    )


def _binding_example(source: str, tool: HostedTool | None) -> str:
    """A binding in the form Sogni takes, for an error message."""
    parameters = tool.media_parameters if tool is not None else ()
    target = parameters[0].name if parameters else "source_image_url"
    transform = default_transform(target)
    return (
        f"{{'sourceStepId': {source!r}, 'targetArgument': {target!r}, 'transform': {transform!r}}}"
    )


def check_binding(item: object, where: str, tool: HostedTool | None = None) -> dict[str, Any]:
    """One ``depends_on`` entry as the wire wants it, or an error naming the problem.

    A binding is ``{"sourceStepId", "targetArgument", "transform"?, "sourceArtifactId"?,
    "sourceArtifactIndex"?, "mediaType"?, "required"?}`` (snake_case spellings too); a
    missing ``transform`` is filled from the target argument (:func:`default_transform`),
    and one that cannot be is refused, as is a bare step id.
    """
    if isinstance(item, str):
        raise ValueError(
            f"{where} is the bare step id {item!r}; Sogni takes binding objects that say which "
            f"argument gets what, e.g. depends_on=[{_binding_example(item, tool)}]"
        )
    if not isinstance(item, Mapping):
        raise TypeError(
            f"{where} must be a binding dict such as {_binding_example('step_1', tool)}; got "
            f"{type(item).__name__}"
        )
    binding: dict[str, Any] = {}
    for key, value in item.items():
        name = _BINDING_KEYS.get(key)
        if name is None:
            import difflib  # noqa: PLC0415 - only for the message

            close = difflib.get_close_matches(str(key), list(_BINDING_KEYS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{where}: unknown binding key {key!r}{hint}")
        if name in binding:
            raise TypeError(f"{where}: give {name!r} once (it was given in two spellings)")
        if value is not None:
            binding[name] = value
    source, target = binding.get("sourceStepId"), binding.get("targetArgument")
    if not isinstance(source, str) or not source:
        raise TypeError(f"{where}.sourceStepId must be a step id (or {INPUT_MEDIA!r})")
    if not isinstance(target, str) or not target:
        raise TypeError(
            f"{where}.targetArgument must name the argument the value goes into, e.g. "
            f"{_binding_example(source, tool)}"
        )
    transform = binding.get("transform")
    if transform is None:
        transform = default_transform(target)
        if transform is None:
            raise ValueError(
                f"{where}: no transform for argument {target!r} can be assumed; give "
                f"transform=, one of {', '.join(TRANSFORMS)}"
            )
        binding["transform"] = transform
    elif transform not in TRANSFORMS:
        import difflib  # noqa: PLC0415 - only for the message

        close = difflib.get_close_matches(str(transform), TRANSFORMS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"{where}.transform must be one of {', '.join(TRANSFORMS)}; got {transform!r}{hint}"
        )
    _check_binding_fits(binding, where)
    return binding


def _check_binding_fits(binding: Mapping[str, Any], where: str) -> None:
    """The optional fields' types, and a transform that fits its target and media type."""
    target, transform = binding["targetArgument"], binding["transform"]
    media_type = binding.get("mediaType")
    if media_type is not None and media_type not in ("image", "video", "audio"):
        raise ValueError(
            f"{where}.mediaType must be 'image', 'video' or 'audio'; got {media_type!r}"
        )
    index = binding.get("sourceArtifactIndex")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
        raise ValueError(f"{where}.sourceArtifactIndex must be a whole number >= 0; got {index!r}")
    artifact = binding.get("sourceArtifactId")
    if artifact is not None and (not isinstance(artifact, str) or not artifact):
        raise TypeError(f"{where}.sourceArtifactId must be a non-empty string")
    if binding.get("required") is not None and not isinstance(binding["required"], bool):
        raise TypeError(f"{where}.required must be True or False")
    made = transform.split("_", 1)[0]
    if media_type is not None and made in ("image", "video", "audio") and made != media_type:
        raise ValueError(f"{where}: transform {transform!r} does not fit mediaType {media_type!r}")
    wants = media_kind_of_argument(target)
    if wants is not None and transform.endswith(("_url", "_data_uri")):
        raise ValueError(
            f"{where}: {target!r} takes a media index, but transform {transform!r} makes a URL; "
            f"use {wants + '_index'!r}"
        )
    if wants is not None and transform.endswith("_index") and made != wants:
        raise ValueError(
            f"{where}: {target!r} takes an {wants} index, not {transform!r}; "
            f"use {wants + '_index'!r}"
        )
    if wants is None and transform.endswith("_index") and target.lower().endswith("url"):
        raise ValueError(
            f"{where}: {target!r} takes a URL, but transform {transform!r} makes an index; "
            f"use {default_transform(target)!r}"
        )


def check_steps(steps: object, has_media: bool) -> list[dict[str, Any]]:
    """``steps`` as the wire wants them, or an error naming the first problem.

    Each step is a dict with ``toolName`` (or ``tool``) naming a tool on Sogni's workflow-step
    allow-list, ``arguments`` (a dict, no inline ``data:`` media), an optional unique ``id``
    (letters, digits, ``_`` and ``-``) and an optional ``depends_on``/``dependsOn`` list of
    binding objects (:func:`check_binding`); bindings must name known steps and form no
    cycle. A step without an ``id`` gets Sogni's default, the tool's name (a name already
    taken gets ``_N``, N the step's position from 1: ``generate_image_2``), sent with it.
    """
    tools = catalog()
    allowed = tools.names("workflow") | tools.names("control")
    if not isinstance(steps, Sequence) or isinstance(steps, str | bytes) or not steps:
        raise ValueError("steps must be a non-empty list of step dicts")
    if len(steps) > tools.max_workflow_steps:
        raise ValueError(
            f"a workflow takes at most {tools.max_workflow_steps} steps; got {len(steps)}"
        )
    checked: list[dict[str, Any]] = []
    taken: set[str] = set()
    defaulted: set[int] = set()  # the steps whose id is Sogni's default, not the caller's
    for index, step in enumerate(steps):
        where = f"steps[{index}]"
        if not isinstance(step, Mapping):
            raise TypeError(f"{where} must be a dict with 'toolName' and 'arguments'")
        wire: dict[str, Any] = {}
        for key, value in step.items():
            name = _STEP_KEYS.get(key)
            if name is None:
                import difflib  # noqa: PLC0415 - only for the message

                close = difflib.get_close_matches(str(key), list(_STEP_KEYS), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(
                    f"{where}: unknown step key {key!r} (a step has id, toolName, arguments "
                    f"and depends_on){hint}"
                )
            if name in wire:
                raise TypeError(f"{where}: give {name!r} once")
            wire[name] = value
        tool = wire.get("toolName")
        if tool not in allowed:
            import difflib  # noqa: PLC0415 - only for the message

            close = difflib.get_close_matches(str(tool), sorted(allowed), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"{where}: {tool!r} is not a tool Sogni runs as a workflow step (catalogue "
                f"{tools.version}){hint}"
            )
        arguments = wire.setdefault("arguments", {})
        if not isinstance(arguments, Mapping):
            raise TypeError(f"{where}.arguments must be a dict")
        inline = find_data_uri(arguments)
        if inline is not None:
            raise ValueError(
                f"{where}.arguments.{inline} is a data URI; workflows take media only as "
                "http(s) URLs: pass the file in media=[...] and bind it with "
                f"depends_on=[{{'sourceStepId': '{INPUT_MEDIA}', 'targetArgument': ...}}]"
            )
        wire["arguments"] = dict(arguments)
        step_id = wire.get("id")
        if step_id is None:
            # Sogni's default (``step.id ?? step.toolName``; a repeated one gets ``_N``, N the
            # step's 1-based position), sent so that what is checked here is what runs.
            step_id = tool if tool not in taken else f"{tool}_{index + 1}"
            wire["id"] = step_id
            defaulted.add(index)
        if not isinstance(step_id, str) or not step_id:
            raise TypeError(f"{where}.id must be a non-empty string")
        if not _SAFE_ID.fullmatch(step_id):
            raise ValueError(
                f"{where}.id {step_id!r} may hold only letters, digits, '_' and '-' (Sogni "
                "rewrites other characters, and bindings naming the old id would not match)"
            )
        taken.add(step_id)
        depends = wire.get("dependsOn")
        if depends is not None:
            if not isinstance(depends, Sequence) or isinstance(depends, str | bytes):
                raise TypeError(f"{where}.depends_on must be a list of binding dicts")
            wire["dependsOn"] = [
                check_binding(item, f"{where}.depends_on[{number}]", tools.get(tool))
                for number, item in enumerate(depends)
            ]
        checked.append(wire)
    _check_dependencies(checked, has_media, defaulted)
    return checked


def _step_name(steps: list[dict[str, Any]], index: int, defaulted: set[int]) -> str:
    """``steps[i]`` with its id, as an error names it (saying when the id is the default)."""
    step_id = steps[index]["id"]
    if index in defaulted:
        return f"steps[{index}] (no id given, so Sogni's default {step_id!r})"
    return f"steps[{index}] (id {step_id!r})"


def _check_dependencies(steps: list[dict[str, Any]], has_media: bool, defaulted: set[int]) -> None:
    ids = [step["id"] for step in steps]
    for index, step_id in enumerate(ids):
        first = ids.index(step_id)
        if first != index:
            raise ValueError(
                f"{_step_name(steps, index, defaulted)} repeats the id of "
                f"{_step_name(steps, first, defaulted)}; step ids must be unique"
            )
    needs: dict[str, set[str]] = {}
    for index, step in enumerate(steps):
        where = _step_name(steps, index, defaulted)
        sources = set()
        for item in step.get("dependsOn", []):
            source = item["sourceStepId"]
            if source == INPUT_MEDIA:
                if not has_media:
                    raise ValueError(
                        f"{where} depends on {INPUT_MEDIA!r} but the workflow has no media; "
                        "pass media=[...] or media_references=[...]"
                    )
                continue
            if source not in ids:
                import difflib  # noqa: PLC0415 - only for the message

                close = difflib.get_close_matches(source, ids, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                rule = (
                    " (a step without an id is named after its tool; a repeated name gets "
                    "_N, N the step's position from 1)"
                    if defaulted
                    else ""
                )
                raise ValueError(
                    f"{where} depends on unknown step {source!r}; the steps' ids are "
                    f"{', '.join(map(repr, ids))}{rule}{hint}"
                )
            if source == step["id"]:
                raise ValueError(f"{where} depends on itself")
            sources.add(source)
        needs[step["id"]] = sources
    done: set[str] = set()
    while len(done) < len(ids):
        ready = {i for i in ids if i not in done and needs[i] <= done}
        if not ready:
            raise ValueError(
                f"steps depend on each other in a cycle: {', '.join(sorted(set(ids) - done))}"
            )
        done |= ready


class Workflows(Resource):
    """``client.workflows``: create, follow and manage Sogni's durable creative workflows."""

    _path = "workflows"

    @property
    def templates(self) -> WorkflowTemplates:
        """``client.workflows.templates``: saved workflow templates (list, create, fork...)."""
        made: WorkflowTemplates | None = self.__dict__.get("_templates")
        if made is None:
            from .templates import WorkflowTemplates  # noqa: PLC0415 - on first use

            # setdefault: threads that arrive together all get the first one stored.
            made = self.__dict__.setdefault("_templates", WorkflowTemplates(self._client))
        return made

    def create(self, **kwargs: Unpack[WorkflowCreateParams]) -> Workflow:
        """Start a workflow; returns it as Sogni reports it at once (usually ``queued``).

        Give ``steps=[{"id", "toolName", "arguments", "depends_on"}...]`` (see
        :func:`check_steps`), or ``workflow_id=`` a saved template with its ``inputs=``.
        ``media=[pathlib.Path, bytes, file or URL...]`` uploads local media first and sends it
        as the workflow's ``media_references`` (steps bind it with ``"$input_media"``; a path
        as a plain string only with ``allow_local_files=True``); or pass
        ``media_references=[{"kind", "url"}]`` yourself. Billing and labels:
        ``token_type``, ``billing_mode``, ``app_source``, ``safe_content_filter``;
        ``max_estimated_capacity_units`` makes Sogni pause a workflow estimated above it
        (``waiting_for_user``, ``awaiting_cost_approval``; :meth:`resume` does not approve
        it), unless ``confirm_cost=True``. ``idempotency_key`` makes a repeated start return
        the first. camelCase spellings are accepted. Everything is checked before anything is
        sent.
        """
        given = keywords(kwargs, _CREATE_KEYWORDS, "workflows.create", _CREATE_ALIASES)
        client = self._client
        references = media_references(given.get("media_references"))
        media = given.get("media")
        has_media = bool(references) or bool(media)
        body: dict[str, Any] = {}
        template = given.get("workflow_id")
        if given.get("steps") is None and template is None:
            raise TypeError(
                "workflows.create() needs steps=[...] (an inline plan) or workflow_id= (a "
                "saved template)"
            )
        if given.get("steps") is not None and template is not None:
            raise TypeError("workflows.create() takes steps=[...] or workflow_id=, not both")
        if template is not None:
            body["workflow_id"] = check_id(template, "workflow_id")
            inputs = given.get("inputs")
            if inputs is not None:
                if not isinstance(inputs, Mapping):
                    raise TypeError("inputs must be a dict of template input values")
                body["inputs"] = dict(inputs)
        else:
            if given.get("inputs") is not None:
                raise TypeError("inputs= goes with workflow_id= (a template), not with steps=")
            body["input"] = {"steps": check_steps(given["steps"], has_media)}
        body.update(settings(given, client))
        headers = idempotency_headers(given)
        extra = given.get("extra_body")
        if extra is not None and not isinstance(extra, Mapping):
            raise TypeError("extra_body must be a dict")
        timeout = given.get("timeout")
        seconds = None if timeout is None else wait_budget(client, timeout)
        body.update(extra or {})
        encode_json(body)  # a value JSON cannot carry is refused before any upload starts
        if media is not None:  # all the uploads within timeout=
            deadline = None if seconds is None else time.monotonic() + seconds
            references = (references or []) + upload_sources(client, media, deadline)
        if references:
            body["media_references"] = references
            body.update(extra or {})  # extra_body has the last word, as without media
        workflow = client._request(
            "POST",
            "creative-agent/workflows",
            body=body,
            options=self._options(headers, seconds),
            parse=workflow_of,
            # 409: too many active workflows. Sogni asks callers to wait for one to finish,
            # not to send again at once: it is the caller's to wait out (ConflictError).
            final_statuses=frozenset({409}),
        )
        return _as_workflow(workflow)

    def retrieve(self, workflow_id: str) -> Workflow:
        """The workflow as Sogni shows it now (``NotFoundError`` when there is none)."""
        path = path_of("creative-agent/workflows", check_id(workflow_id, "workflow_id"))
        return _as_workflow(self._client._request("GET", path, parse=workflow_of))

    def list(
        self,
        *,
        limit: int = 20,
        offset: int = 0,
        max_items: int = MAX_LISTED,
        timeout: float | None = None,
    ) -> Iterator[Workflow]:
        """Every workflow of the account, newest first, fetched ``limit`` at a time.

        An iterator: pages are requested as it advances, and it stops at a short page or
        after ``max_items`` (a bound against a server that never ends a listing). Each page
        is bounded by the client's timeout; ``timeout`` also bounds all of them together,
        counted from the first page (past it, :class:`~sogni_compat.APITimeoutError`).
        """
        seconds = None if timeout is None else wait_budget(self._client, timeout)
        for name, value, low, high in (
            ("limit", limit, 1, 100),
            ("offset", offset, 0, None),
            ("max_items", max_items, 1, None),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be a whole number >= {low}; got {value!r}")
            if high is not None and value > high:
                raise ValueError(f"{name} must be at most {high}; got {value!r}")
        return self._pages(limit, offset, max_items, seconds)

    def _pages(
        self, limit: int, offset: int, max_items: int, seconds: float | None
    ) -> Iterator[Workflow]:
        yielded = 0
        deadline = None
        while yielded < max_items:
            if seconds is not None and deadline is None:
                deadline = time.monotonic() + seconds
            options = RequestOptions(extra_query={"limit": str(limit), "offset": str(offset)})
            data = self._client._request(
                "GET",
                "creative-agent/workflows",
                options=options,
                parse=success_data,
                max_bytes=MAX_LISTING_BYTES,
                deadline=deadline,
            )
            page = data.get("workflows")
            items = (
                [item for item in page if isinstance(item, dict)] if isinstance(page, list) else []
            )
            for item in items[: max_items - yielded]:
                yield _as_workflow(item)
                yielded += 1
            if len(items) < limit:
                return
            offset += len(items)

    def events(
        self, workflow_id: str, *, after: int | str | None = None
    ) -> builtins.list[WorkflowEvent]:
        """The workflow's events so far (after event id ``after``), as one list."""
        path = path_of("creative-agent/workflows", check_id(workflow_id, "workflow_id"))
        query = None if after is None else {"after": check_after(after)}
        data = self._client._request(
            "GET",
            f"{path}/events",
            options=RequestOptions(extra_query=query),
            parse=success_data,
            max_bytes=MAX_LISTING_BYTES,
        )
        found = data.get("events")
        events = [_event(item) for item in found] if isinstance(found, list) else []
        return [event for event in events if event is not None]

    def stream(
        self,
        workflow_id: str,
        *,
        after: int | str | None = None,
        timeout: float | None = None,
    ) -> JobEvents[WorkflowEvent]:
        """Iterate the workflow's events as they happen, until it settles.

        Starts after event id ``after`` (from the beginning when not given). A dropped
        connection is resumed with ``Last-Event-ID`` after a backoff, so no event is lost or
        repeated (a server that replays events anyway is not believed twice); it ends when the
        workflow's snapshot shows a settled status (finished, or ``waiting_for_user``).
        ``timeout`` (default: the client's ``tool_timeout``) bounds the whole iteration: past
        it, :class:`~sogni_compat.WaitTimeoutError` (the workflow is left running). Leaving
        the loop early closes the connection at once, even while the returned object is
        held; looping over it again resumes after the last event (see :class:`JobEvents`).
        """
        job = check_id(workflow_id, "workflow_id")
        follower = follow(
            self._client,
            path_of("creative-agent/workflows", job),
            what=f"workflow {job}",
            seconds=wait_budget(self._client, timeout),
            after=after,
        )

        def events() -> Iterator[WorkflowEvent]:
            with settle(job):
                for event in follower.events():
                    yield WorkflowEvent(id=event.id, event=event.event, data=event.data)

        return JobEvents(events)

    def wait(
        self,
        workflow_id: str,
        *,
        on_progress: ProgressCallback | Literal["bar"] | None = None,
        timeout: float | None = None,
        cancel_on_timeout: bool = True,
    ) -> Workflow:
        """Block until the workflow settles; returns its final snapshot with its artifacts.

        ``on_progress`` is called as ``on_progress(tool_call, progress)`` like the tool loop's
        ``on_tool_progress`` (``tool_call.id`` is the workflow id, ``progress`` a
        :class:`~sogni_compat.ToolProgress` with ``percent`` 0-100 and ``eta_seconds``), or
        ``"bar"`` for a ready display. A workflow that waits for the caller (cost approval)
        is returned as it is: check ``status``. Past ``timeout`` seconds (default: the
        client's ``tool_timeout``) :class:`~sogni_compat.WaitTimeoutError` is raised, and the
        workflow is cancelled first so it stops billing, unless ``cancel_on_timeout=False``:
        then it is left running (the error's ``cancelled`` is ``False``), as :meth:`stream`
        leaves it, to look in on a long job and come back. Interrupting (Ctrl-C) leaves it
        running too: it is durable, wait for it again or :meth:`cancel` it.
        """
        job = check_id(workflow_id, "workflow_id")
        check_flag(cancel_on_timeout, "cancel_on_timeout")
        report = progress_callback(on_progress)
        client = self._client
        path = path_of("creative-agent/workflows", job)
        follower = follow(
            client, path, what=f"workflow {job}", seconds=wait_budget(client, timeout)
        )

        def cancel(reason: str) -> bool:
            return cancel_quietly(client, f"{path}/cancel", reason, client.timeout)

        state = WorkflowState(workflow_id=job)
        with settle(job, cancel if cancel_on_timeout else None):
            snapshot = follower.fetch() or {}
            steps = snapshot.get("steps")
            names = [
                step["toolName"]
                for step in (steps if isinstance(steps, list) else ())
                if isinstance(step, dict) and isinstance(step.get("toolName"), str)
            ]
            label = names[0] if len(names) == 1 else f"{job} ({len(names)} steps)"
            call = tool_call(job, label if names else "workflow")
            done = bool(snapshot) and report_workflow_event(
                report, call, state, status_of(snapshot), snapshot
            )
            for event in follower.events(done):
                report_workflow_event(report, call, state, status_of(event.data), event.data)
        assert follower.final is not None
        workflow = _as_workflow(follower.final)
        if workflow.status in ("completed", "partial_failure"):
            emit_progress(report, call, "completed", 100.0, state=state, urls=workflow.urls)
        elif workflow.status != "waiting_for_user":
            emit_progress(report, call, "failed", state.percent, state=state)
        return workflow

    def cancel(self, workflow_id: str, *, reason: str | None = None) -> Workflow:
        """Stop the workflow (it stops billing); returns it as Sogni reports it then.

        The result's ``transitioned`` says whether this call stopped it: cancelling a workflow
        that already finished is a normal answer with ``transitioned=False``, not an error
        (a server that answers it with a 409 instead gets the same: the snapshot, fetched).
        """
        job = check_id(workflow_id, "workflow_id")
        path = path_of("creative-agent/workflows", job)
        body = {} if check_reason(reason) is None else {"reason": reason}
        try:
            # One attempt: a cancel is not repeated on a failure (it is safe to call again).
            found, transitioned = self._client._request(
                "POST", f"{path}/cancel", body=body, parse=_cancelled, retries=0
            )
        except ConflictError:
            workflow = self.retrieve(job)
            if not workflow.settled:
                raise
            workflow._transitioned = False
            return workflow
        workflow = _as_workflow(found)
        if transitioned is None:  # an answer without the flag: its status says
            transitioned = workflow.status in ("cancelled", "canceled")
        workflow._transitioned = transitioned
        return workflow

    def resume(self, workflow_id: str, **kwargs: Any) -> Workflow:
        """Continue a workflow that waits for the user, from its persisted step state.

        Sogni resumes "a recoverable workflow from persisted step state" (e.g. after the user
        answered a question the workflow asked); it is **not** a cost approval. A workflow
        waiting for its cost (``awaiting_cost_approval``) cannot be approved here: Sogni
        publishes no confirm-cost route for workflows, so start it again with
        ``confirm_cost=True`` or a higher ``max_estimated_capacity_units``. Takes
        ``token_type``, ``billing_mode`` and ``app_source`` (camelCase too).
        """
        known = ("token_type", "billing_mode", "app_source")
        given = keywords(kwargs, known, "workflows.resume", SETTING_ALIASES)
        path = path_of("creative-agent/workflows", check_id(workflow_id, "workflow_id"))
        body = settings(given, self._client)
        return _as_workflow(
            self._client._request("POST", f"{path}/resume", body=body, parse=workflow_of, retries=0)
        )

    def reseed(self, workflow_id: str, **kwargs: Any) -> Workflow:
        """Run a completed (or partial-failure) workflow again with fresh seeds; the new take.

        Takes ``seed_overrides`` (per step), ``idempotency_key`` (a retried reseed with the
        same key returns the same take), ``token_type``, ``billing_mode``, ``app_source``:
        the body Sogni's SDKs send. It takes no cost ceiling (``max_estimated_capacity_units``,
        ``confirm_cost``): Sogni's SDKs send none with a reseed, and whether the new take
        keeps the original's is not published. To cap a take's cost, start it with
        :meth:`create` and ``max_estimated_capacity_units``. A workflow paused for its cost is
        not one to reseed (Sogni clones completed and partial-failure workflows).
        """
        for name in ("max_estimated_capacity_units", "maxEstimatedCapacityUnits"):
            if name in kwargs:
                raise TypeError(
                    f"workflows.reseed() takes no {name}: Sogni's SDKs send no cost ceiling "
                    "with a reseed, and whether the new take keeps the original's is not "
                    "published; to cap a take's cost, start it with workflows.create(steps=..., "
                    "max_estimated_capacity_units=...)"
                )
        for name in ("confirm_cost", "confirmCost"):
            if name in kwargs:
                raise TypeError(
                    f"workflows.reseed() takes no {name}: Sogni's SDKs send no cost approval "
                    "with a reseed; start the workflow again with workflows.create(steps=..., "
                    "confirm_cost=True)"
                )
        known = ("token_type", "billing_mode", "app_source", "seed_overrides", "idempotency_key")
        aliases = {**SETTING_ALIASES, "seedOverrides": "seed_overrides"}
        given = keywords(kwargs, known, "workflows.reseed", aliases)
        path = path_of("creative-agent/workflows", check_id(workflow_id, "workflow_id"))
        body = settings(given, self._client)
        overrides = given.get("seed_overrides")
        if overrides is not None:
            if not isinstance(overrides, Mapping | Sequence) or isinstance(overrides, str):
                raise TypeError("seed_overrides must be a dict or a list")
            body["seed_overrides"] = overrides
        options = self._options(idempotency_headers(given), None)
        return _as_workflow(
            self._client._request(
                "POST", f"{path}/reseed", body=body, options=options, parse=workflow_of
            )
        )

    def _options(
        self, headers: Mapping[str, str] | None, seconds: float | None
    ) -> RequestOptions | None:
        if headers is None and seconds is None:
            return None
        connect = self._client.timeout[0]
        timeout = None if seconds is None else (min(connect, seconds), seconds)
        return RequestOptions(extra_headers=headers, timeout=timeout)
