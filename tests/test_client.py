"""Client configuration: keys, environment, headers, timeouts, copies and lifecycle."""

from __future__ import annotations

import logging
import pathlib
import pickle
import uuid
from typing import cast

import pytest
import requests
import responses

import sogni_compat
from sogni_compat import OpenAI

from ._helpers import API_KEY, BASE_URL, CHAT_URL, USER, completion


def test_sogni_is_openai() -> None:
    """Sogni and OpenAI are the same class."""
    assert sogni_compat.Sogni is sogni_compat.OpenAI
    assert sogni_compat.SogniError is sogni_compat.OpenAIError


def test_missing_key_names_option_and_variable() -> None:
    """Without a key, OpenAIError names api_key and SOGNI_API_KEY."""
    with pytest.raises(sogni_compat.OpenAIError, match=r"api_key.*SOGNI_API_KEY"):
        OpenAI()


def test_openai_api_key_is_never_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """OPENAI_API_KEY is found but not used, and the error says so without showing it."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-secret")
    with pytest.raises(sogni_compat.OpenAIError, match="SOGNI_API_KEY") as raised:
        OpenAI()
    message = str(raised.value)
    assert "OPENAI_API_KEY is set but deliberately not used" in message
    assert "sk-openai-secret" not in message
    assert "openai-secret" not in repr(raised.value)


def test_missing_key_without_openai_key_does_not_mention_it() -> None:
    """With no OPENAI_API_KEY either, the error does not talk about it."""
    with pytest.raises(sogni_compat.OpenAIError) as raised:
        OpenAI()
    assert "OPENAI_API_KEY" not in str(raised.value)


def test_key_and_base_url_from_environment(
    monkeypatch: pytest.MonkeyPatch, mock: responses.RequestsMock
) -> None:
    """SOGNI_API_KEY and SOGNI_BASE_URL configure a client built with no arguments."""
    monkeypatch.setenv("SOGNI_API_KEY", "env-key")
    monkeypatch.setenv("SOGNI_BASE_URL", "https://env.test/v1/")
    mock.post("https://env.test/v1/chat/completions", json=completion())
    client = OpenAI()
    assert client.base_url == "https://env.test/v1"
    client.chat.completions.create(messages=USER)
    assert mock.calls[0].request.headers["Authorization"] == "Bearer env-key"


def test_explicit_arguments_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """api_key and base_url arguments take precedence over the environment."""
    monkeypatch.setenv("SOGNI_API_KEY", "env-key")
    monkeypatch.setenv("SOGNI_BASE_URL", "https://env.test/v1")
    client = OpenAI(api_key="arg-key", base_url="https://arg.test/v1")
    assert client.api_key == "arg-key"
    assert client.base_url == "https://arg.test/v1"


def test_default_base_url() -> None:
    """Without configuration the client talks to api.sogni.ai."""
    assert OpenAI(api_key="k").base_url == "https://api.sogni.ai/v1"


def test_request_headers(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Every request carries the bearer key, a sogni-compat User-Agent and a fresh UUID4 key."""
    mock.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=USER)
    client.chat.completions.create(messages=USER)
    headers = mock.calls[0].request.headers
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["User-Agent"].startswith(f"sogni-compat/{sogni_compat.__version__}")
    key = uuid.UUID(headers["Idempotency-Key"])  # the standard library's reading of it
    assert (key.version, key.variant) == (4, uuid.RFC_4122)
    assert str(key) == headers["Idempotency-Key"]
    assert mock.calls[1].request.headers["Idempotency-Key"] != headers["Idempotency-Key"]


def test_default_headers_and_query(mock: responses.RequestsMock) -> None:
    """default_headers and default_query are sent on every request."""
    mock.get(f"{BASE_URL}/models?tenant=a", json={"object": "list", "data": []})
    client = OpenAI(
        api_key="k",
        base_url=BASE_URL,
        default_headers={"X-Team": "ml"},
        default_query={"tenant": "a"},
    )
    client.models.list()
    assert mock.calls[0].request.headers["X-Team"] == "ml"


def test_key_not_in_repr() -> None:
    """repr(client) shows the base URL but never the key."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    assert API_KEY not in repr(client)
    assert BASE_URL in repr(client)


def test_key_not_in_debug_logs(
    client: OpenAI, mock: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    """Debug logging shows method, URL and status, never the key."""
    mock.post(CHAT_URL, status=500)
    mock.post(CHAT_URL, json=completion())
    with caplog.at_level(logging.DEBUG, logger="sogni_compat"):
        client.chat.completions.create(messages=USER)
    text = caplog.text
    assert "POST https://api.test/v1/chat/completions -> 500 (attempt 1" in text
    assert "-> 200 (attempt 2" in text
    assert API_KEY not in text


def test_key_not_in_connection_error(mock: responses.RequestsMock) -> None:
    """A connection error's message does not contain the key."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    mock.post(CHAT_URL, body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(sogni_compat.APIConnectionError) as info:
        client.chat.completions.create(messages=USER)
    assert API_KEY not in str(info.value)
    assert API_KEY not in repr(info.value)


