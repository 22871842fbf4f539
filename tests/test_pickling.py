"""Shipping a client to another process: options travel, the connection pool is rebuilt."""

from __future__ import annotations

import pickle

import requests

from sogni_compat import OpenAI
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types.chat import ChatCompletionMessageParam

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]


def record(seconds: float) -> None:
    """A module-level sleep replacement (picklable by reference)."""


def test_options_survive_a_round_trip() -> None:
    """Every option of the client comes back after pickling."""
    client = OpenAI(
        api_key="sk-pickle",
        base_url="https://api.test/v1",
        timeout=(3, 30),
        max_retries=4,
        default_headers={"X-Team": "research"},
        default_query={"region": "eu"},
        app_source="batch",
        tool_timeout=90,
        requests_per_minute=30,
        sleep=record,
    )
    copy = pickle.loads(pickle.dumps(client))
    assert copy is not client
    assert (copy.api_key, copy.base_url, copy.timeout, copy.max_retries) == (
        "sk-pickle",
        "https://api.test/v1",
        (3.0, 30.0),
        4,
    )
    assert copy.app_source == "batch"
    assert copy.tool_timeout == 90.0
    assert copy.requests_per_minute == 30.0
    assert copy._default_headers == {"X-Team": "research"}
    assert copy._default_query == {"region": "eu"}
    assert copy._sleep is record
    assert copy._session is not client._session  # a fresh pool


def test_unpickled_client_works_and_old_one_too() -> None:
    """Both the original and the unpickled client talk to the server, on their own pools."""
    with LocalSogniServer() as server:
        client = server.client()
        assert client.chat.completions.create(messages=USER).choices[0].message.content == "Hi"
        copy = pickle.loads(pickle.dumps(client))
        assert copy.chat.completions.create(messages=USER).choices[0].message.content == "Hi"
        assert client.chat.completions.create(messages=USER).choices[0].message.content == "Hi"
        client.close()
        copy.close()


def test_a_given_session_travels_with_its_settings() -> None:
    """A caller's requests.Session is pickled along (its settings, not its sockets)."""
    session = requests.Session()
    session.headers["X-Proxy-Auth"] = "corp"
    session.verify = "/etc/ssl/corp-ca.pem"
    client = OpenAI(api_key="sk-pickle", http_client=session)
    copy = pickle.loads(pickle.dumps(client))
    assert copy._session is not session
    assert copy._session.headers["X-Proxy-Auth"] == "corp"
    assert copy._session.verify == "/etc/ssl/corp-ca.pem"
    assert copy._owns_session is False


def test_a_closed_client_unpickles_open() -> None:
    """Pickling carries configuration, not the closed state of this process's pool."""
    client = OpenAI(api_key="sk-pickle")
    client.close()
    assert pickle.loads(pickle.dumps(client)).is_closed() is False
