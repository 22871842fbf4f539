"""Benchmarks against the floors: plain requests, urllib3, http.client and a read1 SSE loop.

Not part of the tests. Measured in one process, against a canned HTTP server in another (its
CPU is not counted), with the contenders in shuffled order every round and the median of the
rounds compared as ratios (the paired method: both sides see the same machine noise):

- CPU per call: a small completion, a 206 KB request, a 1 MB answer; ``sogni_compat`` against
  ``requests.Session().post()`` + ``json.loads`` (and, for scale, urllib3 and http.client);
- CPU per streamed chunk, text and tool-call deltas: ``sogni_compat`` against a minimal
  ``read1`` + split + ``json.loads`` loop (and the openai SDK when installed);
- time to first request in a fresh interpreter: import, client, one call; against
  ``import requests`` + one ``requests.post``;
- peak memory (tracemalloc's peak) reading a 4 MB answer, in fresh interpreters;
- ``parse()`` with a pydantic model against openai's, in-process;
- 16 threads sharing one client: calls per second against openai's.

Run from the repository root: ``python benchmarks/floors.py`` (``--quick`` for a rough look).
Results are printed and written to ``benchmarks/out/floors.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from sogni_compat.types.chat import ChatCompletionMessageParam

HERE = Path(__file__).resolve().parent
MODEL = "qwen3.6-35b-a3b-gguf-iq4xs"
KEY = "benchmark-key"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

TARGETS = {
    "small call vs requests": 0.75,
    "206 KB request vs requests": 1.0,
    "1 MB answer vs requests": 1.0,
    "text chunk vs read1 loop": 1.3,
    "tool-call chunk vs read1 loop": 1.3,
    "first request vs requests": 1.3,
    "peak memory, 4 MB answer, vs requests": 1.0,
    "parse() vs openai": 0.4,
    # higher is better: at least this many times openai's calls per second
    "16-thread throughput vs openai (higher is better)": 2.0,
}


def completion(content: str) -> bytes:
    """A chat completion answering ``content``."""
    return json.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 1767225600,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21},
        }
    ).encode()


def stream_body(chunks: int, tool: bool) -> bytes:
    """An SSE body of ``chunks`` text (or tool-call argument) deltas, then ``[DONE]``."""
    head = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0, "model": MODEL}
    events = []
    for n in range(chunks):
        if tool:
            call: dict[str, Any] = {"index": 0, "function": {"arguments": "ab"}}
            if n == 0:
                call.update(id="call_1", type="function", function={"name": "f", "arguments": ""})
            delta: dict[str, Any] = {"tool_calls": [call]}
        else:
            delta = {"content": " word"}
        choice = {"index": 0, "delta": delta, "finish_reason": None}
        events.append(b"data: " + json.dumps({**head, "choices": [choice]}).encode() + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return b"".join(events)


BODIES = {
    "small": completion("Hello! I am fine, thank you for asking."),
    "big": completion("x" * (1 << 20)),
    "huge": completion("y" * (4 << 20)),
}
PARSED = completion('{"title": "Heat", "year": 1995}')


class Canned(BaseHTTPRequestHandler):
    """Answers from prebuilt bodies: ``/v1/<kind>/chat/completions``."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, as a real server's do
    streams: ClassVar[dict[str, bytes]] = {}

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def do_POST(self) -> None:
        """Read the request, answer the canned body for its path."""
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        kind = self.path.split("/")[2]
        if kind.startswith("stream"):
            body = self.streams[kind]
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        body = PARSED if kind == "parsed" else BODIES.get(kind, BODIES["small"])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(conn: Connection, chunks: int) -> None:
    """The server process."""
    Canned.streams = {
        "stream-text": stream_body(chunks, tool=False),
        "stream-tool": stream_body(chunks, tool=True),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send(f"http://127.0.0.1:{server.server_address[1]}")
    conn.recv()
    server.shutdown()


# -- the contenders ---------------------------------------------------------------------------


def callers(
    root: str, kind: str, messages: list[ChatCompletionMessageParam]
) -> dict[str, Callable[[], Any]]:
    """One call of each contender, for the canned ``kind`` of answer."""
    import http.client
    from urllib.parse import urlsplit

    import requests
    import urllib3

    import sogni_compat

    base = f"{root}/v1/{kind}"
    url = f"{base}/chat/completions"
    body = {"model": MODEL, "messages": messages}
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    client = sogni_compat.OpenAI(api_key=KEY, base_url=base, max_response_bytes=64 << 20)
    session = requests.Session()
    pool = urllib3.PoolManager()
    parts = urlsplit(root)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port)

    def with_http_client() -> Any:
        connection.request("POST", url, json.dumps(body), headers)
        return json.loads(connection.getresponse().read())

    return {
        "sogni_compat": lambda: client.chat.completions.create(model=MODEL, messages=messages),
        "requests": lambda: json.loads(session.post(url, json=body, headers=headers).content),
        "urllib3": lambda: json.loads(
            pool.request("POST", url, body=json.dumps(body), headers=headers).data
        ),
        "http.client": with_http_client,
    }


