"""Shared fixtures: a strict ``responses`` mock at the transport boundary and a test client.

Also the gate of the live contract suite (``tests/test_live.py``): its tests are collected
always and skipped unless the run selects them (``-m live``) and ``SOGNI_API_KEY`` is set; those
that spend media credits (``live_media``) also need ``SOGNI_LIVE_MEDIA=1``. The key is read once,
here, before every other test's environment is cleared.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
import responses
from responses.registries import OrderedRegistry

from sogni_compat import OpenAI

from ._helpers import API_KEY, BASE_URL
from ._hostile import Exchange, HostileServer

#: The live suite's key, read before the tests clear the environment (never printed).
LIVE_KEY = os.environ.get("SOGNI_API_KEY") or None
LIVE_MEDIA = os.environ.get("SOGNI_LIVE_MEDIA") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the live tests unless asked for by ``-m live`` with a key (media: and opted in)."""
    chosen = "live" in (config.getoption("markexpr", "") or "")
    for item in items:
        if item.get_closest_marker("live") is None:
            continue
        if not chosen:
            item.add_marker(pytest.mark.skip(reason="live contract test: run `pytest -m live`"))
        elif LIVE_KEY is None:
            item.add_marker(pytest.mark.skip(reason="live contract test: SOGNI_API_KEY is not set"))
        elif item.get_closest_marker("live_media") is not None and not LIVE_MEDIA:
            item.add_marker(
                pytest.mark.skip(reason="spends media credits: set SOGNI_LIVE_MEDIA=1 to run it")
            )


@pytest.fixture
def live_client() -> Iterator[OpenAI]:
    """A client of the real service with the key the live suite was started with.

    The key goes straight into the client (never into a test's locals or output); hosted
    tools get ten minutes.
    """
    assert LIVE_KEY is not None
    with OpenAI(api_key=LIVE_KEY, base_url="https://api.sogni.ai/v1", tool_timeout=600) as c:
        yield c


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the caller's Sogni/OpenAI environment out of the tests."""
    for name in ("SOGNI_API_KEY", "SOGNI_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    """A strict transport mock: unregistered requests fail, registered ones must be called."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def sleeps() -> list[float]:
    """The delays the client asked to sleep, recorded instead of slept."""
    return []


@pytest.fixture
def client(sleeps: list[float]) -> Iterator[OpenAI]:
    """A client against the mock base URL that records its retry sleeps."""
    with OpenAI(api_key=API_KEY, base_url=BASE_URL, sleep=sleeps.append) as c:
        yield c


@pytest.fixture
def ordered() -> Iterator[responses.RequestsMock]:
    """A strict mock that answers registered responses in order (for retry sequences)."""
    with responses.RequestsMock(
        assert_all_requests_are_fired=True, registry=OrderedRegistry
    ) as rsps:
        yield rsps


@pytest.fixture
def hostile() -> Iterator[Callable[[Callable[[Exchange], None]], HostileServer]]:
    """Start raw-socket servers running a script each; all are stopped afterwards."""
    servers: list[HostileServer] = []

    def start(script: Callable[[Exchange], None]) -> HostileServer:
        server = HostileServer(script)
        servers.append(server.__enter__())
        return server

    yield start
    for server in servers:
        server.stop()
