"""What the emulator remembers, shared by every connection: requests, faults, workflows, runs.

:class:`~._server.LocalSogniServer` is an :class:`EmulatorState` with a port; the route
handlers see it as ``self.emulator``, this class, and so need nothing from ``_server``.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Mapping
from typing import Any

from ._hosted import ProgressScale, SogniCatalog, Workflow
from ._runs import ChatRun
from ._wire import Fault, RecordedRequest, Reply, sogni_error

#: Requests kept by default (the most recent), and the bytes their bodies may hold together.
DEFAULT_MAX_RECORDED_REQUESTS = 10_000
DEFAULT_MAX_RECORDED_BYTES = 64 * 1024 * 1024
#: Bytes of uploaded files kept to be served back (the most recent uploads).
DEFAULT_MAX_UPLOAD_BYTES = 256 * 1024 * 1024
#: Largest request body read; a larger one is answered 413 unread.
MAX_REQUEST_BYTES = 128 * 1024 * 1024


class EmulatorState:
    """The settings, records and stores of one emulator, and what its handlers do with them.

    The settings are declared here and set by :class:`~._server.LocalSogniServer`, whose
    arguments they are; every store is guarded by ``_lock``.
    """

    api_key: str | None
    models: tuple[str, ...]
    workflow_seconds: float
    progress_scale: ProgressScale
    max_active_workflows: int
    rate_limit: int | None
    stamp_chunks: bool
    catalog: SogniCatalog

    def __init__(
        self,
        max_recorded_requests: int = DEFAULT_MAX_RECORDED_REQUESTS,
        max_recorded_bytes: int = DEFAULT_MAX_RECORDED_BYTES,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    ) -> None:
        for name, value in (
            ("max_recorded_requests", max_recorded_requests),
            ("max_recorded_bytes", max_recorded_bytes),
            ("max_upload_bytes", max_upload_bytes),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")
        self.max_recorded_requests = max_recorded_requests
        self.max_recorded_bytes = max_recorded_bytes
        self.max_upload_bytes = max_upload_bytes
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        #: The most recent requests, and the bytes of their bodies together.
        self._requests: deque[RecordedRequest] = deque()
        self._recorded_bytes = 0
        self._faults: list[Fault] = []
        self._workflows: dict[str, Workflow] = {}
        #: Saved workflow templates by id (:mod:`._templates`), in the order they were made.
        self._templates: dict[str, dict[str, Any]] = {}
        self._runs: dict[str, ChatRun] = {}
        self._by_key: dict[str, str] = {}
        #: The most recent uploads (content type and bytes), at most ``max_upload_bytes``.
        self._uploads: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
        self._upload_bytes = 0
        self._recent: list[float] = []
        self._counter = itertools.count(1)
        self._received = 0
        self._open = 0

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>``: the server's own URL, for the URLs it hands out."""
        raise NotImplementedError

    def _record(self, request: RecordedRequest) -> tuple[int, Fault | None]:
        """Keep ``request``, forgetting the oldest beyond the bounds; its number and fault.

        The fault is the one the request uses up, if one matches.
        """
        with self._lock:
            kept = self._requests
            kept.append(request)
            self._recorded_bytes += len(request.body)
            while len(kept) > 1 and (
                len(kept) > self.max_recorded_requests
                or self._recorded_bytes > self.max_recorded_bytes
            ):
                self._recorded_bytes -= len(kept.popleft().body)
            self._received += 1
            number = next(self._counter)
            for fault in self._faults:
                if fault.matches(request.path):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return number, fault
        return number, None

    def _store_upload(self, key: str, content_type: str, data: bytes) -> None:
        """Keep an upload to serve back, forgetting the oldest beyond ``max_upload_bytes``."""
        with self._lock:
            uploads = self._uploads
            old = uploads.pop(key, None)
            if old is not None:
                self._upload_bytes -= len(old[1])
            uploads[key] = (content_type, data)
            self._upload_bytes += len(data)
            while len(uploads) > 1 and self._upload_bytes > self.max_upload_bytes:
                self._upload_bytes -= len(uploads.popitem(last=False)[1][1])

    def _connection(self, delta: int) -> None:
        """Count a client connection opened (``+1``) or closed (``-1``)."""
        with self._lock:
            self._open += delta

    def _wait(self, seconds: float) -> bool:
        """Sleep unless the server stops first; ``False`` when it stopped."""
        return not self._stopping.wait(seconds) if seconds > 0 else not self._stopping.is_set()

    def _workflow(self, workflow_id: str) -> Workflow:
        """The workflow ``workflow_id``, or a 404 answer."""
        with self._lock:
            workflow = self._workflows.get(workflow_id)
        if workflow is None:
            raise Reply(404, sogni_error(f"Workflow {workflow_id} not found", 404))
        return workflow

    def _limited(self) -> float | None:
        """Seconds to wait when over ``rate_limit`` requests in 60 s, else ``None``."""
        if self.rate_limit is None:
            return None
        now = time.monotonic()
        with self._lock:
            self._recent = [t for t in self._recent if now - t < 60.0]
            if len(self._recent) >= self.rate_limit:
                return 60.0 - (now - self._recent[0])
            self._recent.append(now)
        return None

    def _run(self, run_id: str) -> ChatRun:
        """The chat run ``run_id``, or a 404 answer."""
        with self._lock:
            run = self._runs.get(run_id)
        if run is None:
            raise Reply(404, sogni_error(f"Chat run {run_id} not found", 404))
        return run

    def _start_workflow(
        self,
        steps: list[dict[str, Any]],
        uploads: dict[str, list[str]],
        key: str | None,
        *,
        finished: bool = False,
        ceiling: float | None = None,
        earlier: Mapping[str, list[str]] | None = None,
    ) -> Workflow:
        """Start a workflow of ``steps`` (the one already started under ``key``, if any).

        ``finished``: dated so that it has already run (hosted tools run inside a chat);
        ``ceiling``: capacity units above which it waits for cost approval; ``earlier``: media
        made before it (a durable run's earlier tools), per kind. 409 when too many are active.
        """
        with self._lock:
            if key is not None and key in self._by_key:
                return self._workflows[self._by_key[key]]
            now = time.monotonic()
            active = sum(
                1
                for workflow in self._workflows.values()
                if workflow.status(now) in ("queued", "running")
            )
            if not finished and active >= self.max_active_workflows:
                raise Reply(
                    409,
                    sogni_error(
                        f"Too many active workflows ({active}); wait for one to finish", 409
                    ),
                )
            workflow_id = f"wf_{len(self._workflows) + 1}"
            workflow = Workflow(
                workflow_id=workflow_id,
                steps=steps,
                created=now - (self.workflow_seconds if finished else 0.0),
                duration=self.workflow_seconds,
                root_url=self.root_url,
                uploads=uploads,
                scale=self.progress_scale,
                earlier=dict(earlier or {}),
                pause_tools=self.catalog.control,
            )
            workflow.plan()
            workflow.needs_approval = ceiling is not None and workflow.units > ceiling
            self._workflows[workflow_id] = workflow
            if key is not None:
                self._by_key[key] = workflow_id
            return workflow
