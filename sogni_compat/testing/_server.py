"""``LocalSogniServer``: Sogni's REST API emulated on a loopback port, standard library only."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:
    from .._client import OpenAI

from ._hosted import ProgressScale, load_catalog, wall_time
from ._http import QuietHTTPServer
from ._model import MODELS
from ._routes_chat import ChatRoutes
from ._routes_media import MediaRoutes
from ._routes_models import ModelRoutes
from ._routes_runs import RunRoutes
from ._routes_templates import TemplateRoutes
from ._routes_tools import ToolRoutes
from ._routes_workflows import WorkflowRoutes
from ._state import (
    DEFAULT_MAX_RECORDED_BYTES,
    DEFAULT_MAX_RECORDED_REQUESTS,
    DEFAULT_MAX_UPLOAD_BYTES,
    EmulatorState,
)
from ._templates import from_steps
from ._wire import (
    DROP_POINTS,
    DropPoint,
    Fault,
    RecordedRequest,
    Reply,
    openai_error,
    sogni_error,
)

__all__ = ["DropPoint", "LocalSogniServer", "RecordedRequest"]


class LocalSogniServer(EmulatorState):
    """Sogni's REST API on a free loopback port, for trying the client without key or network.

    Use it as a context manager (or call :meth:`start` / :meth:`stop`); ``base_url`` is
    ``http://127.0.0.1:<port>/v1``. It serves ``chat/completions`` (plain and streamed, tool
    calls, usage, errors), ``models``, ``models/{id}``, ``creative-agent/tools/execute``,
    ``creative-agent/workflows`` (start, snapshot, SSE event stream with ``Last-Event-ID`` or
    ``?after=``, ``cancel``, ``resume``, ``reseed``), ``creative-agent/workflows/templates``
    (list, create, get, update, delete, fork), ``chat/runs``, the LLM price estimate and the
    media upload routes (``image/uploadUrl``,
    ``media/uploadUrl``, their ``downloadUrl`` and the presigned ``PUT``). Its model is the
    deterministic echo described in :mod:`sogni_compat.testing._model`; its hosted tools follow
    Sogni's published catalogue (:mod:`sogni_compat.testing._hosted`). The most recent requests
    are kept in :attr:`requests`; :meth:`fail_next`, :meth:`drop_next` and :meth:`slow_next`
    script faults.

    ``api_key``: when given, only ``Bearer <api_key>`` is accepted; by default any key is.
    ``workflow_seconds``: how long a workflow takes from start to finish.
    ``progress_scale``: ``"fraction"`` (0-1 with ``etaSeconds``, as Sogni documents) or
    ``"percent"`` (0-100 with ``eta``).
    ``max_active_workflows``: more unfinished workflows than this and a start gets 409.
    ``rate_limit``: requests per 60 s before a 429 with ``Retry-After`` (``None``: no limit);
    the OpenAI-compatible routes (``chat/completions``, ``models``) answer it with an
    OpenAI-shaped error, as Sogni's LLM API page says, Sogni's own routes with its envelope.
    ``stamp_chunks``: add ``"sent_at": time.monotonic()`` to every streamed chat chunk, taken
    just before it is written (for latency measurements on the same machine).
    ``max_recorded_requests`` and ``max_recorded_bytes``: :attr:`requests` keeps the most
    recent requests, at most this many (default 10,000) with bodies of at most this many
    bytes together (default 64 MiB; the newest request is always kept), so a server left
    running for days stays within a fixed size; :attr:`requests_received` counts them all.
    ``max_upload_bytes``: uploaded files kept to be served back, the most recent first
    (default 256 MiB). A request body over 128 MiB is answered 413 without being read.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        models: Sequence[str] = MODELS,
        workflow_seconds: float = 0.3,
        progress_scale: ProgressScale = "fraction",
        max_active_workflows: int = 4,
        rate_limit: int | None = None,
        stamp_chunks: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        max_recorded_requests: int = DEFAULT_MAX_RECORDED_REQUESTS,
        max_recorded_bytes: int = DEFAULT_MAX_RECORDED_BYTES,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    ) -> None:
        super().__init__(max_recorded_requests, max_recorded_bytes, max_upload_bytes)
        self.api_key = api_key
        self.models = tuple(models)
        self.workflow_seconds = workflow_seconds
        self.progress_scale = progress_scale
        self.max_active_workflows = max_active_workflows
        self.rate_limit = rate_limit
        self.stamp_chunks = stamp_chunks
        self.catalog = load_catalog()
        self._address = (host, port)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> LocalSogniServer:
        """Bind the port and serve in a background thread; returns ``self``."""
        if self._httpd is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"emulator": self})
        httpd = QuietHTTPServer(self._address, handler)
        self._httpd = httpd
        self._stopping.clear()
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="LocalSogniServer", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; waiting answers (slow or stalled) are cut short."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> LocalSogniServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>`` (the server must be started)."""
        if self._httpd is None:
            raise RuntimeError("the server is not running; use it as a context manager or start()")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """The ``base_url`` to give a client: ``http://127.0.0.1:<port>/v1``."""
        return f"{self.root_url}/v1"

    def client(self, **options: Any) -> OpenAI:
        """A :class:`sogni_compat.OpenAI` pointed at this server (options are passed on)."""
        from .._client import OpenAI  # noqa: PLC0415 - the emulator itself uses no client code

        options.setdefault("api_key", self.api_key or "local-test-key")
        return OpenAI(base_url=self.base_url, **options)

    # -- what happened ---------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (a copy).

        The most recent ones: at most ``max_recorded_requests``, with bodies of at most
        ``max_recorded_bytes`` together; :attr:`requests_received` says whether any were
        forgotten.
        """
        with self._lock:
            return list(self._requests)

    @property
    def requests_received(self) -> int:
        """How many requests were received, the forgotten ones included."""
        with self._lock:
            return self._received

    @property
    def open_connections(self) -> int:
        """Client connections currently open to the server."""
        with self._lock:
            return self._open

    # -- faults ----------------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        path: str | None = None,
    ) -> None:
        """Answer the next ``count`` requests with ``status``, ``body`` and ``headers``.

        ``body``: a dict or list (sent as JSON), a ``str`` (text; HTML when it starts with
        ``<``) or ``bytes`` (sent as they are); by default an OpenAI error envelope. ``path``
        limits the fault to requests whose path contains it (e.g. ``"chat/completions"``).
        """
        self._add(Fault(count, path, status=status, body=body, headers=headers))

    def drop_next(
        self, count: int = 1, *, when: DropPoint = "before_status", path: str | None = None
    ) -> None:
        """Drop the connection of the next ``count`` requests.

        ``when``: ``"before_status"`` (nothing is sent), ``"after_headers"`` (status and
        headers, no body) or ``"mid_body"`` (half of the body, or the first event of a stream).
        """
        if when not in DROP_POINTS:
            raise ValueError(f"when must be one of {', '.join(DROP_POINTS)}; got {when!r}")
        self._add(Fault(count, path, drop=when))

    def slow_next(
        self,
        count: int = 1,
        *,
        seconds: float,
        between_events: bool = False,
        drip: bool = False,
        path: str | None = None,
    ) -> None:
        """Delay the next ``count`` answers by ``seconds`` (a long delay never answers).

        With ``between_events=True`` a stream sends its first event at once and then stalls
        ``seconds`` before the rest. With ``drip=True`` a (non-stream) body trickles out one
        byte every ``seconds``, each byte arriving well within a read timeout.
        """
        if between_events:
            self._add(Fault(count, path, stall=seconds))
        elif drip:
            self._add(Fault(count, path, drip=seconds))
        else:
            self._add(Fault(count, path, delay=seconds))

    def clear_faults(self) -> None:
        """Forget every fault not used yet."""
        with self._lock:
            self._faults.clear()

    def _add(self, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError(f"count must be at least 1; got {fault.remaining}")
        with self._lock:
            self._faults.append(fault)

    def workflow(self, workflow_id: str) -> dict[str, Any]:
        """A workflow as ``GET creative-agent/workflows/{id}`` shows it now (``KeyError``)."""
        with self._lock:
            workflow = self._workflows.get(workflow_id)
        if workflow is None:
            raise KeyError(f"no workflow {workflow_id!r} was started on this server")
        return workflow.snapshot(time.monotonic())

    def add_template(self, template_id: str, steps: Sequence[Mapping[str, Any]]) -> None:
        """Save a workflow template: a start with ``workflow_id=template_id`` runs ``steps``.

        A string argument written ``"{{name}}"`` or ``"$inputs.name"`` is replaced by the
        start's ``inputs[name]``. Templates can also be saved over the API
        (``POST creative-agent/workflows/templates``).
        """
        template = from_steps(template_id, steps, wall_time(time.monotonic()))
        with self._lock:
            self._templates[template_id] = template


class _Handler(
    ChatRoutes, ToolRoutes, WorkflowRoutes, TemplateRoutes, RunRoutes, MediaRoutes, ModelRoutes
):
    """The emulator's request handler: the route table over one mixin per route family.

    Each mixin (a :class:`~._http.BaseHandler`) is in the ``_routes_*.py`` module named after
    its routes; the table below says which of their methods answers a request.
    """

    def _route(self, request: RecordedRequest) -> None:
        """Send ``request`` to its route: the emulator's route table."""
        split = urlsplit(request.path)
        path = unquote(split.path).rstrip("/")
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        if path.startswith("/media/") and self.command == "GET":
            self._media(path)
            return
        if path.startswith("/_upload/") and self.command == "PUT":
            self._receive_upload(path, request)
            return
        if path.startswith("/api/v1/job-llm/estimate/") and self.command == "GET":
            self._estimate(path[len("/api/v1/job-llm/estimate/") :].split("/"))
            return
        if not path.startswith("/v1/"):
            raise Reply(404, openai_error(f"Unknown route: {path}", "invalid_request_error"))
        self._check_key()
        parts = path[len("/v1/") :].split("/")
        wait = self.emulator._limited()
        if wait is not None:
            seconds = max(1, round(wait))
            message = "Rate limit exceeded: 60 requests per minute"
            if parts == ["chat", "completions"] or parts[0] == "models":
                # The LLM API page: "Returns HTTP 429 with an OpenAI-compatible error".
                body = openai_error(message, "rate_limit_error", "rate_limit_exceeded")
            else:
                body = {**sogni_error(message, 126), "retryAfter": seconds}
            raise Reply(429, body, {"Retry-After": str(seconds)})
        method = self.command
        workflows = parts[:2] == ["creative-agent", "workflows"]
        runs = parts[:2] == ["chat", "runs"]
        if parts[:3] == ["creative-agent", "workflows", "templates"]:
            self._templates_route(request, parts[3:], query)
        elif method == "POST" and parts == ["chat", "completions"]:
            self._chat(self._json_body(request))
        elif method == "GET" and parts == ["models"]:
            self._list_models()
        elif method == "GET" and len(parts) == 2 and parts[0] == "models":
            self._retrieve_model(parts[1])
        elif method == "GET" and len(parts) == 2 and parts[0] in ("image", "media"):
            self._upload_url(parts[0], parts[1], query)
        elif method == "POST" and parts == ["creative-agent", "tools", "execute"]:
            self._execute_tool(self._json_body(request))
        elif method == "POST" and parts == ["creative-agent", "workflows"]:
            self._create_workflow(self._json_body(request))
        elif method == "GET" and parts == ["creative-agent", "workflows"]:
            self._list_workflows(query)
        elif method == "GET" and len(parts) == 3 and workflows:
            self._send_workflow(self.emulator._workflow(parts[2]))
        elif method == "POST" and len(parts) == 4 and workflows and parts[3] == "cancel":
            self._cancel_workflow(self.emulator._workflow(parts[2]), request)
        elif method == "POST" and len(parts) == 4 and workflows and parts[3] == "resume":
            self._resume(self.emulator._workflow(parts[2]))
        elif method == "POST" and len(parts) == 4 and workflows and parts[3] == "reseed":
            self._reseed(self.emulator._workflow(parts[2]))
        elif method == "GET" and len(parts) == 4 and workflows and parts[3] == "events":
            self._workflow_event_list(self.emulator._workflow(parts[2]), query.get("after"))
        elif method == "GET" and len(parts) == 5 and workflows:
            if parts[3:] != ["events", "stream"]:
                raise Reply(404, sogni_error(f"Unknown route: {path}", 404))
            self._workflow_events(self.emulator._workflow(parts[2]), query.get("after"))
        elif method == "POST" and parts == ["chat", "runs"]:
            self._create_run(self._json_body(request))
        elif method == "GET" and len(parts) == 3 and runs:
            self._send_run(self.emulator._run(parts[2]))
        elif method == "GET" and parts[3:] == ["events"] and runs:
            self._run_event_list(self.emulator._run(parts[2]), query.get("after"))
        elif method == "GET" and parts[3:] == ["events", "stream"] and runs:
            self._run_events(self.emulator._run(parts[2]), query.get("after"))
        elif method == "POST" and parts[3:] == ["cancel"] and runs:
            self._cancel_run(self.emulator._run(parts[2]), request)
        elif method == "POST" and parts[3:] == ["confirm-cost"] and runs:
            self._confirm_cost(self.emulator._run(parts[2]), self._json_body(request))
        elif runs:
            raise Reply(404, sogni_error(f"Unknown route: {method} {request.path}", 404))
        else:
            raise Reply(
                404, openai_error(f"Unknown route: {method} {path}", "invalid_request_error")
            )
