"""A raw-socket loopback server that misbehaves on purpose, byte by byte.

Unlike ``LocalSogniServer`` (which speaks HTTP through ``http.server``), every byte this server
sends is written by the test's own script, so it can trickle a status line, lie about sizes,
stall between events, send a gzip bomb or never finish a line. Each request is handed to
``script(exchange)``; a script that returns without closing leaves the connection open for the
next request (keep-alive).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "Exchange",
    "HostileServer",
    "WorkflowScript",
    "answering",
    "chunk",
    "completion_body",
    "gzip_bomb",
    "head",
    "json_response",
    "response",
    "tool_call",
]


class Exchange:
    """One request on one connection, and ways to answer it badly."""

    def __init__(
        self, sock: socket.socket, line: str, headers: dict[str, str], body: bytes, stop: Any
    ) -> None:
        self.sock = sock
        self.method, self.target, _ = [*line.split(" ", 2), "", ""][:3]
        self.path = self.target.split("?", 1)[0]
        self.headers = headers
        self.body = body
        self._stop = stop
        self.closed = False

    @property
    def stopping(self) -> bool:
        """Whether the server is shutting down (long scripts should return)."""
        return bool(self._stop.is_set())

    def json(self) -> Any:
        """The request body as JSON."""
        return json.loads(self.body)

    def send(self, data: bytes) -> None:
        """Write bytes at once."""
        self.sock.sendall(data)

    def trickle(self, data: bytes, every: float, size: int = 1) -> None:
        """Write ``size`` bytes every ``every`` seconds until done or the server stops."""
        for start in range(0, len(data), size):
            if self.stopping:
                return
            self.sock.sendall(data[start : start + size])
            time.sleep(every)

    def wait(self, seconds: float) -> None:
        """Sleep, waking early when the server stops."""
        self._stop.wait(seconds)

    def close(self) -> None:
        """Close the connection (a drop, from the client's point of view)."""
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


def head(
    status: int = 200,
    headers: dict[str, str] | Iterable[tuple[str, str]] = (),
    reason: str = "OK",
) -> bytes:
    """A status line and headers, ending with the blank line."""
    items = headers.items() if isinstance(headers, dict) else headers
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in items]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def response(
    status: int, body: bytes, content_type: str = "application/json", **headers: str
) -> bytes:
    """A whole response with a correct Content-Length."""
    fields = {"Content-Type": content_type, "Content-Length": str(len(body)), **headers}
    return head(status, fields) + body


def answering(
    body: bytes, status: int = 200, content_type: str = "application/json"
) -> Callable[[Exchange], None]:
    """A script that answers every request with the same whole response."""
    whole = response(status, body, content_type)
    return lambda exchange: exchange.send(whole)


def json_response(status: int, data: Any, **headers: str) -> bytes:
    """A whole JSON response."""
    return response(status, json.dumps(data).encode(), **headers)


def gzip_bomb(inflated: int) -> bytes:
    """Gzip data that inflates to ``inflated`` zero bytes (about 1/1000 of it compressed)."""
    block = b"\0" * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    pieces = [compressor.compress(block) for _ in range(inflated // len(block))]
    pieces.append(compressor.flush())
    return b"".join(pieces)


def chunk(data: bytes) -> bytes:
    """One HTTP/1.1 chunk."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def tool_call(name: object, arguments: object = "{}", call_id: object = "t1") -> dict[str, Any]:
    """One tool call as a chat completion carries it."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def completion_body(
    content: str | None = "done", tool_calls: list[Any] | None = None
) -> dict[str, Any]:
    """A chat completion: an answer, or (with ``tool_calls``) a request for tools."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-h",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls" if tool_calls is not None else "stop",
                "message": message,
            }
        ],
    }


class WorkflowScript:
    """A server script for one hosted media tool run by the tool loop.

    The first chat request is answered with ``calls`` (a ``generate_image`` call by default),
    later ones with a plain answer. Workflow starts get ids ``wf1``, ``wf2``...; their event
    streams are served by ``stream(exchange)``; snapshots report ``status``.
    """

    def __init__(
        self,
        stream: Callable[[Exchange], None],
        *,
        status: str = "running",
        calls: list[Any] | None = None,
    ) -> None:
        self.stream = stream
        self.status = status
        self.calls = calls or [tool_call("generate_image", '{"prompt": "a fox"}')]
        self.started = 0
        self.streams = 0
        self.running = 0
        self.most_running = 0
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        """Answer one request."""
        path = exchange.path
        if path.endswith("/chat/completions"):
            sent = exchange.json()
            first = not any(m.get("role") == "tool" for m in sent["messages"])
            body = completion_body(None, self.calls) if first else completion_body("done")
            exchange.send(json_response(200, body))
        elif path.endswith("/workflows"):
            with self._lock:
                self.started += 1
                number = self.started
            started = {"workflowId": f"wf{number}", "status": "running"}
            exchange.send(json_response(201, {"status": "success", "data": {"workflow": started}}))
        elif path.endswith("/events/stream"):
            with self._lock:
                self.streams += 1
                self.running += 1
                self.most_running = max(self.most_running, self.running)
            try:
                self.stream(exchange)
            finally:
                with self._lock:
                    self.running -= 1
        else:
            workflow: dict[str, Any] = {"workflowId": "wf", "status": self.status}
            if self.status == "completed":
                workflow["artifacts"] = [{"url": "https://cdn.test/fox.png", "kind": "image"}]
            exchange.send(json_response(200, {"status": "success", "data": {"workflow": workflow}}))


def event_stream_head() -> bytes:
    """The head of an event stream that ends when the connection closes."""
    return head(200, {"Content-Type": "text/event-stream", "Connection": "close"})


class HostileServer:
    """Serves every request on a loopback port with ``script``; use it as a context manager."""

    def __init__(self, script: Callable[[Exchange], None]) -> None:
        self.script = script
        self.requests: list[Exchange] = []
        self._stop = threading.Event()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.1)  # so the accepting thread notices stop() quickly
        self.port = self._listener.getsockname()[1]
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL (``/v1`` under the root)."""
        return f"{self.root_url}/v1"

    def client(self, **options: Any) -> Any:
        """A client for this server: no retries and short timeouts unless given."""
        from sogni_compat import OpenAI

        options.setdefault("api_key", "sk-hostile-test-key-0123")
        options.setdefault("max_retries", 0)
        options.setdefault("timeout", (2.0, 3.0))
        return OpenAI(base_url=self.base_url, **options)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop accepting and close every open connection."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for sock in self._connections:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._connections.append(sock)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        reader = sock.makefile("rb")
        try:
            while not self._stop.is_set():
                line = reader.readline(65536)
                if not line:
                    return
                headers: dict[str, str] = {}
                while True:
                    raw = reader.readline(65536)
                    if raw in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = raw.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = reader.read(int(headers.get("content-length", "0") or 0))
                exchange = Exchange(sock, line.decode("latin-1").strip(), headers, body, self._stop)
                self.requests.append(exchange)
                self.script(exchange)
                if exchange.closed:
                    return
        except OSError:
            return
        finally:
            reader.close()
            with contextlib.suppress(OSError):
                sock.close()