def paired(
    contenders: dict[str, Callable[[], Any]], rounds: int, per_round: int
) -> dict[str, float]:
    """Median CPU seconds per call of each contender, in shuffled order every round."""
    for call in contenders.values():
        for _ in range(5):
            call()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    order = list(contenders)
    for _ in range(rounds):
        random.shuffle(order)
        for name in order:
            call = contenders[name]
            started = time.process_time()
            for _ in range(per_round):
                call()
            times[name].append((time.process_time() - started) / per_round)
    return {name: statistics.median(values) for name, values in times.items()}


def read1_loop(pool: Any, url: str, body: bytes) -> int:
    """The floor for streaming: one POST, then read1, split on blank lines, json.loads."""
    response = pool.request(
        "POST",
        url,
        body=body,
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        preload_content=False,
    )
    count = 0
    buffer = b""
    while data := response.read1(65536):
        buffer += data
        *events, buffer = buffer.split(b"\n\n")
        for event in events:
            if event.startswith(b"data: ") and event != b"data: [DONE]":
                json.loads(event[6:])
                count += 1
    response.release_conn()
    return count


def chunk_contenders(root: str, kind: str) -> dict[str, Callable[[], int]]:
    """One whole stream of each contender; each returns the number of chunks it read."""
    import urllib3

    import sogni_compat

    pool = urllib3.PoolManager()
    base = f"{root}/v1/{kind}"
    messages: Any = [{"role": "user", "content": "stream"}]
    body = json.dumps({"model": MODEL, "messages": messages, "stream": True}).encode()
    ours = sogni_compat.OpenAI(api_key=KEY, base_url=base)

    def sogni() -> int:
        stream = ours.chat.completions.create(model=MODEL, messages=messages, stream=True)
        return sum(1 for _ in stream)

    contenders = {
        "sogni_compat": sogni,
        "read1 loop": lambda: read1_loop(pool, f"{base}/chat/completions", body),
    }
    if importlib.util.find_spec("openai") is not None:
        import openai

        theirs = openai.OpenAI(api_key=KEY, base_url=base)

        def with_openai() -> int:
            stream = theirs.chat.completions.create(model=MODEL, messages=messages, stream=True)
            return sum(1 for _ in stream)

        contenders["openai"] = with_openai
    return contenders


def per_chunk(root: str, kind: str, chunks: int, rounds: int) -> dict[str, float]:
    """Median CPU seconds per chunk of each contender over whole streams."""
    contenders = chunk_contenders(root, kind)
    for stream in contenders.values():
        assert stream() == chunks
    times: dict[str, list[float]] = {name: [] for name in contenders}
    order = list(contenders)
    for _ in range(rounds):
        random.shuffle(order)
        for name in order:
            started = time.process_time()
            contenders[name]()
            times[name].append((time.process_time() - started) / chunks)
    return {name: statistics.median(values) for name, values in times.items()}