def _timeout_sent(mock: responses.RequestsMock) -> object:
    """The timeout the client handed to requests for the first call."""
    request: object = mock.calls[0].request
    return getattr(request, "req_kwargs", {}).get("timeout")


@pytest.mark.parametrize(
    ("client_timeout", "call_timeout", "expected"),
    [
        (None, None, (5.0, 600.0)),
        (30, None, (30.0, 30.0)),
        ((2, 20), None, (2.0, 20.0)),
        (None, 9, (9.0, 9.0)),
        ((2, 20), (1, 3), (1.0, 3.0)),
    ],
)
def test_timeouts_reach_requests(
    mock: responses.RequestsMock,
    client_timeout: float | tuple[float, float] | None,
    call_timeout: float | tuple[float, float] | None,
    expected: tuple[float, float],
) -> None:
    """The client timeout (default 5 s connect, 600 s read) is overridden per request."""
    mock.post(CHAT_URL, json=completion())
    client = OpenAI(api_key="k", base_url=BASE_URL, timeout=client_timeout)
    client.chat.completions.create(messages=USER, timeout=call_timeout)
    assert _timeout_sent(mock) == expected


def test_timeout_object_with_connect_and_read(mock: responses.RequestsMock) -> None:
    """An httpx-style timeout object with connect/read attributes is accepted."""

    class HttpxLikeTimeout:
        connect = 3.0
        read = 40.0

    mock.post(CHAT_URL, json=completion())
    client = OpenAI(api_key="k", base_url=BASE_URL, timeout=HttpxLikeTimeout())  # type: ignore[arg-type]
    client.chat.completions.create(messages=USER)
    assert _timeout_sent(mock) == (3.0, 40.0)


def test_with_options_shares_the_pool(mock: responses.RequestsMock) -> None:
    """with_options returns a configured copy sharing the session; copy is an alias."""
    client = OpenAI(api_key="k", base_url=BASE_URL, app_source="a")
    other = client.with_options(timeout=12, default_headers={"X-B": "1"})
    assert other is not client
    assert other._session is client._session
    assert other.timeout == (12.0, 12.0)
    assert other.app_source == "a"
    assert client.timeout == (5.0, 600.0)
    assert OpenAI.copy is OpenAI.with_options
    mock.post(CHAT_URL, json=completion())
    other.chat.completions.create(messages=USER)
    assert mock.calls[0].request.headers["X-B"] == "1"
    other.close()
    assert other.is_closed()
    assert not client.is_closed()


def test_close_and_context_manager() -> None:
    """close() marks the client closed; using it afterwards raises a clear error."""
    with OpenAI(api_key="k", base_url=BASE_URL) as client:
        assert not client.is_closed()
    assert client.is_closed()
    with pytest.raises(sogni_compat.OpenAIError, match="closed"):
        client.chat.completions.create(messages=USER)


def test_namespaces_are_stable_and_assignable() -> None:
    """client.chat.completions and client.models are the same objects each time, and patchable."""
    client = OpenAI(api_key="k")
    assert client.chat is client.chat
    assert client.chat.completions is client.chat.completions
    assert client.models is client.models
    original = client.chat.completions.create

    def patched(**kwargs: object) -> str:
        return "patched"

    client.chat.completions.create = patched  # type: ignore[method-assign,assignment]
    assert cast(object, client.chat.completions.create(messages=USER)) == "patched"
    assert cast(object, client.chat.completions.create) is patched
    assert cast(object, original) is not patched


def test_own_session_is_used(mock: responses.RequestsMock) -> None:
    """A requests.Session passed as http_client carries the requests and is not closed by us."""
    session = requests.Session()
    session.headers["X-From-Session"] = "yes"
    mock.post(CHAT_URL, json=completion())
    with OpenAI(api_key="k", base_url=BASE_URL, http_client=session) as client:
        client.chat.completions.create(messages=USER)
    assert mock.calls[0].request.headers["X-From-Session"] == "yes"


def test_response_objects_pickle(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A completion survives pickling with its extras."""
    mock.post(CHAT_URL, json=completion(sogni_tool_results=[{"tool": "x", "success": True}]))
    answer = client.chat.completions.create(messages=USER)
    again = pickle.loads(pickle.dumps(answer))
    assert again == answer
    assert again.sogni_tool_results == [{"tool": "x", "success": True}]


def test_netrc_entry_does_not_replace_the_key(
    client: OpenAI,
    mock: responses.RequestsMock,
    tmp_path: pathlib.Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ~/.netrc entry for the host leaves the bearer key alone (requests would use Basic)."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine api.test login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    mock.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=USER)
    assert mock.calls[0].request.headers["Authorization"] == f"Bearer {API_KEY}"
