"""Helpers for the auto-tool loop tests: tool-call answers and a progress recorder."""

from __future__ import annotations

import io
import json
from typing import Any

from sogni_compat import ChatCompletionMessageToolCall, ToolProgress
from sogni_compat.types.chat import ChatCompletionToolParam

from ._helpers import completion

WEATHER_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def asks_for(*calls: tuple[str, Any], content: str | None = None) -> dict[str, Any]:
    """A completion whose one choice stops to call ``(name, arguments)`` tools.

    ``arguments`` that are not a string are JSON-encoded, as the server sends them.
    """
    tool_calls = [
        {
            "id": f"call_{i}",
            "type": "function",
            "function": {
                "name": name,
                "arguments": args if isinstance(args, str) else json.dumps(args),
            },
        }
        for i, (name, args) in enumerate(calls)
    ]
    body = completion()
    body["choices"][0]["finish_reason"] = "tool_calls"
    body["choices"][0]["message"] = {
        "role": "assistant",
        "content": content,
        "tool_calls": tool_calls,
    }
    return body


class Progress:
    """Records ``on_tool_progress`` calls as ``(tool name, status, percent, eta, urls)``."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, str, float, float | None, list[str]]] = []
        self.objects: list[ToolProgress] = []

    def __call__(self, call: ChatCompletionMessageToolCall, progress: ToolProgress) -> None:
        self.objects.append(progress)
        self.reports.append(
            (
                call.function.name,
                progress.status,
                progress.percent,
                progress.eta,
                progress.result_urls,
            )
        )

    @property
    def statuses(self) -> list[str]:
        """Just the statuses, in order."""
        return [report[1] for report in self.reports]


class DroppingBody(io.RawIOBase):
    """A response body that delivers ``data`` and then fails like a reset connection."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def readable(self) -> bool:
        """It is read, never written."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Copy what is left of ``data``; then raise as a dropped socket would."""
        if not self._data:
            raise ConnectionResetError("connection reset by peer")
        n = min(len(buffer), len(self._data))
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


def dropping(data: str) -> io.BufferedReader:
    """A body for ``responses`` that breaks off after ``data``."""
    return io.BufferedReader(DroppingBody(data.encode()))
