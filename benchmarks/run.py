"""Benchmarks: sogni_compat against the openai SDK and raw requests (not part of the tests).

Measured: import time and memory, client CPU per call and per streamed chunk, first-chunk
latency, and memory while streaming.

Run from the repository root (``pip install -e ".[bench]"`` adds openai and matplotlib):

    python benchmarks/run.py            # about ten minutes; --quick for a rough look

The last step runs ``benchmarks/floors.py`` (the lower floors: plain requests, urllib3, a
read1 SSE loop, a fresh interpreter's first request, peak memory, ``parse()``, 16 threads) and
adds its ratios to the results.

The project's ``LocalSogniServer`` runs in a separate process, so its CPU is not counted; every
measurement runs in a fresh interpreter; the contenders alternate run by run and the medians
are compared as ratios. Results go to ``benchmarks/out/`` (``RESULTS.md``, ``results.json``
and, with matplotlib, ``results.png``), which git ignores; ``--update`` writes the committed
copies in ``benchmarks/`` instead. The ``openai`` contender is skipped, with a note, when the
package is not installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from floors import TARGETS as FLOORS_TARGETS  # beside this script (its folder is on the path)

HERE = Path(__file__).resolve().parent
WORKER = HERE / "_worker.py"
#: Workers see compiled bytecode, as installed packages do (some shells disable writing it).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

TARGETS = {
    "import_time": ("import time vs openai", 0.35),
    "import_rss": ("memory after import vs openai", 0.70),
    "call_vs_requests": ("CPU per call vs raw requests", 1.15),
    "call_vs_openai": ("CPU per call vs openai", 0.65),
    "chunk_vs_openai": ("CPU per streamed chunk vs openai", 0.50),
    "response_event_vs_chunk": ("CPU per Responses stream event vs per chat chunk", 1.50),
    "genuine_response_event_vs_openai_chunk": (
        "CPU per Responses event read through as_openai() vs openai's own chat chunk",
        1.50,
    ),
}
#: The floors' targets: ratios of ``benchmarks/floors.py``.
FLOOR_TARGETS = FLOORS_TARGETS
FIRST_CHUNK_LIMIT_MS = 20.0
#: Growth allowed between a tenth of the stream and its end for memory to count as flat.
FLAT_LIMIT_KB = 512


def serve(conn: Connection) -> None:
    """The server process: a LocalSogniServer that takes orders over ``conn``."""
    from sogni_compat.testing import LocalSogniServer

    with LocalSogniServer(stamp_chunks=True) as server:
        conn.send(server.base_url)
        while True:
            order = conn.recv()
            if order[0] == "stall":
                server.slow_next(order[1], seconds=order[2], between_events=True)
                conn.send("ok")
            else:
                return


def worker(task: str, contender: str, *args: object) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter."""
    command = [sys.executable, str(WORKER), task, contender, *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, env=ENV, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:5])} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def interleaved(
    runs: int, contenders: list[str], measure: Callable[[str], float]
) -> dict[str, float]:
    """The median of ``measure(contender)`` over ``runs`` rounds, contenders alternating."""
    values: dict[str, list[float]] = {c: [] for c in contenders}
    for _ in range(runs):
        for contender in contenders:
            values[contender].append(measure(contender))
    return {c: statistics.median(v) for c, v in values.items()}


def machine() -> str:
    """A one-line description of this machine and the packages measured."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = []
    for name in ("sogni_compat", "openai", "requests", "urllib3"):
        version = worker_version(name)
        if version:
            versions.append(f"{name} {version}")
    return (
        f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; {', '.join(versions)}"
    )


def worker_version(name: str) -> str | None:
    """The installed version of a package, without importing it here."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name.replace("_", "-"))
    except PackageNotFoundError:
        return None


