"""One measurement in a fresh interpreter; prints one JSON object. Driven by ``run.py``.

Usage: ``python _worker.py TASK CONTENDER [BASE_URL [N]]`` where TASK is ``import``,
``call``, ``chunk``, ``first`` or ``memory`` and CONTENDER is ``sogni_compat``, ``openai`` or
``requests`` (import and call only), ``responses`` (chunk only: a Responses stream's events) or
``genuine_responses`` (chunk only: the same events read by a genuine openai client from
``as_openai()``, which this package's transport serves as server-sent events).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

MODEL = "qwen3.6-35b-a3b-gguf-iq4xs"
KEY = "benchmark-key"


def rss_kb() -> int:
    """Resident memory of this process, in KiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def measure_import(contender: str) -> dict[str, Any]:
    """Wall time of ``import contender`` and the resident memory afterwards."""
    started = time.perf_counter()
    __import__(contender)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_kb": rss_kb()}


def caller(contender: str, url: str) -> Callable[[list[dict[str, str]]], Any]:
    """A function sending one non-streaming completion the contender's usual way."""
    if contender == "requests":
        import requests

        session = requests.Session()
        headers = {"Authorization": f"Bearer {KEY}"}

        def call(messages: list[dict[str, str]]) -> Any:
            body = {"model": MODEL, "messages": messages}
            return session.post(f"{url}/chat/completions", json=body, headers=headers).json()

        return call
    client = client_for(contender, url)
    return lambda messages: client.chat.completions.create(model=MODEL, messages=messages)


def client_for(contender: str, url: str) -> Any:
    """A sogni_compat or openai client pointed at the server."""
    if contender == "sogni_compat":
        import sogni_compat

        return sogni_compat.OpenAI(api_key=KEY, base_url=url)
    import openai

    return openai.OpenAI(api_key=KEY, base_url=url)


def measure_call(contender: str, url: str, calls: int) -> dict[str, Any]:
    """Client CPU seconds per non-streaming call, after a warm-up."""
    call = caller(contender, url)
    messages = [{"role": "user", "content": "Hello there, how are you?"}]
    for _ in range(max(calls // 10, 10)):
        call(messages)
    started = time.process_time()
    for _ in range(calls):
        call(messages)
    return {"cpu_per_call": (time.process_time() - started) / calls}


def stream_of(contender: str, url: str, words: int) -> Iterator[Any]:
    """The chunks of one streamed answer of ``words`` tokens (the emulator echoes).

    The ``responses`` contender is sogni_compat's ``responses.create(stream=True)``: its events;
    ``genuine_responses`` the same through ``as_openai()`` (serialised, then read by openai).
    """
    prompt = " ".join(["w"] * words)
    if contender == "responses":
        ours = client_for("sogni_compat", url)
        yield from ours.responses.create(model=MODEL, input=prompt, stream=True)
        return
    if contender == "genuine_responses":
        genuine = client_for("sogni_compat", url).as_openai()
        yield from genuine.responses.create(model=MODEL, input=prompt, stream=True)
        return
    client = client_for(contender, url)
    stream = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": prompt}], stream=True
    )
    yield from stream


def measure_chunk(contender: str, url: str, words: int) -> dict[str, Any]:
    """Client CPU seconds per streamed chunk over one long answer."""
    list(stream_of(contender, url, 20))  # warm-up: imports, connection
    started = time.process_time()
    count = sum(1 for _ in stream_of(contender, url, words))
    return {"cpu_per_chunk": (time.process_time() - started) / count, "chunks": count}


def measure_first(contender: str, url: str, requests_: int) -> dict[str, Any]:
    """Seconds from the server writing the first event to the caller holding that chunk.

    The server stamps each chunk with its monotonic clock (shared by every process on Linux)
    and pauses after the first one, so nothing else can deliver it.
    """
    client = client_for(contender, url)
    messages = [{"role": "user", "content": "first chunk latency"}]
    latencies = []
    for _ in range(requests_):
        stream = client.chat.completions.create(model=MODEL, messages=messages, stream=True)
        chunk = next(iter(stream)) if contender == "openai" else next(stream)
        held = time.monotonic()
        sent_at = chunk.sent_at if contender == "sogni_compat" else chunk.model_extra["sent_at"]
        latencies.append(held - sent_at)
        stream.close()
    return {"latencies": latencies}


def measure_memory(contender: str, url: str, words: int) -> dict[str, Any]:
    """Resident memory every tenth of a long streamed answer, in KiB."""
    list(stream_of(contender, url, 20))
    samples = []
    step = max(words // 10, 1)
    for index, _ in enumerate(stream_of(contender, url, words), start=1):
        if index % step == 0:
            samples.append(rss_kb())
    return {"rss_kb": samples}


def main() -> None:
    """Run the task named on the command line and print its result as JSON."""
    task, contender, *rest = sys.argv[1:]
    url = rest[0] if rest else ""
    n = int(rest[1]) if len(rest) > 1 else 0
    if task == "import":
        result = measure_import(contender)
    elif task == "call":
        result = measure_call(contender, url, n)
    elif task == "chunk":
        result = measure_chunk(contender, url, n)
    elif task == "first":
        result = measure_first(contender, url, n)
    elif task == "memory":
        result = measure_memory(contender, url, n)
    else:
        raise SystemExit(f"unknown task {task!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
