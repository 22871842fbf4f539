"""Worst cases against a hostile server: wall time and peak memory of one call each.

Each case runs in a fresh interpreter against ``tests/_hostile.py``'s raw-socket server and
reports how the call ended, how long it took and how much the process's peak RSS grew. A case
still running after ``--limit`` seconds (default 40) is killed and reported as such.

    python benchmarks/hostile.py            # every case
    python benchmarks/hostile.py gzip_bomb  # one case

Cases: ``gzip_bomb`` (a 200 whose gzip body inflates to 512 MiB), ``endless_line`` (a stream
whose first ``data:`` line never ends: 256 MiB without a newline), ``trickled_headers`` (the
status line and headers one byte every 0.5 s, ``timeout=(1, 1)``), ``heartbeat_workflow`` (a
hosted media tool whose event stream sends a heartbeat every 0.2 s for ever,
``tool_timeout=3``), and the newer surface's: ``images_artifacts`` (``images.generate(n=1,
response_format="b64_json")`` on a workflow listing 120 artifacts of 4 MB), ``edit_big_file``
(``images.edit`` given a 600 MB file object), ``edit_zero_mask`` (``images.edit`` given a
150 MB mask of zeros), ``plain_stream_args`` / ``helper_stream_args`` (45,000 tool-call argument
fragments, 13.7 MB, iterated as a plain stream and through ``chat.completions.stream()``) and
``plain_openai_calls`` / ``helper_openai_calls`` (1,000 tool calls with
``response_types="openai"``, as a plain stream and through ``stream()``), and
``helper_openai_4000_calls`` (4,000, past the cap of tool calls per choice). Events and chunks
are counted, so a case that stops early shows. ``responses_store`` makes 300
``responses.create()`` calls with 2 MiB inputs and reports what the client's Responses store
still holds afterwards (Python memory, by ``tracemalloc``).
"""

from __future__ import annotations

import gc
import io
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests._hostile import (  # noqa: E402 - the repository root is on the path first
    Exchange,
    HostileServer,
    WorkflowScript,
    completion_body,
    event_stream_head,
    gzip_bomb,
    head,
    json_response,
    response,
)

MIB = 1 << 20
USER = [{"role": "user", "content": "Hi"}]


def _gzip_bomb(exchange: Exchange) -> None:
    body = gzip_bomb(512 * MIB)
    exchange.send(
        head(
            200,
            {
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "Content-Length": str(len(body)),
            },
        )
        + body
    )


def _endless_line(exchange: Exchange) -> None:
    exchange.send(event_stream_head())
    exchange.send(b"data: ")
    piece = b"a" * MIB
    for _ in range(256):
        if exchange.stopping:
            return
        exchange.send(piece)
    exchange.wait(60)


def _trickled_headers(exchange: Exchange) -> None:
    exchange.trickle(head(200, {"Content-Type": "application/json", "X-Pad": "x" * 200}), 0.5)


def _heartbeats(exchange: Exchange) -> None:
    exchange.send(event_stream_head())
    while not exchange.stopping:
        exchange.send(b'data: {"type": "heartbeat", "progress": 0.1}\n\n')
        exchange.wait(0.2)


#: A PNG signature and header padded to 4 MB: what each listed artifact serves.
_ARTIFACT = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0"
_ARTIFACT += b"\0" * (4_000_000 - len(_ARTIFACT))
_ARTIFACTS = 120


def _ok(key: str, data: Any) -> bytes:
    return json_response(200, {"status": "success", "data": {key: data}})