FIRST_REQUEST = {
    "sogni_compat": (
        "import sogni_compat\n"
        "c = sogni_compat.OpenAI(api_key='k', base_url='{root}/v1/small')\n"
        "c.chat.completions.create(messages=[{{'role': 'user', 'content': 'hi'}}])\n"
    ),
    "requests": (
        "import json, requests\n"
        "json.loads(requests.post('{root}/v1/small/chat/completions', "
        "json={{'messages': [{{'role': 'user', 'content': 'hi'}}]}}, "
        "headers={{'Authorization': 'Bearer k'}}).content)\n"
    ),
}
PEAK = {
    "sogni_compat": (
        "import tracemalloc, sogni_compat\n"
        "c = sogni_compat.OpenAI(api_key='k', base_url='{root}/v1/huge', "
        "max_response_bytes=64 << 20)\n"
        "c.chat.completions.create(messages=[{{'role': 'user', 'content': 'hi'}}])\n"
        "tracemalloc.start()\n"
        "c.chat.completions.create(messages=[{{'role': 'user', 'content': 'hi'}}])\n"
        "print(tracemalloc.get_traced_memory()[1])\n"
    ),
    "requests": (
        "import json, tracemalloc, requests\n"
        "s = requests.Session()\n"
        "def call():\n"
        "    return json.loads(s.post('{root}/v1/huge/chat/completions', "
        "json={{'messages': [{{'role': 'user', 'content': 'hi'}}]}}, "
        "headers={{'Authorization': 'Bearer k'}}).content)\n"
        "call()\n"
        "tracemalloc.start()\n"
        "call()\n"
        "print(tracemalloc.get_traced_memory()[1])\n"
    ),
}


def fresh(code: str) -> tuple[float, str]:
    """CPU seconds of ``python -c code`` from its start to the code's end, and its output.

    The child reads its own CPU clock (``time.process_time``, which counts from the process's
    start, interpreter start-up included, at the clock's full resolution) after the code ran;
    the exit that follows is left out, the same for every contender.
    """
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code + "\nimport sys as _s, time as _t\n_s.stderr.write(repr(_t.process_time()))\n",
        ],
        capture_output=True,
        text=True,
        env=ENV,
        check=True,
    )
    return float(done.stderr.strip().splitlines()[-1]), done.stdout


def parse_contenders(root: str) -> dict[str, Callable[[], Any]]:
    """``parse()`` with a pydantic model, ours and openai's."""
    import openai
    from pydantic import BaseModel

    import sogni_compat

    class Movie(BaseModel):
        title: str
        year: int

    base = f"{root}/v1/parsed"
    messages: Any = [{"role": "user", "content": "Heat, 1995"}]
    ours = sogni_compat.OpenAI(api_key=KEY, base_url=base)
    theirs = openai.OpenAI(api_key=KEY, base_url=base)
    return {
        "sogni_compat": lambda: ours.chat.completions.parse(
            model=MODEL, messages=messages, response_format=Movie
        ),
        "openai": lambda: theirs.chat.completions.parse(
            model=MODEL, messages=messages, response_format=Movie
        ),
    }


