"""``client.workflows.templates``: Sogni's saved workflow templates.

Routes (Sogni's workflow-templates documentation; the TypeScript SDK's ``Templates``; the
Python SDK's ``workflows.py``), under ``/v1/creative-agent/workflows/templates``: ``GET`` a page
(``visibility``, ``offset``, ``limit``; ``data.templates`` and ``data.next``, the next offset
or ``null``), ``POST`` to create, ``GET``/``PATCH``/``DELETE`` ``/{id}``, ``POST /{id}/fork``.
Answers come in Sogni's ``{"status": "success", "data": {...}}`` envelope, unwrapped here (a
bare template is read too, as the Python SDK does); a record is a template only if its ``id``
and ``name`` are strings. Run a template with ``client.workflows.create(workflow_id=...,
inputs=...)``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import requests

from .._base_client import encode_json
from .._errors import APIResponseValidationError
from .._options import RequestOptions
from .._wire import decode_json
from ..hosted_tools import catalog
from ..types.templates import WorkflowTemplate, WorkflowTemplateDeleted
from ._base import Resource
from ._durable import (
    MAX_LISTED,
    MAX_LISTING_BYTES,
    check_id,
    idempotency_headers,
    path_of,
    wait_budget,
)

__all__ = ["MAX_TEMPLATE_PAGE", "VISIBILITIES", "WorkflowTemplates"]

_ROUTE = "creative-agent/workflows/templates"
#: The ``visibility`` filters a listing takes.
VISIBILITIES = ("own", "public", "all")
#: The most templates one page may ask for (Sogni's SDKs clamp ``limit`` to 1-200).
MAX_TEMPLATE_PAGE = 200
#: camelCase names of a template's fields, for the snake_case spellings a caller may use.
_FIELD_ALIASES = {
    "expose_to_llm": "exposeToLLM",
    "llm_priority": "llmPriority",
    "estimated_credits": "estimatedCredits",
    "estimated_capacity_units": "estimatedCapacityUnits",
    "thumbnail_url": "thumbnailUrl",
    "preview_artifacts": "previewArtifacts",
    "review_focus": "reviewFocus",
    "open_montage_import": "openMontageImport",
    "created_at": "createdAt",
    "updated_at": "updatedAt",
}
#: A template's fields a caller may send: the TypeScript SDK's ``CreativeWorkflowTemplate``
#: and the intelligence client's ``WorkflowTemplate`` (``src/workflows/types.ts``).
_KNOWN_FIELDS = (
    "id",
    "name",
    "version",
    "description",
    "brief",
    "category",
    "stability",
    "visibility",
    "inputs",
    "stages",
    "graph",
    "tags",
    "exposeToLLM",
    "llmPriority",
    "estimatedCredits",
    "estimatedCapacityUnits",
    "thumbnailUrl",
    "previewArtifacts",
    "reviewFocus",
    "metadata",
    "openMontageImport",
)
#: Fields Sogni sets itself: sending one changes nothing, so it is refused.
_SERVER_FIELDS = ("author", "createdAt", "updatedAt")
#: Keywords of ``create``/``update``/``fork`` that are request options, not template fields.
_OPTIONS = ("timeout", "idempotency_key", "extra_body")
_TEXT_FIELDS = ("id", "name", "version", "description", "category", "stability", "visibility")
_LIST_FIELDS = ("inputs", "stages", "tags")
#: Choices of the intelligence client's ``WorkflowTemplate`` (``src/workflows/types.ts``).
_CHOICES = {
    "category": (
        "portrait",
        "video-social",
        "makeover",
        "cinematic",
        "music",
        "analysis",
        "custom",
        "other",
    ),
    "stability": ("experimental", "beta", "production"),
}
_INPUT_TYPES = ("image", "audio", "video", "text", "number", "select", "boolean")
_INPUT_KEYS = (
    "name",
    "type",
    "required",
    "description",
    "default",
    "options",
    "multiple",
    "internal",
    "jsonSchema",
)
_STAGE_TYPES = ("fixed", "interactive", "batch")


def _data(response: requests.Response) -> dict[str, Any]:
    """``data`` of Sogni's envelope, or the body itself when it has none."""
    body = decode_json(response)
    if not isinstance(body, dict):
        raise APIResponseValidationError(
            "Sogni's template answer is not a JSON object", response=response, body=body
        )
    data = body.get("data", body) if body.get("status") in ("success", None) else body
    if not isinstance(data, dict):
        raise APIResponseValidationError(
            "Sogni's template answer has no 'data' object", response=response, body=body
        )
    return data