def _images(exchange: Exchange) -> None:
    """A workflow that finishes at once listing 120 artifacts, and those artifacts; uploads."""
    path = exchange.path
    root = f"http://127.0.0.1:{exchange.sock.getsockname()[1]}"
    if path.startswith("/a/"):
        exchange.send(response(200, _ARTIFACT, "image/png"))
    elif path.endswith("/uploadUrl"):
        exchange.send(_ok("uploadUrl", f"{root}/put/1"))
    elif path.endswith("/downloadUrl"):
        exchange.send(_ok("downloadUrl", f"{root}/a/upload.png"))
    elif path.startswith("/put/"):
        exchange.send(response(200, b"", "text/plain"))
    elif path.endswith("/events/stream"):
        exchange.send(event_stream_head() + b'data: {"status": "completed"}\n\n')
        exchange.close()
    elif exchange.method == "POST":
        exchange.send(_ok("workflow", {"workflowId": "wf1", "status": "running"}))
    else:
        artifacts = [{"url": f"{root}/a/{i}.png", "kind": "image"} for i in range(_ARTIFACTS)]
        workflow = {"workflowId": "wf1", "status": "completed", "artifacts": artifacts}
        exchange.send(_ok("workflow", workflow))


def _chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    body = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
    return b"data: " + json.dumps({**body, "choices": [choice]}).encode() + b"\n\n"


def _argument_fragments(count: int, size: int) -> bytes:
    """One tool call whose arguments come in ``count`` fragments of ``size`` characters."""
    first = {"index": 0, "id": "t1", "type": "function", "function": {"name": "f", "arguments": ""}}
    parts = [_chunk({"role": "assistant", "tool_calls": [first]})]
    fragment = {"tool_calls": [{"index": 0, "function": {"arguments": "a" * size}}]}
    parts.extend([_chunk(fragment)] * count)
    parts.append(_chunk({}, "tool_calls"))
    return b"".join(parts) + b"data: [DONE]\n\n"


def _many_calls(count: int) -> bytes:
    """``count`` tool calls of one choice, one chunk each."""
    parts = [_chunk({"role": "assistant"})]
    for index in range(count):
        call = {
            "index": index,
            "id": f"call_{index}",
            "type": "function",
            "function": {"name": "lookup", "arguments": '{"city": "Rome", "days": 3}'},
        }
        parts.append(_chunk({"tool_calls": [call]}))
    parts.append(_chunk({}, "tool_calls"))
    return b"".join(parts) + b"data: [DONE]\n\n"


def _streaming(body: bytes) -> Callable[[Exchange], None]:
    def script(exchange: Exchange) -> None:
        exchange.send(event_stream_head() + body)
        exchange.close()

    return script


class _Zeros(io.RawIOBase):
    """A binary file object of ``size`` zero bytes that are made as they are read."""

    def __init__(self, size: int) -> None:
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self._left)
        buffer[:count] = bytes(count)
        self._left -= count
        return count


def _big_file() -> Any:
    """A binary file object of 600 MB of zeros."""
    return io.BufferedReader(_Zeros(600_000_000))


def _chunks(client: Any) -> str:
    return f"{sum(1 for _ in client.chat.completions.create(messages=USER, stream=True))} chunks"


def _events(stream: Any) -> str:
    with stream as events:
        return f"{sum(1 for _ in events)} events"


def _small_answer(exchange: Exchange) -> None:
    exchange.body = b""  # the server keeps every request: not their 2 MiB bodies here
    exchange.send(json_response(200, completion_body("noted")))


def _fill_the_store(client: Any) -> str:
    """300 responses with 2 MiB inputs (a new string each); what the client then holds."""
    tracemalloc.start()
    for number in range(300):
        client.responses.create(input=f"{number:03d}" + "x" * (2 * MIB))
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] / MIB
    tracemalloc.stop()
    return f"{len(client.responses._store._items)} responses kept, {held:.1f} MiB held"


