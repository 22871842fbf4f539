"""Scale-out: the example batch over worker processes (spawn always, Dask when installed)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sogni_compat.testing import LocalSogniServer

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PROMPTS = [f"prompt number {n}" for n in range(12)]


@pytest.fixture
def batch() -> Iterator[Any]:
    """The examples/batch_dask.py module (spawned workers find it through sys.path)."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        import batch_dask

        yield batch_dask
    finally:
        sys.path.remove(str(EXAMPLES))


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """The emulator the worker processes talk to over loopback."""
    with LocalSogniServer() as running:
        yield running


def check(outcomes: list[Any], server: LocalSogniServer) -> None:
    """Results come back in input order; exactly the injected failure is reported, per prompt."""
    assert [o.index for o in outcomes] == list(range(len(PROMPTS)))
    assert [o.prompt for o in outcomes] == PROMPTS
    failed = [o for o in outcomes if not o.ok]
    assert len(failed) == 1
    assert failed[0].answer is None
    assert "BadRequestError" in (failed[0].error or "")
    assert "injected for one prompt" in (failed[0].error or "")
    for outcome in outcomes:
        if outcome.ok:
            assert outcome.answer == outcome.prompt  # the emulator echoes
    assert len(server.requests) == len(PROMPTS)


def test_batch_on_spawned_processes(batch: Any, server: LocalSogniServer) -> None:
    """The pickled client works in spawned workers; order and per-prompt failures hold."""
    server.fail_next(status=400, body={"error": {"message": "injected for one prompt"}})
    client = server.client(max_retries=0, requests_per_minute=6000)
    outcomes = batch.run_with_processes(PROMPTS, client, workers=2)
    check(outcomes, server)
    agents = {r.headers["User-Agent"] for r in server.requests}
    assert all(agent.startswith("sogni-compat/") for agent in agents)


def test_paced_for_splits_the_limit(batch: Any) -> None:
    """Each of W workers gets 60/W requests a minute."""
    from sogni_compat import OpenAI

    client = OpenAI(api_key="k")
    assert batch.paced_for(client, 4).requests_per_minute == 15.0


@pytest.mark.optional
def test_batch_on_a_dask_local_cluster(batch: Any, server: LocalSogniServer) -> None:
    """The same batch on a Dask LocalCluster with worker processes."""
    distributed = pytest.importorskip("dask.distributed")
    server.fail_next(status=400, body={"error": {"message": "injected for one prompt"}})
    client = server.client(max_retries=0, requests_per_minute=6000)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        outcomes = batch.run_with_dask(PROMPTS, client, dask_client)
    check(outcomes, server)
