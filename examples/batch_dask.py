"""Answer many prompts in parallel worker processes with Dask; results in input order.

    pip install -e ".[dask]"
    SOGNI_API_KEY=... python examples/batch_dask.py prompts.txt --workers 4
    python examples/batch_dask.py --offline          # against a local emulator, no key

One prompt per line in the file (without a file, a few sample prompts are used). The client is
pickled to each worker once (its key and options travel; each worker opens its own connection
pool), and every worker paces itself at ``60 / workers`` requests a minute, so the whole batch
stays under Sogni's 60-a-minute limit instead of collecting 429s. A prompt that fails is
reported with its error; the others are unaffected.

The same ``ask`` function also runs on a standard ``concurrent.futures.ProcessPoolExecutor``
(:func:`run_with_processes`) when Dask is not installed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from sogni_compat import OpenAI, OpenAIError

SAMPLE_PROMPTS = [
    "Name three uses of a GPU besides graphics.",
    "Write a haiku about distributed computing.",
    "Explain a race condition in one sentence.",
    "What is the capital of Portugal?",
]
#: Sogni's limit: 60 requests a minute per user.
SOGNI_REQUESTS_PER_MINUTE = 60


@dataclass(frozen=True)
class Outcome:
    """What happened to one prompt: the answer, or the error that stopped it."""

    index: int
    prompt: str
    answer: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        """Whether the prompt was answered."""
        return self.error is None


_worker_client: OpenAI | None = None


def init_worker(client: OpenAI) -> None:
    """Keep the client a worker process received (ProcessPoolExecutor initializer)."""
    global _worker_client  # noqa: PLW0603 - one client per worker process, set once
    _worker_client = client


def ask(prompt: str, client: OpenAI | None = None) -> tuple[str | None, str | None]:
    """Answer one prompt; returns ``(answer, None)`` or ``(None, error)``, never raises."""
    client = client if client is not None else _worker_client
    if client is None:
        return None, "no client in this worker"
    try:
        completion = client.chat.completions.create(
            messages=[{"role": "user", "content": prompt}], think=False
        )
    except (OpenAIError, TypeError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return completion.choices[0].message.content or "", None


def _outcomes(prompts: Sequence[str], results: Sequence[tuple[str | None, str | None]]) -> Any:
    return [
        Outcome(index, prompt, answer, error)
        for index, (prompt, (answer, error)) in enumerate(zip(prompts, results, strict=True))
    ]


def paced_for(client: OpenAI, workers: int) -> OpenAI:
    """A copy of ``client`` pacing each of ``workers`` processes to its share of the limit."""
    return client.with_options(requests_per_minute=SOGNI_REQUESTS_PER_MINUTE / workers)


def run_with_processes(prompts: Sequence[str], client: OpenAI, workers: int = 2) -> list[Outcome]:
    """Answer ``prompts`` on a process pool (spawn), in input order."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=init_worker, initargs=(client,)
    ) as pool:
        results = list(pool.map(ask, prompts))
    outcomes: list[Outcome] = _outcomes(prompts, results)
    return outcomes


def run_with_dask(prompts: Sequence[str], client: OpenAI, dask_client: Any) -> list[Outcome]:
    """Answer ``prompts`` on a Dask cluster, in input order (``gather`` keeps the order)."""
    import cloudpickle  # noqa: PLC0415 - Dask brings it

    # Ship ``ask`` itself, so workers need not import this file.
    cloudpickle.register_pickle_by_value(sys.modules[ask.__module__])
    shared = dask_client.scatter(client, broadcast=True)  # one client per worker, not per task
    futures = dask_client.map(ask, prompts, client=shared, pure=False)
    outcomes: list[Outcome] = _outcomes(prompts, dask_client.gather(futures))
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    """Run a batch from the command line; exit status 1 if any prompt failed."""
    from dask.distributed import Client, LocalCluster  # noqa: PLC0415 - optional

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("prompts", nargs="?", help="a file with one prompt per line")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--offline", action="store_true", help="use a local emulator")
    args = parser.parse_args(argv)
    if args.prompts:
        with open(args.prompts, encoding="utf-8") as lines:
            prompts = [line.strip() for line in lines if line.strip()]
    else:
        prompts = SAMPLE_PROMPTS

    server = None
    if args.offline:
        from sogni_compat.testing import LocalSogniServer  # noqa: PLC0415

        server = LocalSogniServer().start()
        client = server.client()
    else:
        client = OpenAI()
    try:
        with (
            LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True) as cluster,
            Client(cluster) as dask_client,
        ):
            outcomes = run_with_dask(prompts, paced_for(client, args.workers), dask_client)
    finally:
        if server is not None:
            server.stop()
    for outcome in outcomes:
        status = outcome.answer if outcome.ok else f"FAILED: {outcome.error}"
        print(f"[{outcome.index}] {outcome.prompt}\n    {status}")
    return 0 if all(outcome.ok for outcome in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