def throughput(root: str, make: Callable[[], Any], seconds: float) -> float:
    """Calls per second of 16 threads sharing one client for ``seconds``."""
    client = make()
    messages = [{"role": "user", "content": "hi"}]
    stop = time.monotonic() + seconds
    counts = [0] * 16

    def work(index: int) -> None:
        while time.monotonic() < stop:
            client.chat.completions.create(model=MODEL, messages=messages)
            counts[index] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def main() -> None:
    """Measure every floor, print the ratios, write ``benchmarks/out/floors.json``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    options = parser.parse_args()
    rounds = 5 if options.quick else 11
    chunks = 2_000 if options.quick else 10_000
    have_openai = importlib.util.find_spec("openai") is not None
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    server = ctx.Process(target=serve, args=(theirs, chunks), daemon=True)
    server.start()
    root = ours.recv()
    results: dict[str, Any] = {}
    ratios: dict[str, float] = {}
    try:
        small: list[ChatCompletionMessageParam] = [
            {"role": "user", "content": "Hello there, how are you?"}
        ]
        history: list[ChatCompletionMessageParam] = [
            {"role": "user", "content": "z" * 1000} for _ in range(206)
        ]
        for label, kind, messages, per_round in (
            ("small call", "small", small, 200 if options.quick else 400),
            ("206 KB request", "small", history, 20 if options.quick else 50),
            ("1 MB answer", "big", small, 10 if options.quick else 25),
        ):
            print(f"CPU per call: {label} ...", flush=True)
            found = paired(callers(root, kind, messages), rounds, per_round)
            results[f"cpu_us {label}"] = {k: v * 1e6 for k, v in found.items()}
            ratios[f"{label} vs requests"] = found["sogni_compat"] / found["requests"]
        for label, kind in (("text chunk", "stream-text"), ("tool-call chunk", "stream-tool")):
            print(f"CPU per {label} ...", flush=True)
            found = per_chunk(root, kind, chunks, rounds)
            results[f"cpu_us per {label}"] = {k: v * 1e6 for k, v in found.items()}
            ratios[f"{label} vs read1 loop"] = found["sogni_compat"] / found["read1 loop"]
            if "openai" in found:
                ratios[f"{label} vs openai"] = found["sogni_compat"] / found["openai"]
        print("time to first request, fresh interpreters ...", flush=True)
        firsts: dict[str, list[float]] = {name: [] for name in FIRST_REQUEST}
        peaks: dict[str, list[float]] = {name: [] for name in PEAK}
        for _ in range(rounds):
            for name in random.sample(list(FIRST_REQUEST), len(FIRST_REQUEST)):
                firsts[name].append(fresh(FIRST_REQUEST[name].format(root=root))[0])
            for name in random.sample(list(PEAK), len(PEAK)):
                peaks[name].append(float(fresh(PEAK[name].format(root=root))[1]))
        first = {k: statistics.median(v) * 1000 for k, v in firsts.items()}
        peak = {k: statistics.median(v) / (1 << 20) for k, v in peaks.items()}
        results["first request CPU ms"] = first
        results["peak traced memory MB, 4 MB answer"] = peak
        ratios["first request vs requests"] = first["sogni_compat"] / first["requests"]
        ratios["peak memory, 4 MB answer, vs requests"] = peak["sogni_compat"] / peak["requests"]
        if have_openai:
            print("parse() and 16 threads, against openai ...", flush=True)
            found = paired(parse_contenders(root), rounds, 50 if options.quick else 150)
            results["cpu_us parse()"] = {k: v * 1e6 for k, v in found.items()}
            ratios["parse() vs openai"] = found["sogni_compat"] / found["openai"]
            import openai

            import sogni_compat

            seconds = 2.0 if options.quick else 5.0
            rates = {
                "sogni_compat": throughput(
                    root,
                    lambda: sogni_compat.OpenAI(api_key=KEY, base_url=f"{root}/v1/small"),
                    seconds,
                ),
                "openai": throughput(
                    root, lambda: openai.OpenAI(api_key=KEY, base_url=f"{root}/v1/small"), seconds
                ),
            }
            results["calls per second, 16 threads"] = rates
            ratios["16-thread throughput vs openai (higher is better)"] = (
                rates["sogni_compat"] / rates["openai"]
            )
    finally:
        ours.send("stop")
        server.join(5)
    results["ratios"] = ratios
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "floors.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    for name, values in results.items():
        if name != "ratios":
            print(f"{name}: " + ", ".join(f"{k} {v:.1f}" for k, v in values.items()))
    print()
    for name, value in ratios.items():
        limit = TARGETS.get(name)
        verdict = (
            ""
            if limit is None
            else f" (target <= {limit:.2f}: {'met' if value <= limit else 'NOT met'})"
        )
        if limit is not None and name.startswith("16-thread"):
            verdict = f" (target >= {limit:.2f}: {'met' if value >= limit else 'NOT met'})"
        print(f"{name}: {value:.2f}x{verdict}")


if __name__ == "__main__":
    main()
