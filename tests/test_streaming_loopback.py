"""Streaming against a real loopback HTTP server: no buffering, closing, drops and stalls."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.types.chat import ChatCompletionMessageParam

WAIT = 10.0  # upper bound for every wait, so a broken test fails instead of hanging


def sse(content: str) -> bytes:
    """One chunk event carrying ``content``."""
    data = {
        "id": "c",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
    }
    return f"data: {json.dumps(data)}\n\n".encode()


class Script:
    """What the server does; the handler calls ``run(handler)`` on each request."""

    def __init__(self, run: Callable[[BaseHTTPRequestHandler], None]) -> None:
        self.run = run
        self.release = threading.Event()
        self.client_closed = threading.Event()
        self.requests = 0


class Handler(BaseHTTPRequestHandler):
    """Reads the request body and hands over to the test's script."""

    protocol_version = "HTTP/1.1"
    script: Script

    def do_POST(self) -> None:
        """Answer POST chat/completions with the script."""
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.script.requests += 1
        self.script.run(self)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


def start_chunked(h: BaseHTTPRequestHandler) -> None:
    """Send headers of a chunked SSE answer."""
    h.send_response(200)
    h.send_header("Content-Type", "text/event-stream")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()


def write_chunk(h: BaseHTTPRequestHandler, data: bytes) -> None:
    """Write one HTTP chunk and flush it."""
    h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    h.wfile.flush()


def wait_for_client_close(h: BaseHTTPRequestHandler, script: Script) -> None:
    """Block until the client closes the connection (or WAIT passes)."""
    h.connection.settimeout(WAIT)
    try:
        if h.connection.recv(1) == b"":
            script.client_closed.set()
    except OSError:
        script.client_closed.set()


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[BaseHTTPRequestHandler], None]], tuple[Script, str]]]:
    """Start a loopback server running a script; yields a function returning (script, base_url)."""
    servers: list[ThreadingHTTPServer] = []

    def start(run: Callable[[BaseHTTPRequestHandler], None]) -> tuple[Script, str]:
        script = Script(run)
        handler = type("ScriptedHandler", (Handler,), {"script": script})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return script, f"http://127.0.0.1:{server.server_address[1]}/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize("framing", ["chunked", "close-delimited"])
def test_first_chunk_arrives_while_server_holds_the_rest(
    serve: Callable[..., tuple[Script, str]], framing: str
) -> None:
    """The first chunk reaches the caller before the server sends anything more."""

    def run(h: BaseHTTPRequestHandler) -> None:
        if framing == "chunked":
            start_chunked(h)
            write_chunk(h, sse("first"))
            script.release.wait(WAIT)
            write_chunk(h, sse("second") + b"data: [DONE]\n\n")
            write_chunk(h, b"")
        else:
            h.send_response(200)
            h.send_header("Content-Type", "text/event-stream")
            h.send_header("Connection", "close")
            h.end_headers()
            h.wfile.write(sse("first"))
            h.wfile.flush()
            script.release.wait(WAIT)
            h.wfile.write(sse("second"))  # no [DONE]: the body ends when the connection closes
            h.wfile.flush()
            h.close_connection = True

    script, base_url = serve(run)
    client = OpenAI(api_key="k", base_url=base_url, timeout=WAIT)
    stream = client.chat.completions.create(messages=USER, stream=True)
    iterator = iter(stream)
    first = next(iterator)
    assert first.choices[0].delta.content == "first"
    assert not script.release.is_set()  # the server is still holding "second" back
    script.release.set()
    assert [c.choices[0].delta.content for c in iterator] == ["second"]


def test_breaking_out_closes_the_connection(serve: Callable[..., tuple[Script, str]]) -> None:
    """Leaving the for loop early, without close(), makes the server see the connection close."""

    def run(h: BaseHTTPRequestHandler) -> None:
        start_chunked(h)
        write_chunk(h, sse("one"))
        write_chunk(h, sse("two"))
        wait_for_client_close(h, script)

    script, base_url = serve(run)
    client = OpenAI(api_key="k", base_url=base_url, timeout=WAIT)
    stream = client.chat.completions.create(messages=USER, stream=True)
    for c in stream:
        assert c.choices[0].delta.content == "one"
        break
    assert script.client_closed.wait(WAIT)
    assert stream._closed