def _record(found: object, response: requests.Response) -> WorkflowTemplate:
    if (
        not isinstance(found, dict)
        or not isinstance(found.get("id"), str)
        or not isinstance(found.get("name"), str)
    ):
        raise APIResponseValidationError(
            "Sogni's answer has no workflow template (an object with a string id and name)",
            response=response,
            body=found,
        )
    template: WorkflowTemplate = WorkflowTemplate.reader()(dict(found), None)
    return template


def _template(response: requests.Response) -> WorkflowTemplate:
    """The template of an answer (``data.template``, or a bare template)."""
    data = _data(response)
    return _record(data.get("template", data), response)


def _page(response: requests.Response) -> tuple[list[WorkflowTemplate], int | None]:
    """A listing's templates and the offset of the next page (``None``: the last)."""
    data = _data(response)
    found = data.get("templates")
    if not isinstance(found, list):
        raise APIResponseValidationError(
            "Sogni's template listing has no 'templates' list", response=response, body=data
        )
    templates = [_record(item, response) for item in found]
    following = data.get("next")
    if isinstance(following, bool) or not isinstance(following, int) or following < 0:
        following = None
    return templates, following


def _deleted(response: requests.Response) -> WorkflowTemplateDeleted:
    data = _data(response)
    answer: WorkflowTemplateDeleted = WorkflowTemplateDeleted.reader()(dict(data), None)
    return answer


