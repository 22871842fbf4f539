"""Hosted tools called directly: ``POST /v1/creative-agent/tools/execute``.

Only Sogni's synchronous composition tools run here, at once; a media tool needs a workflow
(:mod:`._routes_workflows`). The same tools run inline in a chat completion
(:mod:`._routes_chat`).
"""

from __future__ import annotations

from typing import Any

from ._hosted import compose
from ._http import BaseHandler
from ._model import tokens
from ._wire import Reply, sogni_error


class ToolRoutes(BaseHandler):
    """The hosted tool route, a mixin of the emulator's handler."""

    def _execute_tool(self, body: dict[str, Any]) -> None:
        """``POST creative-agent/tools/execute``: a composition tool's result."""
        tool, arguments = body.get("tool"), body.get("arguments", {})
        if not isinstance(tool, str) or not isinstance(arguments, dict):
            raise Reply(
                400, sogni_error("tool (a name) and arguments (an object) are required", 400)
            )
        if tool not in self.emulator.catalog.composition:
            raise Reply(
                400,
                sogni_error(f"{tool} is not a synchronous composition tool; start a workflow", 400),
            )
        result, message = compose(tool, arguments, tokens)
        data = {
            "toolCallId": f"tc_{self.request_id}",
            "tool": tool,
            "result": result,
            "message": message,
        }
        self._send_json(200, {"status": "success", "data": data})
