"""The emulator's HTTP plumbing: the threading server and the handler every route builds on.

A request is recorded, meets the fault scripted for it if any, then goes to the route table;
the answer goes out whole, byte by byte (``drip``) or as a chunked event stream, cut short
where a fault says so.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from requests.structures import CaseInsensitiveDict

from ._state import MAX_REQUEST_BYTES, EmulatorState
from ._wire import Fault, RecordedRequest, Reply, openai_error

#: How long, and how many bytes, the emulator reads and drops of a body it refused unread
#: (413), so that its answer reaches the client before the connection closes.
LINGER_SECONDS = 2.0
LINGER_BYTES = 256 * 1024 * 1024


class QuietHTTPServer(ThreadingHTTPServer):
    """The threading server, quiet about clients that hang up (they are allowed to)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore connections the client reset or closed; report anything else."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class BaseHandler(BaseHTTPRequestHandler):
    """One connection to the emulator: reads, records and answers each request.

    :meth:`_route` answers a request: the handler in ``_server.py`` holds the route table, and
    the routes are methods of mixins of this class, one ``_routes_*.py`` module per family. A
    route answers with :meth:`_send_json`, :meth:`_send` or :meth:`_stream`, or raises
    :class:`~._wire.Reply` to answer with an error.
    """

    protocol_version = "HTTP/1.1"
    server_version = "LocalSogniServer"
    emulator: EmulatorState

    fault: Fault | None
    request_id: str

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as separate writes: without this, Nagle's algorithm and
        # delayed ACKs hold every answer back by ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.emulator._connection(+1)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.emulator._connection(-1)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and notebooks do not want access logs."""

    def do_GET(self) -> None:
        """Route a GET."""
        self._handle()

    def do_POST(self) -> None:
        """Route a POST."""
        self._handle()

    def do_PUT(self) -> None:
        """Route a PUT (presigned uploads)."""
        self._handle()

    def do_PATCH(self) -> None:
        """Route a PATCH (workflow templates)."""
        self._handle()

    def do_DELETE(self) -> None:
        """Route a DELETE (workflow templates; 404 elsewhere)."""
        self._handle()

    # -- plumbing --------------------------------------------------------------------------

    def _handle(self) -> None:
        given = self.headers.get("Content-Length") or "0"
        length = int(given) if given.isascii() and given.isdigit() else -1
        if not 0 <= length <= MAX_REQUEST_BYTES:
            self.close_connection = True  # the body is not read: the connection is spent
            self.request_id = "req_refused"
            self.fault = None
            self._send_json(
                413,
                openai_error(f"Request body over {MAX_REQUEST_BYTES:,} bytes", "too_large"),
                {"Connection": "close"},
            )
            self._linger()
            return
        body = self.rfile.read(length) if length else b""
        request = RecordedRequest(
            method=self.command,
            path=self.path,
            headers=CaseInsensitiveDict(self.headers.items()),
            body=body,
        )
        number, fault = self.emulator._record(request)
        self.request_id = f"req_{number}"
        self.fault = fault
        if fault is not None:
            hang_up = fault.drop == "before_status"
            if hang_up or (fault.delay and not self.emulator._wait(fault.delay)):
                self.close_connection = True  # dropped, or the server is stopping
                return
            if fault.status is not None:
                self._send_fault(fault)
                return
        try:
            self._route(request)
        except Reply as reply:
            self._send_json(reply.status, reply.body, reply.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _linger(self) -> None:
        """After an answer to a body left unread: let the client read it before closing.

        Closing a socket with unread bytes makes the system reset the connection, which can
        destroy the answer before the client reads it (it then sees a dropped connection and
        may send the body again). So the sending side is shut, and what the client still
        sends is read and dropped for at most :data:`LINGER_SECONDS` and
        :data:`LINGER_BYTES`.
        """
        self.wfile.flush()
        sock = self.connection
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(LINGER_SECONDS)
            ends = time.monotonic() + LINGER_SECONDS
            drained = 0
            while drained < LINGER_BYTES and time.monotonic() < ends:
                piece = sock.recv(65536)
                if not piece:
                    break
                drained += len(piece)
        except OSError:
            pass

    def _send_fault(self, fault: Fault) -> None:
        body = fault.body
        if body is None:
            body = openai_error(f"Injected failure ({fault.status})", "server_error")
        if isinstance(body, bytes):
            data, content_type = body, "application/octet-stream"
        elif isinstance(body, str):
            data = body.encode()
            content_type = "text/html" if body.lstrip().startswith("<") else "text/plain"
        else:
            data, content_type = json.dumps(body).encode(), "application/json"
        assert fault.status is not None
        self._send(fault.status, data, content_type, fault.headers)

    def _send(
        self,
        status: int,
        data: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        headers = dict(headers or {})
        self.send_response(status)
        if "content-type" not in {k.lower() for k in headers}:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", self.request_id)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        drop = self.fault.drop if self.fault is not None else None
        if drop == "after_headers":
            self.close_connection = True
            return
        if drop == "mid_body":
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        drip = self.fault.drip if self.fault is not None else 0.0
        if drip:
            for index in range(len(data)):
                self.wfile.write(data[index : index + 1])
                self.wfile.flush()
                if not self.emulator._wait(drip):
                    self.close_connection = True
                    return
            return
        self.wfile.write(data)

    def _send_json(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _stream(self, events: Iterable[Callable[[], bytes | None]]) -> None:
        """Send a chunked ``text/event-stream``; each item makes one event (``None``: stop)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", self.request_id)
        self.end_headers()
        fault = self.fault
        if fault is not None and fault.drop == "after_headers":
            self.close_connection = True
            return
        for index, make in enumerate(events):
            data = make()
            if data is None:
                self.close_connection = True
                return
            if not data:
                continue
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
            if index == 0 and fault is not None:
                dropped = fault.drop == "mid_body"
                if dropped or (fault.stall and not self.emulator._wait(fault.stall)):
                    self.close_connection = True
                    return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _json_body(self, request: RecordedRequest) -> dict[str, Any]:
        data = request.json
        if not isinstance(data, dict):
            raise Reply(
                400, openai_error("The body must be a JSON object", "invalid_request_error")
            )
        return data

    def _check_key(self) -> None:
        header = self.headers.get("Authorization", "")
        key = header[7:] if header.startswith("Bearer ") else self.headers.get("api-key", "")
        if not key:
            raise Reply(
                401,
                openai_error("Missing API key", "authentication_error", "missing_api_key"),
            )
        expected = self.emulator.api_key
        if expected is not None and key != expected:
            raise Reply(
                401, openai_error("Invalid API key", "authentication_error", "invalid_api_key")
            )

    def _route(self, request: RecordedRequest) -> None:
        """Answer ``request``: the route table, in ``_server.py``, overrides this."""
        raise NotImplementedError
