"""What crosses the emulator's wire besides answers: recorded requests, faults, error bodies.

Every module of the emulator may import this one; it imports only the standard library,
attrs and requests' ``CaseInsensitiveDict``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

import attrs
from requests.structures import CaseInsensitiveDict

DropPoint = Literal["before_status", "after_headers", "mid_body"]
DROP_POINTS = ("before_status", "after_headers", "mid_body")


@attrs.frozen
class RecordedRequest:
    """One request the emulator received: ``method``, ``path`` (with query), headers, body."""

    method: str
    path: str
    headers: CaseInsensitiveDict[str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or ``None`` when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@attrs.define
class Fault:
    """What to do instead of (or while) answering the next ``remaining`` matching requests."""

    remaining: int
    path: str | None
    status: int | None = None
    body: Any = None
    headers: Mapping[str, str] | None = None
    drop: DropPoint | None = None
    delay: float = 0.0
    stall: float = 0.0
    drip: float = 0.0

    def matches(self, path: str) -> bool:
        """Whether the fault applies to a request for ``path``."""
        return self.path is None or self.path in path


def openai_error(message: str, kind: str, code: str | None = None, param: str | None = None) -> Any:
    """An OpenAI error envelope, as the OpenAI-compatible routes answer."""
    return {"error": {"message": message, "type": kind, "code": code, "param": param}}


def sogni_error(message: str, code: int) -> Any:
    """A Sogni error body, as Sogni's own routes answer."""
    return {"status": "error", "message": message, "errorCode": code}


def parse_sequence(value: str | None) -> int:
    """An ``after``/``Last-Event-ID`` value as a sequence number (0 when absent or bad)."""
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def unknown_model(model: str) -> Any:
    """The 404 body for a model the emulator does not serve."""
    return openai_error(
        f"The model '{model}' does not exist",
        "invalid_request_error",
        "model_not_found",
        "model",
    )


class Reply(Exception):
    """Raised by a route to answer with an error status at once."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers
