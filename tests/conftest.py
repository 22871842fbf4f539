"""Shared fixtures: a strict ``responses`` mock at the transport boundary and a test client."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import responses
from responses.registries import OrderedRegistry

from sogni_compat import OpenAI

from ._helpers import API_KEY, BASE_URL
from ._hostile import Exchange, HostileServer


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