def main() -> None:
    """Measure, print, and write RESULTS.md (and results.png with matplotlib)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs")
    parser.add_argument(
        "--update",
        action="store_true",
        help="write the committed results in benchmarks/ instead of benchmarks/out/",
    )
    options = parser.parse_args()
    out = HERE if options.update else HERE / "out"
    out.mkdir(exist_ok=True)
    runs = 3 if options.quick else 5
    calls = 100 if options.quick else 300
    chunks = 2_000 if options.quick else 10_000
    long_stream = 20_000 if options.quick else 100_000
    firsts = 10 if options.quick else 30

    have_openai = importlib.util.find_spec("openai") is not None
    clients = ["sogni_compat", "openai"] if have_openai else ["sogni_compat"]
    notes = [] if have_openai else ["openai is not installed: its columns are skipped."]

    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    server = ctx.Process(target=serve, args=(theirs,), daemon=True)
    server.start()
    url = ours.recv()
    results: dict[str, Any] = {}
    try:
        subprocess.run([sys.executable, "-c", "import sogni_compat"], env=ENV, check=True)
        print("1/6 import time and memory ...", flush=True)
        modules = ["sogni_compat", *(["openai"] if have_openai else []), "requests"]
        imports: dict[str, list[dict[str, Any]]] = {m: [] for m in modules}
        for _ in range(runs * 2 + 1):
            for module in modules:
                imports[module].append(worker("import", module))
        results["import_seconds"] = {
            m: statistics.median(r["seconds"] for r in v) for m, v in imports.items()
        }
        results["import_rss_mb"] = {
            m: statistics.median(r["rss_kb"] for r in v) / 1024 for m, v in imports.items()
        }

        print("2/6 CPU per non-streaming call ...", flush=True)
        results["cpu_per_call_us"] = interleaved(
            runs,
            [*clients, "requests"],
            lambda c: worker("call", c, url, calls)["cpu_per_call"] * 1e6,
        )

        print(f"3/6 CPU per streamed chunk ({chunks:,} chunks) ...", flush=True)
        results["cpu_per_chunk_us"] = interleaved(
            runs,
            [*clients, "responses", *(["genuine_responses"] if have_openai else [])],
            lambda c: worker("chunk", c, url, chunks)["cpu_per_chunk"] * 1e6,
        )

        print("4/6 first-chunk latency ...", flush=True)
        latencies: dict[str, list[float]] = {}
        for contender in clients:
            ours.send(("stall", firsts, 0.05))
            ours.recv()
            latencies[contender] = worker("first", contender, url, firsts)["latencies"]
        results["first_chunk_ms"] = {c: statistics.median(v) * 1000 for c, v in latencies.items()}
        results["first_chunk_p95_ms"] = {
            c: sorted(v)[int(len(v) * 0.95) - 1] * 1000 for c, v in latencies.items()
        }

        print(f"5/6 memory while streaming {long_stream:,} chunks ...", flush=True)
        results["stream_rss_mb"] = {
            c: [kb / 1024 for kb in worker("memory", c, url, long_stream)["rss_kb"]]
            for c in clients
        }
    finally:
        ours.send(("stop",))
        server.join(5)

    print("6/6 the floors (benchmarks/floors.py) ...", flush=True)
    floors = [sys.executable, str(HERE / "floors.py"), *(["--quick"] if options.quick else [])]
    subprocess.run(floors, env=ENV, check=True, stdout=subprocess.DEVNULL)
    results["floors"] = json.loads((HERE / "out" / "floors.json").read_text(encoding="utf-8"))

    results["import_ms"] = {m: s * 1000 for m, s in results["import_seconds"].items()}
    results["stream_growth_mb"] = {
        c: max(samples) - samples[0] for c, samples in results["stream_rss_mb"].items()
    }
    results["chunks"] = chunks
    results["long_stream"] = long_stream
    results["machine"] = machine()
    results["notes"] = notes
    (out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    charted = draw(results, out)
    print(write_results(results, have_openai, charted, out))
    print(f"results: {out}")


def ratios(results: dict[str, Any], have_openai: bool) -> dict[str, float]:
    """The ratios the targets are about."""
    per_chunk = results["cpu_per_chunk_us"]
    out = {
        "call_vs_requests": results["cpu_per_call_us"]["sogni_compat"]
        / results["cpu_per_call_us"]["requests"],
        "response_event_vs_chunk": per_chunk["responses"] / per_chunk["sogni_compat"],
    }
    if have_openai:
        out["genuine_response_event_vs_openai_chunk"] = (
            per_chunk["genuine_responses"] / per_chunk["openai"]
        )
        out["import_time"] = (
            results["import_seconds"]["sogni_compat"] / results["import_seconds"]["openai"]
        )
        out["import_rss"] = (
            results["import_rss_mb"]["sogni_compat"] / results["import_rss_mb"]["openai"]
        )
        out["call_vs_openai"] = (
            results["cpu_per_call_us"]["sogni_compat"] / results["cpu_per_call_us"]["openai"]
        )
        out["chunk_vs_openai"] = (
            results["cpu_per_chunk_us"]["sogni_compat"] / results["cpu_per_chunk_us"]["openai"]
        )
    return out


def write_results(results: dict[str, Any], have_openai: bool, charted: bool, out: Path) -> str:
    """Write ``out/RESULTS.md``; returns its text."""
    contenders = ["sogni_compat", *(["openai"] if have_openai else []), "requests"]

    def row(label: str, key: str, fmt: str) -> str:
        cells = [format(results[key][c], fmt) if c in results[key] else "–" for c in contenders]
        return f"| {label} | " + " | ".join(cells) + " |"

    lines = [
        "# Benchmark results",
        "",
        f"Machine: {results['machine']}.",
        "",
        "Reproduce with `python benchmarks/run.py` (medians of interleaved runs, each in a fresh",
        "interpreter, against `LocalSogniServer` in a separate process).",
        "",
        "| measurement | " + " | ".join(contenders) + " |",
        "|---|" + "---|" * len(contenders),
        row("import time (ms)", "import_ms", ".1f"),
        row("memory after import (MB)", "import_rss_mb", ".1f"),
        row("CPU per call (µs)", "cpu_per_call_us", ".0f"),
        row(
            f"CPU per streamed chunk (µs, {results['chunks']:,} chunks)", "cpu_per_chunk_us", ".1f"
        ),
        row("first-chunk latency, median (ms)", "first_chunk_ms", ".2f"),
        row("first-chunk latency, p95 (ms)", "first_chunk_p95_ms", ".2f"),
        row(
            f"memory growth over a {results['long_stream']:,}-chunk stream (MB)",
            "stream_growth_mb",
            ".2f",
        ),
        "",
        "| target | measured | limit | met |",
        "|---|---|---|---|",
    ]
    for key, value in ratios(results, have_openai).items():
        label, limit = TARGETS[key]
        lines.append(
            f"| {label} | {value:.2f}× | ≤ {limit:.2f}× | {'yes' if value <= limit else 'NO'} |"
        )
    first = results["first_chunk_ms"]["sogni_compat"]
    lines.append(
        f"| first-chunk latency | {first:.2f} ms | ≤ {FIRST_CHUNK_LIMIT_MS:.0f} ms | "
        f"{'yes' if first <= FIRST_CHUNK_LIMIT_MS else 'NO'} |"
    )
    ours = results["stream_growth_mb"]["sogni_compat"]
    lines.append(
        f"| memory while streaming | +{ours:.2f} MB | flat (≤ {FLAT_LIMIT_KB} KB) | "
        f"{'yes' if ours * 1024 <= FLAT_LIMIT_KB else 'NO'} |"
    )
    floors = results.get("floors", {}).get("ratios", {})
    if floors:
        lines += [
            "",
            "Against the floors (`benchmarks/floors.py`: one process, paired shuffled rounds):",
            "",
            "| ratio | measured | target | met |",
            "|---|---|---|---|",
        ]
        for name, value in floors.items():
            bound = FLOOR_TARGETS.get(name)
            if bound is None:
                lines.append(f"| {name} | {value:.2f}× | – | – |")
                continue
            higher = name.startswith("16-thread")
            met = value >= bound if higher else value <= bound
            sign = "≥" if higher else "≤"
            lines.append(
                f"| {name} | {value:.2f}× | {sign} {bound:.2f}× | {'yes' if met else 'NO'} |"
            )
    lines += ["", *(f"Note: {note}" for note in results["notes"])]
    if charted:
        lines += ["", "![benchmark chart](results.png)"]
    text = "\n".join(lines).rstrip() + "\n"
    (out / "RESULTS.md").write_text(text, encoding="utf-8")
    return text


def draw(results: dict[str, Any], out: Path) -> bool:
    """Draw ``out/results.png`` (a panel per measurement, a bar per contender) with matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart (pip install matplotlib)")
        return False
    panels = [
        ("import time (ms)", "import_ms"),
        ("memory after import (MB)", "import_rss_mb"),
        ("CPU per call (µs)", "cpu_per_call_us"),
        ("CPU per streamed chunk (µs)", "cpu_per_chunk_us"),
        ("first-chunk latency (ms)", "first_chunk_ms"),
    ]
    colours = {"sogni_compat": "#2a7ab0", "openai": "#9a9a9a", "requests": "#d9a441"}
    figure, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.2))
    for axis, (title, key) in zip(axes, panels, strict=True):
        names = [c for c in ("sogni_compat", "openai", "requests") if c in results[key]]
        values = [results[key][c] for c in names]
        bars = axis.bar(names, values, color=[colours[c] for c in names])
        axis.bar_label(bars, fmt="%.3g", fontsize=8)
        axis.set_title(title, fontsize=9)
        axis.tick_params(axis="x", labelsize=8, rotation=20)
        axis.tick_params(axis="y", labelsize=8)
        axis.spines[["top", "right"]].set_visible(False)
    figure.suptitle("sogni_compat vs openai vs raw requests (lower is better)", fontsize=10)
    figure.tight_layout()
    figure.savefig(out / "results.png", dpi=110)
    print(f"chart: {out / 'results.png'}")
    return True


if __name__ == "__main__":
    main()
