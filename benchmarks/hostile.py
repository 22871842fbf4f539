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
``tool_timeout=3``), ``responses_store`` (300 ``responses.create()`` calls with 2 MiB inputs
each: the memory the Responses store holds afterwards). ``held_mb`` is what Python objects
still hold after the call (``tracemalloc``), with the client alive.
"""

from __future__ import annotations

import gc
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


def _small_answer(exchange: Exchange) -> None:
    exchange.send(json_response(200, completion_body("noted")))


def _fill_the_store(client: Any) -> int:
    for number in range(300):
        client.responses.create(input=f"{number:03d}" + "x" * (2 * MIB))  # a new string each
    return len(client.responses._store._items)


def _run_case(name: str) -> dict[str, Any]:
    import sogni_compat

    scripts: dict[str, tuple[Callable[[Exchange], None], Callable[[Any], Any]]] = {
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
    tracemalloc.start()
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
            outcome = (
                f"returned {result!r}"
                if name == "responses_store"
                else (f"returned {type(result).__name__}")
            )
        except BaseException as exc:  # the outcome is what is measured
            outcome = f"{type(exc).__name__}: {str(exc)[:120]}"
        seconds = time.monotonic() - started
        server.requests.clear()  # the test server keeps every request it got
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] / MIB  # the client still lives: what it keeps
        tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": round(seconds, 2),
        "rss_growth_mb": round((peak - before) / 1024, 1),
        "held_mb": round(held, 1),
        "outcome": outcome,
    }


CASES = ("gzip_bomb", "endless_line", "trickled_headers", "heartbeat_workflow", "responses_store")


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
