"""Following one Sogni workflow or durable chat run to its end, within one deadline.

:class:`Follower` reads ``GET {resource}/events/stream`` and yields each JSON event once, in
order. After every end of the stream (a final event, a drop, an idle gap) it fetches the
resource's snapshot: a final status there ends the wait; otherwise it reconnects with
``Last-Event-ID`` (the last event it yielded, so nothing is lost) after a backoff of
0.5 s doubling to 30 s (never less than the stream's ``retry:`` or a 429/503's ``Retry-After``;
a connection that stayed open 30 s resets it), at most :data:`MAX_WORKFLOW_RECONNECTS` times.
A server that ignores ``Last-Event-ID`` and replays the stream is not believed twice: an event
whose id is below the last numeric one, or whose id and data were yielded before (the last
:data:`MAX_REMEMBERED_EVENTS` are remembered), is skipped.
:func:`follow_workflow` makes the workflow flavour the tool loop uses.

Everything, the requests, the reads and the waits, ends by ``deadline``: a stream that keeps
sending heartbeats cannot hold the caller past it. Each read also ends after the read timeout
without an event (comments do not count).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import attrs
import requests

from .._config import (
    CANCEL_TIMEOUT,
    MAX_REMEMBERED_EVENTS,
    MAX_RETRY_AFTER,
    MAX_WORKFLOW_RECONNECTS,
    WORKFLOW_RECONNECT_DELAY,
    WORKFLOW_RECONNECT_MAX_DELAY,
)
from .._errors import (
    TRANSPORT_ERRORS,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    translate_error,
)
from .._json import loads
from .._options import RequestOptions, Timeout
from .._secrets import excerpt
from .._sse import EventTooLargeError, SSEDecoder
from .._transport import DEADLINE, byte_chunks
from .._wire import status_of, workflow_of

if TYPE_CHECKING:
    from .._requester import Requester

__all__ = [
    "FINAL_STATUSES",
    "FollowedEvent",
    "Follower",
    "WorkflowFailedError",
    "WorkflowTimeoutError",
    "cancel_quietly",
    "follow_workflow",
]

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


#: The longest event id kept to resume with (``Last-Event-ID``).
_MAX_EVENT_ID = 256


def _header_safe(event_id: str | None) -> str | None:
    """An event id usable as a ``Last-Event-ID`` header: short printable ASCII, else ``None``."""
    if not event_id or len(event_id) > _MAX_EVENT_ID or not event_id.isascii():
        return None
    if not event_id.isprintable() or event_id != event_id.strip():
        return None
    return event_id


def _sequence(event_id: str | None) -> int | None:
    """A numeric event id as a number; ``None`` for any other id."""
    if event_id is not None and event_id.isascii() and event_id.isdigit():
        return int(event_id)
    return None


def _opened(response: requests.Response) -> requests.Response:
    return response


def _transient(error: APIError) -> bool:
    """Whether an error while following is worth a reconnect (not a refusal)."""
    if isinstance(error, APIConnectionError):
        return True
    status = getattr(error, "status_code", None)
    return isinstance(status, int) and (status in _PASSING or status >= 500)


@attrs.frozen
class FollowedEvent:
    """One event of a followed stream: its ``id:``, ``event:`` name and JSON ``data``."""

    id: str | None
    event: str | None
    data: dict[str, Any]


def _workflow_final_event(event: FollowedEvent) -> bool:
    return status_of(event.data) in FINAL_STATUSES


def _workflow_final_snapshot(snapshot: Mapping[str, Any]) -> bool:
    return status_of(snapshot) in FINAL_STATUSES


@attrs.define
class Follower:
    """Follows one resource's event stream until its snapshot is final, or the deadline.

    ``path`` is the resource (``creative-agent/workflows/ID``); ``snapshot`` parses its
    ``GET``; ``final_event`` says an event ends the stream, ``final_snapshot`` that the
    resource is done; events named in ``skip`` are read but not yielded. ``what`` names the
    resource in errors; ``budget`` is how the deadline was set, for the timeout message.
    """

    client: Requester
    path: str
    deadline: float
    timeout: Timeout
    snapshot: Callable[[requests.Response], dict[str, Any]] = workflow_of
    final_event: Callable[[FollowedEvent], bool] = _workflow_final_event
    final_snapshot: Callable[[Mapping[str, Any]], bool] = _workflow_final_snapshot
    skip: frozenset[str] = frozenset()
    what: str = "workflow"
    budget: str = ""
    headers: Mapping[str, str | None] | None = None
    last_event_id: str | None = None
    reconnects: int = 0
    #: The final snapshot, once :meth:`events` has finished.
    final: dict[str, Any] | None = None
    #: Consecutive short connections: the exponent of the backoff.
    _streak: int = 0
    _retry_hint: float = 0.0
    #: ``(id, hash of data)`` of the events yielded, oldest first, at most
    #: :data:`MAX_REMEMBERED_EVENTS`.
    _seen: OrderedDict[tuple[str, int], None] = attrs.field(factory=OrderedDict)
    _last_look: bool = False
    _problem: str = ""
    _wait: float = 0.0

    def timed_out(self) -> WorkflowTimeoutError:
        """The error for a deadline that passed."""
        return WorkflowTimeoutError(f"{self.what} did not finish within {self.budget}")

    def _options(self, extra: Mapping[str, str] | None = None) -> RequestOptions:
        connect, read = self.timeout
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self.timed_out()
        return RequestOptions(
            extra_headers={**(self.headers or {}), **(extra or {})},
            timeout=(connect, min(read, remaining)),
        )

    def _snapshot(self) -> dict[str, Any]:
        """One ``GET`` of the resource, within the deadline."""
        return self.client._request(
            "GET", self.path, options=self._options(), parse=self.snapshot, deadline=self.deadline
        )

    def fetch(self) -> dict[str, Any] | None:
        """The resource's snapshot now, or ``None`` after a passing failure (a 5xx, a drop).

        A refusal is raised as :class:`WorkflowFailedError`, a passed deadline as
        :class:`WorkflowTimeoutError`, as while following.
        """
        try:
            return self._snapshot()
        except APIError as exc:
            if time.monotonic() >= self.deadline:
                raise self.timed_out() from exc
            if not _transient(exc):
                raise WorkflowFailedError(exc.message) from exc
            return None

    def events(self, done: bool = False) -> Iterator[FollowedEvent]:
        """Yield every event until a snapshot is final (``done``: it is known to be already).

        Afterwards :attr:`final` holds that snapshot.
        """
        while True:
            self._problem, self._wait = "", 0.0
            if not done:
                yield from self._listen()
            try:
                snapshot = self._snapshot()
            except APIError as exc:
                if not _transient(exc):
                    raise WorkflowFailedError(exc.message) from exc
                self._problem = exc.message
                self._wait = max(self._wait, getattr(exc, "retry_after", None) or 0.0)
            else:
                if self.final_snapshot(snapshot):
                    self.final = snapshot
                    return
                status = snapshot.get("status")
                self._problem = self._problem or f"the {self.what} still reports status {status!r}"
            done = False
            self._pause()

    def _pause(self) -> None:
        """Wait before the next reconnect, or fail when there may be none."""
        self.reconnects += 1
        if self.reconnects > MAX_WORKFLOW_RECONNECTS:
            raise WorkflowFailedError(
                f"lost the event stream of {self.what} after {MAX_WORKFLOW_RECONNECTS} "
                f"reconnects: {self._problem}"
            )
        delay = min(
            WORKFLOW_RECONNECT_DELAY * 2.0 ** min(self._streak, 32), WORKFLOW_RECONNECT_MAX_DELAY
        )
        asked = min(max(self._wait, self._retry_hint), MAX_RETRY_AFTER)
        delay = max(delay, asked)
        self._streak += 1
        left = self.deadline - time.monotonic()
        if delay >= left:
            # The wait would pass the deadline: once, with a second or more left, wait all
            # but a moment and look a last time; otherwise give up now.
            if self._last_look or left < 2.0:
                raise self.timed_out()
            self._last_look = True
            delay = left - 1.0
        logger.debug("reconnecting to %s in %.2fs: %s", self.what, delay, self._problem)
        self.client._sleep(delay)

    def _listen(self) -> Iterator[FollowedEvent]:
        """Yield the events of one connection; sets why it ended and how long to wait."""
        resume = {"Last-Event-ID": self.last_event_id} if self.last_event_id else None
        opened = time.monotonic()
        try:
            response = self.client._request(
                "GET",
                f"{self.path}/events/stream",
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
            self._problem = exc.message
            self._wait = (exc.retry_after if isinstance(exc, APIStatusError) else None) or 0.0
            return
        try:
            yield from self._read(response)
        finally:
            response.close()
            if time.monotonic() - opened >= WORKFLOW_RECONNECT_MAX_DELAY:
                self._streak = 0  # a healthy, long connection: start the backoff over

    def _read(self, response: requests.Response) -> Iterator[FollowedEvent]:
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
                        self._problem = f"no event for {idle:g} s"
                    else:
                        self._problem = f"the event stream failed: {error}"
                    return
                if data is None:
                    self._problem = f"the event stream ended before the {self.what} finished"
                    return
                try:
                    events = decoder.feed(data)
                except EventTooLargeError as exc:
                    raise WorkflowFailedError(f"{self.what}: {exc}") from None
                for event in events:
                    if event.retry is not None:
                        self._retry_hint = min(event.retry / 1000, WORKFLOW_RECONNECT_MAX_DELAY)
                    event_id = _header_safe(event.id)
                    if self._replayed(event.id, event.data):
                        continue  # the server sent an event it had sent before
                    followed = self._decode(event_id, event.event or None, event.data)
                    if event_id is not None:
                        self.last_event_id = event_id
                    if followed is None:
                        continue
                    # The id is recorded before the consumer sees the event: a consumer that
                    # stops here and follows again later resumes after it.
                    yield followed
                    if self.final_event(followed):
                        return
                if events:
                    due = min(time.monotonic() + idle, self.deadline)
                    DEADLINE.set(due)
                if time.monotonic() >= self.deadline:
                    raise self.timed_out()
        finally:
            DEADLINE.reset(token)

    def _replayed(self, event_id: str | None, data: str) -> bool:
        """Whether the server repeats an event; remembers the event when it does not.

        A repeat is a numeric id below the last one, or an id and data already seen. An
        event without an id of its own carries the last id, so an id alone proves nothing:
        the data must be the same too. Events without any id are never skipped.
        """
        if event_id is None or len(event_id) > _MAX_EVENT_ID:
            return False
        number = _sequence(event_id)
        before = _sequence(self.last_event_id)
        if number is not None and before is not None and number < before:
            return True
        key = (event_id, hash(data))
        seen = self._seen
        if key in seen:
            return True
        seen[key] = None
        if len(seen) > MAX_REMEMBERED_EVENTS:
            seen.popitem(last=False)
        return False

    def _decode(self, event_id: str | None, name: str | None, text: str) -> FollowedEvent | None:
        if name is not None and name in self.skip:
            return None
        try:
            data = loads(text)
        except ValueError:
            logger.debug("skipping an event that is not JSON: %r", excerpt(text, 200))
            return None
        if not isinstance(data, dict):
            return None
        return FollowedEvent(id=event_id, event=name, data=data)


def follow_workflow(
    client: Requester,
    workflow_id: str,
    deadline: float,
    timeout: Timeout,
    headers: Mapping[str, str | None] | None = None,
    *,
    tool_timeout: float,
) -> Follower:
    """A :class:`Follower` of one workflow, bounded by ``tool_timeout`` (named in errors)."""
    return Follower(
        client=client,
        path=f"creative-agent/workflows/{quote(workflow_id, safe='')}",
        deadline=deadline,
        timeout=timeout,
        what=f"workflow {workflow_id}",
        budget=f"tool_timeout={tool_timeout:g} s",
        headers=headers,
    )


def cancel_quietly(
    client: Requester,
    path: str,
    reason: str,
    timeout: Any,
    headers: Mapping[str, str | None] | None = None,
) -> bool:
    """``POST path`` with ``{"reason"}``: stop a job nobody follows any more (it would bill).

    One attempt, at most :data:`CANCEL_TIMEOUT` seconds; a failure is logged, not raised.
    Returns whether the server accepted it.
    """
    connect, read = timeout
    deadline = time.monotonic() + CANCEL_TIMEOUT
    try:
        client._request(
            "POST",
            path,
            body={"reason": reason},
            options=RequestOptions(
                extra_headers=headers,
                timeout=(min(connect, CANCEL_TIMEOUT), min(read, CANCEL_TIMEOUT)),
            ),
            parse=_ignore,
            deadline=deadline,
            retries=0,
        )
    except APIError as exc:
        logger.warning("could not cancel %s: %s", _job(path), exc.message)
        return False
    logger.info("cancelled %s: %s", _job(path), reason)
    return True


def _job(path: str) -> str:
    """``workflow ID`` / ``run ID`` for a ``.../{kind}s/{id}/cancel`` path, for log lines."""
    parts = path.split("/")
    return f"{parts[-3].rstrip('s')} {unquote(parts[-2])}" if len(parts) >= 3 else path


def _ignore(response: requests.Response) -> None:
    """A parse function for answers nobody reads."""
    return
