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
from collections.abc import Iterator, Mapping
from typing import Any

import requests

from .._errors import APIResponseValidationError
from .._options import RequestOptions
from .._wire import decode_json
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
}
#: Keywords of ``create``/``update``/``fork`` that are request options, not template fields.
_OPTIONS = ("timeout", "idempotency_key")
_TEXT_FIELDS = ("id", "name", "version", "description", "category", "stability", "visibility")
_LIST_FIELDS = ("inputs", "stages", "tags")


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


def _fields(given: Mapping[str, Any], function: str, *, partial: bool) -> dict[str, Any]:
    """A template (or a patch) as the wire wants it: camelCase, checked, ``None`` dropped."""
    body: dict[str, Any] = {}
    for key, value in given.items():
        if key in _OPTIONS:
            continue
        name = _FIELD_ALIASES.get(key, key)
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
    if partial and "id" in body:
        raise TypeError(f"{function}(): a template's id cannot be changed")
    if partial and not body:
        raise TypeError(f"{function}() needs at least one field to change")
    return body


class WorkflowTemplates(Resource):
    """``client.workflows.templates``: list, read, save, change, delete and fork templates."""

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
        snake_case spellings too), plus ``timeout`` (seconds for the call) and
        ``idempotency_key``. Sogni mints an ``id`` from the name when none is given.
        """
        body = _fields(template, "templates.create", partial=False)
        headers = idempotency_headers(template)
        result: WorkflowTemplate = self._call(
            "POST", _ROUTE, _template, body=body, timeout=template.get("timeout"), headers=headers
        )
        return result

    def update(self, template_id: str, **patch: Any) -> WorkflowTemplate:
        """Change fields of a template the caller owns (``PATCH``); returns the new version.

        Only the fields given are sent; Sogni bumps the patch version. ``timeout`` bounds
        the call. ``NotFoundError`` for a template that is not the caller's.
        """
        path = path_of(_ROUTE, check_id(template_id, "template_id"))
        if "idempotency_key" in patch:
            raise TypeError("templates.update() takes no idempotency_key (a PATCH is repeatable)")
        body = _fields(patch, "templates.update", partial=True)
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
            if key in _OPTIONS:
                continue
            if key not in ("new_name", "newName"):
                raise TypeError(
                    f"templates.fork() got an unexpected keyword argument {key!r} (it takes "
                    "new_name, timeout and idempotency_key)"
                )
            if "newName" in wire:
                raise TypeError("templates.fork(): pass 'new_name' once")
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