def _hint(given: object, choices: Sequence[str]) -> str:
    """``; did you mean 'x'?`` for a near miss among ``choices``, else nothing."""
    import difflib  # noqa: PLC0415 - only for the message

    close = difflib.get_close_matches(str(given), list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _fields(given: Mapping[str, Any], function: str, *, partial: bool) -> dict[str, Any]:
    """A template (or a patch) as the wire wants it: camelCase, checked, ``None`` dropped.

    Every field must be one Sogni's template types name (a misspelt one gets a "did you
    mean"); ``extra_body`` sends others as they are.
    """
    body: dict[str, Any] = {}
    for key, value in given.items():
        if key in _OPTIONS:
            continue
        name = _FIELD_ALIASES.get(key, key)
        if name in _SERVER_FIELDS:
            raise TypeError(f"{function}(): {key!r} is set by Sogni, not sent")
        if name not in _KNOWN_FIELDS:
            hint = _hint(key, [*_KNOWN_FIELDS, *_FIELD_ALIASES])
            raise TypeError(
                f"{function}() got an unexpected keyword argument {key!r}{hint} (a template's "
                "fields are those of Sogni's WorkflowTemplate; send another with extra_body=)"
            )
        if name in body:
            raise TypeError(f"{function}(): pass {name!r} once (it was given in two spellings)")
        if value is not None:
            body[name] = value
    if not partial and not isinstance(body.get("name"), str):
        raise TypeError(f"{function}() needs name= (a non-empty string)")
    for name in _TEXT_FIELDS:
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError(f"{function}(): {name} must be a non-empty string; got {value!r}")
    for name in _LIST_FIELDS:
        value = body.get(name)
        if value is not None and not isinstance(value, list | tuple):
            raise TypeError(f"{function}(): {name} must be a list; got {type(value).__name__}")
        if value is not None:
            body[name] = list(value)
    visibility = body.get("visibility")
    if visibility is not None and visibility not in ("private", "public", "team"):
        raise ValueError(
            f"{function}(): visibility must be 'private' or 'public'; got {visibility!r}"
        )
    for name, choices in _CHOICES.items():
        value = body.get(name)
        if value is not None and value not in choices:
            raise ValueError(
                f"{function}(): {name} must be one of {', '.join(choices)}; got "
                f"{value!r}{_hint(value, choices)}"
            )
    if body.get("exposeToLLM") is not None and not isinstance(body["exposeToLLM"], bool):
        raise TypeError(f"{function}(): exposeToLLM must be True or False")
    priority = body.get("llmPriority")
    if priority is not None and (
        isinstance(priority, bool) or not isinstance(priority, int | float)
    ):
        raise TypeError(f"{function}(): llmPriority must be a number; got {priority!r}")
    for number, tag in enumerate(body.get("tags", ())):
        if not isinstance(tag, str) or not tag.strip():
            raise TypeError(f"{function}(): tags[{number}] must be a non-empty string")
    _check_inputs(body.get("inputs", ()), function)
    _check_stages(body.get("stages", ()), function)
    if partial and "id" in body:
        raise TypeError(f"{function}(): a template's id cannot be changed")
    extra = given.get("extra_body")
    if extra is not None:
        if not isinstance(extra, Mapping):
            raise TypeError(f"{function}(): extra_body must be a dict")
        body.update(extra)  # fields this client does not know, sent as they are
    if partial and not body:
        raise TypeError(f"{function}() needs at least one field to change")
    encode_json(body)  # a value JSON cannot carry is refused before sending
    return body


def _check_inputs(inputs: Sequence[Any], function: str) -> None:
    """Each input a dict with a unique ``name``, a ``type`` Sogni knows and known keys."""
    seen: set[str] = set()
    for number, item in enumerate(inputs):
        where = f"{function}(): inputs[{number}]"
        if not isinstance(item, Mapping):
            raise TypeError(
                f"{where} must be a dict such as {{'name': 'subject', 'type': 'text', "
                f"'required': True}}; got {type(item).__name__}"
            )
        for key in item:
            if key not in _INPUT_KEYS:
                raise ValueError(
                    f"{where}: unknown key {key!r} (an input has {', '.join(_INPUT_KEYS)})"
                    f"{_hint(key, _INPUT_KEYS)}"
                )
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where} needs a name (a non-empty string)")
        if name in seen:
            raise ValueError(f"{where}: the input name {name!r} is given twice")
        seen.add(name)
        kind = item.get("type")
        if kind not in _INPUT_TYPES:
            raise ValueError(
                f"{where}.type must be one of {', '.join(_INPUT_TYPES)}; got "
                f"{kind!r}{_hint(kind, _INPUT_TYPES)}"
            )
        required = item.get("required")
        if required is not None and not isinstance(required, bool):
            raise TypeError(f"{where}.required must be True or False")


def _check_stages(stages: Sequence[Any], function: str) -> None:
    """Each stage a dict of a known ``type``; a ``tool`` must be on Sogni's step allow-list."""
    tools = catalog()
    allowed = tools.names("workflow") | tools.names("control")
    for number, stage in enumerate(stages):
        where = f"{function}(): stages[{number}]"
        if not isinstance(stage, Mapping):
            raise TypeError(
                f"{where} must be a dict such as {{'type': 'fixed', 'tool': 'generate_image', "
                f"'args': {{...}}}}; got {type(stage).__name__}"
            )
        kind = stage.get("type")
        if kind not in _STAGE_TYPES:
            raise ValueError(
                f"{where}.type must be one of {', '.join(_STAGE_TYPES)}; got "
                f"{kind!r}{_hint(kind, _STAGE_TYPES)}"
            )
        tool = stage.get("tool")
        if kind == "fixed" and tool is None:
            raise ValueError(f"{where}: a fixed stage names its tool (tool='generate_image'...)")
        if tool is not None and tool not in allowed:
            raise ValueError(
                f"{where}.tool {tool!r} is not a tool Sogni runs as a workflow step (catalogue "
                f"{tools.version}){_hint(tool, sorted(allowed))}"
            )
        args = stage.get("args")
        if args is not None and not isinstance(args, Mapping):
            raise TypeError(f"{where}.args must be a dict of the tool's arguments")