def _run_case(name: str) -> dict[str, Any]:
    import sogni_compat

    image = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0"
    fragments = _argument_fragments(45_000, 240)
    lookup = {
        "type": "function",
        "function": {
            "name": "lookup",
            "strict": True,
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                "required": ["city", "days"],
                "additionalProperties": False,
            },
        },
    }
    scripts: dict[str, tuple[Callable[[Exchange], None], Callable[[Any], Any]]] = {
        "images_artifacts": (
            _images,
            lambda c: (
                f"{len(c.images.generate(prompt='x', response_format='b64_json').data)} images"
            ),
        ),
        "edit_big_file": (
            _images,
            lambda c: c.images.edit(image=_big_file(), prompt="x"),
        ),
        "edit_zero_mask": (
            _images,
            lambda c: c.images.edit(image=image, mask=bytes(150_000_000), prompt="x"),
        ),
        "plain_stream_args": (_streaming(fragments), _chunks),
        "helper_stream_args": (
            _streaming(fragments),
            lambda c: _events(c.chat.completions.stream(messages=USER)),
        ),
        "plain_openai_calls": (
            _streaming(_many_calls(1_000)),
            lambda c: _chunks(c.with_options(response_types="openai")),
        ),
        "helper_openai_calls": (
            _streaming(_many_calls(1_000)),
            lambda c: _events(
                c.with_options(response_types="openai").chat.completions.stream(
                    messages=USER, tools=[lookup]
                )
            ),
        ),
        "helper_openai_4000_calls": (
            _streaming(_many_calls(4_000)),
            lambda c: _events(
                c.with_options(response_types="openai").chat.completions.stream(
                    messages=USER, tools=[lookup]
                )
            ),
        ),
        "gzip_bomb": (_gzip_bomb, lambda c: c.chat.completions.create(messages=USER)),
        "endless_line": (
            _endless_line,
            lambda c: list(c.chat.completions.create(messages=USER, stream=True)),
        ),
        "trickled_headers": (_trickled_headers, lambda c: c.chat.completions.create(messages=USER)),
        "heartbeat_workflow": (
            WorkflowScript(_heartbeats),
            lambda c: c.chat.completions.create(
                messages=USER, sogni_tools=True, auto_execute_tools=True
            ),
        ),
        "responses_store": (_small_answer, _fill_the_store),
    }
    script, call = scripts[name]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with HostileServer(script) as server:
        client = sogni_compat.OpenAI(
            api_key="sk-hostile-benchmark",
            base_url=server.base_url,
            timeout=(1, 1) if name == "trickled_headers" else (5, 10),
            max_retries=0,
            tool_timeout=3,
        )
        started = time.monotonic()
        try:
            result = call(client)
            shown = result if isinstance(result, str) else type(result).__name__
            outcome = f"returned {shown}"
        except BaseException as exc:  # the outcome is what is measured
            outcome = f"{type(exc).__name__}: {str(exc)[:120]}"
        seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": round(seconds, 2),
        "rss_growth_mb": round((peak - before) / 1024, 1),
        "outcome": outcome,
    }


CASES = (
    "gzip_bomb",
    "endless_line",
    "trickled_headers",
    "heartbeat_workflow",
    "images_artifacts",
    "edit_big_file",
    "edit_zero_mask",
    "plain_stream_args",
    "helper_stream_args",
    "plain_openai_calls",
    "helper_openai_calls",
    "helper_openai_4000_calls",
    "responses_store",
)


def main() -> None:
    """Run the cases given on the command line (all by default), each in its own process."""
    args = sys.argv[1:]
    if args[:1] == ["--case"]:
        print(json.dumps(_run_case(args[1])))
        return
    limit = 40.0
    if args[:1] == ["--limit"]:
        limit, args = float(args[1]), args[2:]
    for name in args or CASES:
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--case", name],
                capture_output=True,
                text=True,
                timeout=limit,
                check=False,
            )
            lines = done.stdout.strip().splitlines()
            report = json.loads(lines[-1]) if lines else {"outcome": done.stderr[-300:]}
        except subprocess.TimeoutExpired:
            report = {"outcome": f"still running after {limit:g} s: killed"}
        report.setdefault("seconds", round(time.monotonic() - started, 2))
        print(f"{name:20} {json.dumps(report)}")


if __name__ == "__main__":
    main()
