"""Following one Sogni workflow to its end: its event stream, resumed, within one deadline.

:class:`WorkflowFollower` reads ``GET creative-agent/workflows/{id}/events/stream`` and hands
each JSON event to a callback. After every end of the stream (a final status, a drop, an idle
gap) it fetches the workflow's snapshot: a final status there ends the wait; otherwise it
reconnects with ``Last-Event-ID`` after a backoff of 0.5 s doubling to 30 s (never less than
the stream's ``retry:`` or a 429/503's ``Retry-After``; a connection that stayed open 30 s
resets it), at most :data:`MAX_WORKFLOW_RECONNECTS` times.

Everything, the requests, the reads and the waits, ends by ``deadline``: a stream that keeps
sending heartbeats cannot hold the caller past it. Each read also ends after the read timeout
without an event (comments do not count).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import attrs
import requests

from ._config import (
    MAX_WORKFLOW_RECONNECTS,
    WORKFLOW_RECONNECT_DELAY,
    WORKFLOW_RECONNECT_MAX_DELAY,
)
from ._errors import (
    TRANSPORT_ERRORS,
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    translate_error,
)
from ._json import loads
from ._params import RequestOptions, Timeout
from ._secrets import excerpt
from ._sse import EventTooLargeError, SSEDecoder
from ._transport import DEADLINE, byte_chunks
from .resources._base import decode_json

if TYPE_CHECKING:
    from ._client import OpenAI

__all__ = ["FINAL_STATUSES", "WorkflowFailedError", "WorkflowFollower", "success_data"]

logger = logging.getLogger("sogni_compat")

#: Workflow statuses after which nothing changes any more.
FINAL_STATUSES = frozenset(
    {"waiting_for_user", "completed", "partial_failure", "failed", "cancelled", "canceled"}
)
#: Statuses whose errors mean "try again later", not "this will never work".
_PASSING = (408, 409, 425, 429)


class WorkflowFailedError(Exception):
    """Following the workflow failed; the message says why (and is told to the model)."""


class WorkflowTimeoutError(WorkflowFailedError):
    """The deadline passed before the workflow finished."""


def success_data(response: requests.Response) -> dict[str, Any]:
    """``data`` of a ``{"status": "success", "data": {...}}`` answer."""
    body = decode_json(response)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise APIResponseValidationError(
            "Sogni's answer has no 'data' object", response=response, body=body
        )
    return data


def workflow_of(response: requests.Response) -> dict[str, Any]:
    """The workflow object of a workflow answer."""
    data = success_data(response)
    workflow = data.get("workflow", data)
    if not isinstance(workflow, dict):
        raise APIResponseValidationError(
            "Sogni's answer has no 'workflow' object", response=response, body=data
        )
    return workflow


def status_of(data: Mapping[str, Any]) -> str | None:
    """The status an event or snapshot reports (``status`` or ``workflow.status``), if a string."""
    status = data.get("status")
    nested = data.get("workflow")
    if status is None and isinstance(nested, dict):
        status = nested.get("status")
    return status if isinstance(status, str) else None


def _opened(response: requests.Response) -> requests.Response:
    return response


def _transient(error: APIError) -> bool:
    """Whether an error while following is worth a reconnect (not a refusal)."""
    if isinstance(error, APIConnectionError):
        return True
    status = getattr(error, "status_code", None)
    return isinstance(status, int) and (status in _PASSING or status >= 500)


@attrs.define
class WorkflowFollower:
    """Follows one workflow until a snapshot reports a final status, or the deadline."""

    client: OpenAI
    workflow_id: str
    deadline: float
    #: Called with every JSON object event; returns ``True`` when it reports a final status.
    on_event: Callable[[dict[str, Any]], bool]
    timeout: Timeout
    headers: Mapping[str, str | None] | None = None
    last_event_id: str | None = None
    reconnects: int = 0
    #: Consecutive short connections: the exponent of the backoff.
    _streak: int = 0
    _retry_hint: float = 0.0

    def timed_out(self) -> WorkflowTimeoutError:
        """The error for a deadline that passed."""
        return WorkflowTimeoutError(
            f"workflow {self.workflow_id} did not finish within tool_timeout="
            f"{self.client.tool_timeout:g} s"
        )

    def _options(self, extra: Mapping[str, str] | None = None) -> RequestOptions:
        connect, read = self.timeout
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self.timed_out()
        return RequestOptions(
            extra_headers={**(self.headers or {}), **(extra or {})},
            timeout=(connect, min(read, remaining)),
        )

    def _path(self, suffix: str = "") -> str:
        return f"creative-agent/workflows/{quote(self.workflow_id, safe='')}{suffix}"

    def run(self, status: object) -> dict[str, Any]:
        """Follow the workflow (last known ``status``) and return its final snapshot."""
        while True:
            problem, wait = "", 0.0
            if status not in FINAL_STATUSES:
                problem, wait = self._listen()
            try:
                snapshot = self.client._request(
                    "GET",
                    self._path(),
                    options=self._options(),
                    parse=workflow_of,
                    deadline=self.deadline,
                )
            except APIError as exc:
                if not _transient(exc):
                    raise WorkflowFailedError(exc.message) from exc
                problem, wait = exc.message, max(wait, getattr(exc, "retry_after", None) or 0.0)
            else:
                status = status_of(snapshot)
                if status in FINAL_STATUSES:
                    return snapshot
                problem = problem or f"the workflow still reports status {status!r}"
            self._pause(problem, wait)

    def _pause(self, problem: str, wait: float) -> None:
        """Wait before the next reconnect, or fail when there may be none."""
        self.reconnects += 1
        if self.reconnects > MAX_WORKFLOW_RECONNECTS:
            raise WorkflowFailedError(
                f"lost the event stream of workflow {self.workflow_id} after "
                f"{MAX_WORKFLOW_RECONNECTS} reconnects: {problem}"
            )
        delay = min(
            WORKFLOW_RECONNECT_DELAY * 2.0 ** min(self._streak, 32), WORKFLOW_RECONNECT_MAX_DELAY
        )
        delay = max(delay, wait, self._retry_hint)
        self._streak += 1
        if time.monotonic() + delay >= self.deadline:
            raise self.timed_out()
        logger.debug("reconnecting to workflow %s in %.2fs: %s", self.workflow_id, delay, problem)
        self.client._sleep(delay)

    def _listen(self) -> tuple[str, float]:
        """Read the event stream until it ends; ``(why it ended, seconds asked to wait)``.

        Returns early, with an empty reason, after an event that reports a final status.
        """
        resume = {"Last-Event-ID": self.last_event_id} if self.last_event_id else None
        opened = time.monotonic()
        try:
            response = self.client._request(
                "GET",
                self._path("/events/stream"),
                options=self._options(resume),
                stream=True,
                parse=_opened,
                deadline=self.deadline,
            )
        except APIError as exc:
            if time.monotonic() >= self.deadline:
                raise self.timed_out() from exc
            if not _transient(exc):
                raise WorkflowFailedError(exc.message) from exc
            return exc.message, (
                exc.retry_after if isinstance(exc, APIStatusError) else None
            ) or 0.0
        try:
            return self._read(response), 0.0
        finally:
            response.close()
            if time.monotonic() - opened >= WORKFLOW_RECONNECT_MAX_DELAY:
                self._streak = 0  # a healthy, long connection: start the backoff over

    def _read(self, response: requests.Response) -> str:
        decoder = SSEDecoder(self.client.max_event_bytes)
        idle = self.timeout[1]
        due = min(time.monotonic() + idle, self.deadline)
        chunks = byte_chunks(response.raw)
        token = DEADLINE.set(due)
        try:
            while True:
                try:
                    data = next(chunks, None)
                except TRANSPORT_ERRORS as exc:
                    if time.monotonic() >= self.deadline:
                        raise self.timed_out() from exc
                    error = translate_error(exc, response.request)
                    if isinstance(error, APITimeoutError):
                        return f"no event for {idle:g} s"
                    return f"the event stream failed: {error}"
                if data is None:
                    return "the event stream ended before the workflow finished"
                try:
                    events = decoder.feed(data)
                except EventTooLargeError as exc:
                    raise WorkflowFailedError(f"workflow {self.workflow_id}: {exc}") from None
                for event in events:
                    if event.id:
                        self.last_event_id = event.id
                    if event.retry is not None:
                        self._retry_hint = min(event.retry / 1000, WORKFLOW_RECONNECT_MAX_DELAY)
                    if self._dispatch(event.data):
                        return ""
                if events:
                    due = min(time.monotonic() + idle, self.deadline)
                    DEADLINE.set(due)
                if time.monotonic() >= self.deadline:
                    raise self.timed_out()
        finally:
            DEADLINE.reset(token)

    def _dispatch(self, text: str) -> bool:
        try:
            data = loads(text)
        except ValueError:
            logger.debug("skipping a workflow event that is not JSON: %r", excerpt(text, 200))
            return False
        if not isinstance(data, dict):
            return False
        return self.on_event(data)
