"""Secrets kept and transport safety: the key stays out of reprs, errors, logs and pickles."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from typing import Any

import pytest
import responses

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.testing import LocalSogniServer

from ._helpers import API_KEY, BASE_URL, CHAT_URL, USER, completion, error_class


def test_key_not_in_repr() -> None:
    """The repr and str of a client never show the key."""
    client = OpenAI(api_key=API_KEY)
    assert API_KEY not in repr(client)
    assert API_KEY not in str(client)


def test_key_not_in_connection_errors() -> None:
    """A transport error quoting a URL that carries the key (as a query) masks it."""
    with LocalSogniServer() as server:
        port = server.root_url.rsplit(":", 1)[1]
    client = OpenAI(
        api_key=API_KEY,
        base_url=f"http://127.0.0.1:{port}/v1",
        default_query={"key": API_KEY},
        max_retries=0,
        timeout=(1, 1),
    )
    with pytest.raises(sogni_compat.APIConnectionError) as caught:
        client.models.list()
    assert "Connection error" in str(caught.value)
    assert API_KEY not in str(caught.value)
    assert API_KEY not in repr(caught.value)


def test_key_not_in_status_errors(mock: responses.RequestsMock) -> None:
    """A server echoing the key in its error body does not get it into the message."""
    mock.post(CHAT_URL, status=401, json={"error": {"message": f"Invalid key {API_KEY}"}})
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    with pytest.raises(sogni_compat.AuthenticationError) as caught:
        client.chat.completions.create(messages=USER)
    assert API_KEY not in str(caught.value)


def test_debug_log_from_sogni_log_redacts_the_key() -> None:
    """SOGNI_LOG=debug logs method, URL, status, attempt and duration, with the key masked."""
    code = (
        "import sogni_compat, sys\n"
        "from sogni_compat.testing import LocalSogniServer\n"
        "with LocalSogniServer() as s:\n"
        f"    c = sogni_compat.OpenAI(api_key={API_KEY!r}, base_url=s.base_url,\n"
        f"                            default_query={{'token': {API_KEY!r}}})\n"
        "    c.chat.completions.create(messages=[{'role': 'user', 'content': 'hi'}])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOGNI_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "SOGNI_LOG": "debug"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    log = done.stderr
    assert "POST http://127.0.0.1:" in log
    assert "/v1/chat/completions?token=***" in log
    assert "-> 200 (attempt 1," in log
    assert " ms)" in log
    assert API_KEY not in log
    quiet = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert quiet.stderr == ""  # no SOGNI_LOG: nothing is printed


def test_pickle_does_not_show_the_key() -> None:
    """A pickled client printed by mistake does not reveal the key; unpickling restores it."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    data = pickle.dumps(client)
    assert API_KEY.encode() not in data
    assert API_KEY not in repr(data)
    assert pickle.loads(data).api_key == API_KEY


@pytest.mark.parametrize(
    "url",
    ["http://api.sogni.ai/v1", "http://10.0.0.5:8080/v1", "http://example.test/v1"],
)
def test_plain_http_to_another_machine_is_refused(url: str) -> None:
    """http:// to a non-loopback host is a ValueError naming the risk and the way out."""
    with pytest.raises(ValueError, match="allow_insecure_http=True") as caught:
        OpenAI(api_key=API_KEY, base_url=url)
    assert "unencrypted" in str(caught.value)
    assert OpenAI(api_key=API_KEY, base_url=url, allow_insecure_http=True).base_url == url


def test_plain_http_from_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """SOGNI_BASE_URL gets the same check."""
    monkeypatch.setenv("SOGNI_BASE_URL", "http://api.sogni.ai/v1")
    with pytest.raises(ValueError, match="unencrypted"):
        OpenAI(api_key=API_KEY)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/v1", "http://localhost/v1", "http://[::1]:9/v1", "http://127.1.2.3/v1"],
)
def test_plain_http_to_this_machine_is_allowed(url: str) -> None:
    """Loopback addresses may use http://: the key does not leave the machine."""
    assert OpenAI(api_key=API_KEY, base_url=url).base_url == url


def test_insecure_flag_is_checked_and_kept_by_copies() -> None:
    """allow_insecure_http must be a bool and survives with_options()."""
    with pytest.raises(TypeError, match="allow_insecure_http"):
        OpenAI(api_key=API_KEY, allow_insecure_http="yes")  # type: ignore[arg-type]
    client = OpenAI(api_key=API_KEY, base_url="http://lan.test/v1", allow_insecure_http=True)
    assert client.with_options(max_retries=0).base_url == "http://lan.test/v1"
    with pytest.raises(ValueError, match="unencrypted"):
        client.with_options(allow_insecure_http=False)


def sent_kwargs(mock: responses.RequestsMock, index: int) -> dict[str, Any]:
    """The keyword arguments the transport adapter was called with (recorded by responses)."""
    kwargs: dict[str, Any] = getattr(mock.calls[index].request, "req_kwargs")
    return kwargs


def test_tls_verification_stays_on(
    mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Certificates are verified: against the default store, or a CA bundle from the env."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    mock.post(CHAT_URL, json=completion())
    OpenAI(api_key=API_KEY, base_url=BASE_URL).chat.completions.create(messages=USER)
    assert sent_kwargs(mock, 0)["verify"] is True

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corp-ca.pem")
    mock.post(CHAT_URL, json=completion())
    OpenAI(api_key=API_KEY, base_url=BASE_URL).chat.completions.create(messages=USER)
    assert sent_kwargs(mock, 1)["verify"] == "/etc/ssl/corp-ca.pem"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_refused(client: OpenAI, mock: responses.RequestsMock, status: int) -> None:
    """A redirect is an APIStatusError naming where it pointed; nothing goes to the other host."""
    mock.get(
        f"{BASE_URL}/models",
        status=status,
        headers={"Location": "https://elsewhere.test/v1/models"},
    )
    with pytest.raises(sogni_compat.APIStatusError) as caught:
        client.models.list()
    assert error_class(caught.value) is sogni_compat.APIStatusError
    assert caught.value.status_code == status
    assert "redirected to 'https://elsewhere.test/v1/models'" in str(caught.value)
    assert "base_url" in str(caught.value)
    assert len(mock.calls) == 1  # not retried, not followed
