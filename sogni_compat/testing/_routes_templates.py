"""Workflow templates: ``/v1/creative-agent/workflows/templates`` and everything under it.

``GET`` (a page: ``?visibility=own|public|all&offset=&limit=``, ``data.templates`` and
``data.next``, the next offset or ``null``), ``POST`` (create, 201), ``GET/PATCH/DELETE
.../{id}`` and ``POST .../{id}/fork`` (201), each answered in Sogni's ``{"status":
"success", "data": {...}}`` envelope (``data.template``; ``data.deleted`` and ``data.id`` for a
delete). An id nobody saved is 404 (the documentation: "Update and delete treat 'not owned' the
same as 'not found'"). The records are :mod:`._templates`'.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ._hosted import wall_time
from ._http import BaseHandler
from ._templates import TemplateError, forked, listing, new_template, patched
from ._wire import RecordedRequest, Reply, sogni_error

#: Most templates one page holds, and the page size when ``limit`` is not given.
MAX_PAGE = 200
DEFAULT_PAGE = 50


class TemplateRoutes(BaseHandler):
    """The workflow template routes, a mixin of the emulator's handler."""

    def _templates_route(
        self, request: RecordedRequest, rest: list[str], query: Mapping[str, str]
    ) -> None:
        """Answer ``METHOD creative-agent/workflows/templates/<rest...>``."""
        method = request.method
        try:
            if not rest and method == "GET":
                self._list_templates(query)
            elif not rest and method == "POST":
                self._save_template(_body(request))
            elif len(rest) == 1 and method == "GET":
                self._send_template(self._template(rest[0]))
            elif len(rest) == 1 and method == "PATCH":
                self._patch_template(rest[0], _body(request))
            elif len(rest) == 1 and method == "DELETE":
                self._delete_template(rest[0])
            elif rest[1:] == ["fork"] and method == "POST":
                self._fork_template(rest[0], _body(request, empty_ok=True))
            else:
                raise Reply(404, sogni_error(f"Unknown route: {method} {request.path}", 404))
        except TemplateError as exc:
            raise Reply(exc.status, sogni_error(exc.message, exc.status)) from None

    def _template(self, template_id: str) -> dict[str, Any]:
        with self.emulator._lock:
            found = self.emulator._templates.get(template_id)
        if found is None:
            raise TemplateError(404, f"Workflow template {template_id} not found")
        return found

    def _send_template(self, template: Mapping[str, Any], status: int = 200) -> None:
        self._send_json(status, {"status": "success", "data": {"template": template}})

    def _list_templates(self, query: Mapping[str, str]) -> None:
        """``GET .../templates``: one page, newest last, and where the next one starts."""
        visibility = query.get("visibility", "all")
        if visibility not in ("own", "public", "all"):
            raise TemplateError(400, "visibility must be own, public or all")
        try:
            offset = max(0, int(query.get("offset", 0)))
            limit = max(1, min(MAX_PAGE, int(query.get("limit", DEFAULT_PAGE))))
        except ValueError:
            raise TemplateError(400, "offset and limit must be integers") from None
        with self.emulator._lock:
            saved = list(self.emulator._templates.values())
        page, following = listing(saved, visibility, offset, limit)
        data = {"templates": page, "next": following}
        self._send_json(200, {"status": "success", "data": data})

    def _save_template(self, body: dict[str, Any]) -> None:
        """``POST .../templates``: save a new template, 201."""
        now = wall_time(time.monotonic())
        with self.emulator._lock:
            template = new_template(body, list(self.emulator._templates), now)
            self.emulator._templates[template["id"]] = template
        self._send_template(template, 201)

    def _patch_template(self, template_id: str, body: dict[str, Any]) -> None:
        """``PATCH .../templates/{id}``: change fields of a saved template."""
        now = wall_time(time.monotonic())
        with self.emulator._lock:
            found = self.emulator._templates.get(template_id)
            if found is None:
                raise TemplateError(404, f"Workflow template {template_id} not found")
            template = self.emulator._templates[template_id] = patched(found, body, now)
        self._send_template(template)

    def _delete_template(self, template_id: str) -> None:
        """``DELETE .../templates/{id}``: forget a saved template."""
        with self.emulator._lock:
            if self.emulator._templates.pop(template_id, None) is None:
                raise TemplateError(404, f"Workflow template {template_id} not found")
        data = {"deleted": True, "id": template_id}
        self._send_json(200, {"status": "success", "data": data})

    def _fork_template(self, template_id: str, body: dict[str, Any]) -> None:
        """``POST .../templates/{id}/fork``: a private copy, 201."""
        now = wall_time(time.monotonic())
        with self.emulator._lock:
            found = self.emulator._templates.get(template_id)
            if found is None:
                raise TemplateError(404, f"Workflow template {template_id} not found")
            template = forked(found, body, list(self.emulator._templates), now)
            self.emulator._templates[template["id"]] = template
        self._send_template(template, 201)


def _body(request: RecordedRequest, *, empty_ok: bool = False) -> dict[str, Any]:
    """The request's JSON object (``{}`` for no body when ``empty_ok``); 400 otherwise."""
    if not request.body and empty_ok:
        return {}
    data = request.json
    if not isinstance(data, dict):
        raise TemplateError(400, "The body must be a JSON object")
    return data