class WorkflowTemplates(Resource):
    """``client.workflows.templates``: list, read, save, change, delete and fork templates."""

    _path = "workflows.templates"

    def _options(
        self, seconds: float | None, headers: Mapping[str, str] | None = None
    ) -> tuple[RequestOptions | None, float | None]:
        """Request options and a deadline for a call bounded by ``seconds``, if given."""
        if seconds is None and headers is None:
            return None, None
        connect = self._client.timeout[0]
        timeout = None if seconds is None else (min(connect, seconds), seconds)
        deadline = None if seconds is None else time.monotonic() + seconds
        return RequestOptions(extra_headers=headers, timeout=timeout), deadline

    def _call(
        self,
        method: str,
        path: str,
        parse: Any,
        *,
        body: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """One request to ``path``, its answer at most 2 MiB, within ``timeout`` if given."""
        seconds = None if timeout is None else wait_budget(self._client, timeout)
        options, deadline = self._options(seconds, headers)
        return self._client._request(
            method,
            path,
            body=body,
            options=options,
            parse=parse,
            deadline=deadline,
            max_bytes=MAX_LISTING_BYTES,
        )

    def list(
        self,
        *,
        visibility: str | None = None,
        limit: int = 50,
        offset: int = 0,
        max_items: int = MAX_LISTED,
        timeout: float | None = None,
    ) -> Iterator[WorkflowTemplate]:
        """Every template the caller may see, fetched ``limit`` at a time (up to 200).

        ``visibility``: ``"own"``, ``"public"`` or ``"all"`` (default: the server's). An
        iterator: pages are requested as it advances, following the server's ``next`` offset,
        and it stops after the last page or ``max_items`` templates (a bound against a server
        that never ends a listing). Each page is at most 2 MiB; ``timeout`` bounds all of
        them together, counted from the first (past it,
        :class:`~sogni_compat.APITimeoutError`).
        """
        if visibility is not None and visibility not in VISIBILITIES:
            raise ValueError(
                f"visibility must be one of {', '.join(VISIBILITIES)}; got {visibility!r}"
            )
        for name, value, low, high in (
            ("limit", limit, 1, MAX_TEMPLATE_PAGE),
            ("offset", offset, 0, None),
            ("max_items", max_items, 1, None),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be a whole number >= {low}; got {value!r}")
            if high is not None and value > high:
                raise ValueError(f"{name} must be at most {high}; got {value!r}")
        seconds = None if timeout is None else wait_budget(self._client, timeout)
        return self._pages(visibility, limit, offset, max_items, seconds)

    def _pages(
        self,
        visibility: str | None,
        limit: int,
        offset: int,
        max_items: int,
        seconds: float | None,
    ) -> Iterator[WorkflowTemplate]:
        yielded = 0
        deadline = None
        seen: set[int] = set()
        while yielded < max_items:
            if seconds is not None and deadline is None:
                deadline = time.monotonic() + seconds
            query = {"limit": str(limit), "offset": str(offset)}
            if visibility is not None:
                query["visibility"] = visibility
            templates, following = self._client._request(
                "GET",
                _ROUTE,
                options=RequestOptions(extra_query=query),
                parse=_page,
                max_bytes=MAX_LISTING_BYTES,
                deadline=deadline,
            )
            for template in templates[: max_items - yielded]:
                yield template
                yielded += 1
            seen.add(offset)
            if following is None or following in seen or not templates:
                return  # the last page, or a server that sends us back
            offset = following

    def retrieve(self, template_id: str, *, timeout: float | None = None) -> WorkflowTemplate:
        """One template (``NotFoundError`` when there is none the caller may see)."""
        path = path_of(_ROUTE, check_id(template_id, "template_id"))
        result: WorkflowTemplate = self._call("GET", path, _template, timeout=timeout)
        return result

    def create(self, **template: Any) -> WorkflowTemplate:
        """Save a template; returns it as Sogni stored it (its ``id``, ``version``...).

        The keywords are the template's fields (``name`` required; ``id``, ``description``,
        ``category``, ``visibility``, ``inputs``, ``stages``, ``tags``, ``exposeToLLM``...;
        snake_case spellings too), plus ``timeout`` (seconds for the call),
        ``idempotency_key`` and ``extra_body`` (fields this client does not know, sent as
        they are). Sogni mints an ``id`` from the name when none is given. Checked before
        anything is sent: a field Sogni's template types do not name (with a "did you
        mean"), an ``inputs`` item without a ``name`` or with an unknown ``type``, a stage
        whose ``tool`` is not on Sogni's workflow-step allow-list, a ``category`` or
        ``stability`` Sogni does not list, lists that are not lists.
        """
        body = _fields(template, "workflows.templates.create", partial=False)
        headers = idempotency_headers(template)
        result: WorkflowTemplate = self._call(
            "POST", _ROUTE, _template, body=body, timeout=template.get("timeout"), headers=headers
        )
        return result

    def update(self, template_id: str, **patch: Any) -> WorkflowTemplate:
        """Change fields of a template the caller owns (``PATCH``); returns the new version.

        Only the fields given are sent, checked as :meth:`create` checks them (``extra_body``
        too); Sogni bumps the patch version. ``timeout`` bounds the call. ``NotFoundError``
        for a template that is not the caller's.
        """
        path = path_of(_ROUTE, check_id(template_id, "template_id"))
        if "idempotency_key" in patch:
            raise TypeError(
                "workflows.templates.update() takes no idempotency_key (a PATCH is repeatable)"
            )
        body = _fields(patch, "workflows.templates.update", partial=True)
        result: WorkflowTemplate = self._call(
            "PATCH", path, _template, body=body, timeout=patch.get("timeout")
        )
        return result

    def delete(self, template_id: str, *, timeout: float | None = None) -> WorkflowTemplateDeleted:
        """Delete a template the caller owns (``NotFoundError`` for one that is not)."""
        path = path_of(_ROUTE, check_id(template_id, "template_id"))
        result: WorkflowTemplateDeleted = self._call("DELETE", path, _deleted, timeout=timeout)
        if not result.id:
            result.id = template_id
        return result

    def fork(self, template_id: str, **body: Any) -> WorkflowTemplate:
        """Copy a template (one's own, or a public one) into a new private template.

        ``new_name``/``newName`` names the copy; ``timeout`` and ``idempotency_key`` as for
        :meth:`create`.
        """
        path = path_of(_ROUTE, check_id(template_id, "template_id"))
        wire: dict[str, Any] = {}
        for key, value in body.items():
            if key in ("timeout", "idempotency_key"):
                continue
            if key not in ("new_name", "newName"):
                raise TypeError(
                    f"workflows.templates.fork() got an unexpected keyword argument {key!r} (it "
                    "takes new_name, timeout and idempotency_key)"
                )
            if "newName" in wire:
                raise TypeError("workflows.templates.fork(): pass 'new_name' once")
            if value is not None:
                if not isinstance(value, str) or not value.strip():
                    raise ValueError(f"new_name must be a non-empty string; got {value!r}")
                wire["newName"] = value
        result: WorkflowTemplate = self._call(
            "POST",
            f"{path}/fork",
            _template,
            body=wire,
            timeout=body.get("timeout"),
            headers=idempotency_headers(body),
        )
        return result
