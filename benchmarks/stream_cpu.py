"""Client CPU time per streamed chunk: sogni_compat vs the openai SDK (when installed).

Run from the repository root:

    python benchmarks/stream_cpu.py [--chunks 10000] [--runs 5]

A loopback server in a separate process streams the same answer of N chunks (one HTTP chunk
per SSE event, as streaming servers send them) to each contender in turn; the contenders are
interleaved run by run, and the median client CPU time (``time.process_time``) per chunk is
reported with the ratio. Not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import statistics
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _serve(port_queue: multiprocessing.Queue, chunks: int) -> None:  # type: ignore[type-arg]
    events = []
    for i in range(chunks):
        data = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1767225600,
            "model": "qwen3.6-35b-a3b-gguf-iq4xs",
            "choices": [{"index": 0, "delta": {"content": f"tok{i} "}, "finish_reason": None}],
        }
        payload = f"data: {json.dumps(data)}\n\n".encode()
        events.append(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
    done = b"data: [DONE]\n\n"
    events.append(f"{len(done):x}\r\n".encode() + done + b"\r\n0\r\n\r\n")
    body = b"".join(events)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def _measure(consume: Callable[[], int]) -> tuple[float, int]:
    started = time.process_time()
    count = consume()
    return time.process_time() - started, count


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=_serve, args=(queue, args.chunks), daemon=True)
    server.start()
    base_url = f"http://127.0.0.1:{queue.get(timeout=30)}/v1"
    messages = [{"role": "user", "content": "stream please"}]

    import sogni_compat

    ours = sogni_compat.OpenAI(api_key="bench", base_url=base_url)
    contenders: dict[str, Callable[[], int]] = {
        "sogni_compat": lambda: sum(
            1 for _ in ours.chat.completions.create(messages=messages, stream=True)
        )
    }
    try:
        import openai

        theirs = openai.OpenAI(api_key="bench", base_url=base_url)
        contenders[f"openai {openai.__version__}"] = lambda: sum(
            1
            for _ in theirs.chat.completions.create(
                model="m", messages=messages, stream=True  # type: ignore[arg-type]
            )
        )
    except ImportError:
        print("openai is not installed: only sogni_compat is measured")

    for consume in contenders.values():  # warm up connections and imports
        consume()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.runs):
        for name, consume in contenders.items():
            seconds, count = _measure(consume)
            assert count == args.chunks, (name, count)
            times[name].append(seconds / count * 1e6)
    server.terminate()

    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{args.chunks} chunks, median of {args.runs} runs\n")
    print("| client | CPU per chunk (µs) | ratio to sogni_compat |")
    print("|---|---|---|")
    base = statistics.median(times["sogni_compat"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.1f} | {median / base:.2f} |")


if __name__ == "__main__":
    main()