def test_drop_mid_stream_raises_connection_error(
    serve: Callable[..., tuple[Script, str]],
) -> None:
    """A chunked body cut before its final chunk raises APIConnectionError, not retried."""

    def run(h: BaseHTTPRequestHandler) -> None:
        start_chunked(h)
        write_chunk(h, sse("one"))
        h.connection.shutdown(socket.SHUT_RDWR)
        h.close_connection = True

    script, base_url = serve(run)
    client = OpenAI(api_key="k", base_url=base_url, timeout=WAIT, sleep=lambda _: None)
    received = []
    with pytest.raises(sogni_compat.APIConnectionError) as info:
        for c in client.chat.completions.create(messages=USER, stream=True):
            received.append(c.choices[0].delta.content)
    assert received == ["one"]
    assert not isinstance(info.value, sogni_compat.APITimeoutError)
    assert script.requests == 1


def test_stall_mid_stream_raises_timeout(serve: Callable[..., tuple[Script, str]]) -> None:
    """A stream that stalls longer than the read timeout raises APITimeoutError."""

    def run(h: BaseHTTPRequestHandler) -> None:
        start_chunked(h)
        write_chunk(h, sse("one"))
        script.release.wait(WAIT)

    script, base_url = serve(run)
    client = OpenAI(api_key="k", base_url=base_url, timeout=(WAIT, 0.3), sleep=lambda _: None)
    stream = client.chat.completions.create(messages=USER, stream=True)
    try:
        with pytest.raises(sogni_compat.APITimeoutError):
            for _ in stream:
                pass
    finally:
        script.release.set()
    assert script.requests == 1


def test_drop_before_first_event_is_retried(serve: Callable[..., tuple[Script, str]]) -> None:
    """A connection dropped after the headers but before any event is retried."""

    def run(h: BaseHTTPRequestHandler) -> None:
        start_chunked(h)
        if script.requests == 1:
            h.connection.shutdown(socket.SHUT_RDWR)
            h.close_connection = True
            return
        write_chunk(h, sse("ok") + b"data: [DONE]\n\n")
        write_chunk(h, b"")

    script, base_url = serve(run)
    sleeps: list[float] = []
    client = OpenAI(api_key="k", base_url=base_url, timeout=WAIT, sleep=sleeps.append)
    chunks = list(client.chat.completions.create(messages=USER, stream=True))
    assert [c.choices[0].delta.content for c in chunks] == ["ok"]
    assert script.requests == 2
    assert len(sleeps) == 1


def test_interrupt_in_the_loop_closes_the_connection(
    serve: Callable[..., tuple[Script, str]],
) -> None:
    """A KeyboardInterrupt while reading a stream closes the connection on the way out."""

    def run(h: BaseHTTPRequestHandler) -> None:
        start_chunked(h)
        write_chunk(h, sse("one"))
        wait_for_client_close(h, script)

    script, base_url = serve(run)
    client = OpenAI(api_key="k", base_url=base_url, timeout=WAIT)
    stream = client.chat.completions.create(messages=USER, stream=True)
    with pytest.raises(KeyboardInterrupt):
        for _ in stream:
            raise KeyboardInterrupt
    assert script.client_closed.wait(WAIT)


@pytest.mark.parametrize("stream", [True, False])
def test_gzip_bodies_are_decoded(serve: Callable[..., tuple[Script, str]], stream: bool) -> None:
    """A gzip-encoded answer (event stream or JSON, with a Content-Length) is decoded."""
    import gzip

    completion = {
        "id": "c",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "zipped"}}],
    }
    plain = sse("zipped") + b"data: [DONE]\n\n" if stream else json.dumps(completion).encode()
    body = gzip.compress(plain)

    def run(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream" if stream else "application/json")
        h.send_header("Content-Encoding", "gzip")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    _, base_url = serve(run)
    client = OpenAI(api_key="k", base_url=base_url, timeout=WAIT)
    if stream:
        chunks = list(client.chat.completions.create(messages=USER, stream=True))
        assert [c.choices[0].delta.content for c in chunks] == ["zipped"]
    else:
        answer = client.chat.completions.create(messages=USER)
        assert answer.choices[0].message.content == "zipped"
