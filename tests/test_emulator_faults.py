"""LocalSogniServer's fault injection: status answers, dropped connections, slow answers."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types.chat import ChatCompletionMessageParam

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """A fresh emulator per test: faults are per server."""
    with LocalSogniServer() as running:
        yield running


def client_for(server: LocalSogniServer, **options: object) -> OpenAI:
    """A client that records retry sleeps instead of sleeping."""
    sleeps: list[float] = []
    return server.client(sleep=sleeps.append, **options)


def test_fail_next_with_status_body_and_headers(server: LocalSogniServer) -> None:
    """The next request gets the given status, JSON body and headers; later ones are normal."""
    server.fail_next(
        status=402,
        body={"error": {"message": "Insufficient balance", "type": "payment", "code": "4080"}},
        headers={"x-should-retry": "false"},
    )
    with client_for(server) as client:
        with pytest.raises(sogni_compat.PaymentRequiredError) as caught:
            client.chat.completions.create(messages=USER)
        assert caught.value.code == "4080"
        assert caught.value.response.headers["x-should-retry"] == "false"
        assert client.chat.completions.create(messages=USER).choices[0].message.content == "Hi"
    assert len(server.requests) == 2


def test_fail_next_count_and_retries(server: LocalSogniServer) -> None:
    """Two injected 503s are retried through; the third attempt is answered."""
    server.fail_next(2, status=503, headers={"Retry-After": "0"})
    with client_for(server) as client:
        answer = client.chat.completions.create(messages=USER)
    assert answer.choices[0].message.content == "Hi"
    assert len(server.requests) == 3
    keys = {r.headers["Idempotency-Key"] for r in server.requests}
    assert len(keys) == 1  # one logical call


def test_text_and_html_bodies(server: LocalSogniServer) -> None:
    """Plain-text and HTML error pages come through as the error message."""
    server.fail_next(status=400, body="plain words")
    server.fail_next(status=404, body="<html><body>Gateway says no</body></html>")
    with client_for(server, max_retries=0) as client:
        with pytest.raises(sogni_compat.BadRequestError, match="plain words"):
            client.chat.completions.create(messages=USER)
        with pytest.raises(sogni_compat.NotFoundError, match="Gateway says no"):
            client.chat.completions.create(messages=USER)


def test_invalid_json_with_status_200(server: LocalSogniServer) -> None:
    """A 200 whose body is not JSON is an APIResponseValidationError."""
    server.fail_next(status=200, body=b'{"id": "trunc')
    with (
        client_for(server) as client,
        pytest.raises(sogni_compat.APIResponseValidationError, match="not valid JSON"),
    ):
        client.chat.completions.create(messages=USER)


def test_path_filter(server: LocalSogniServer) -> None:
    """A fault limited to a path leaves other routes alone."""
    server.fail_next(status=500, path="chat/completions")
    with client_for(server, max_retries=0) as client:
        assert client.models.list().data
        with pytest.raises(sogni_compat.InternalServerError):
            client.chat.completions.create(messages=USER)


@pytest.mark.parametrize("when", ["before_status", "after_headers", "mid_body"])
def test_dropped_connection(server: LocalSogniServer, when: str) -> None:
    """A drop at any point is an APIConnectionError without retries, and retried with them."""
    server.drop_next(when=when)  # type: ignore[arg-type]
    with (
        client_for(server, max_retries=0) as client,
        pytest.raises(sogni_compat.APIConnectionError),
    ):
        client.chat.completions.create(messages=USER)
    server.drop_next(when=when)  # type: ignore[arg-type]
    with client_for(server) as client:
        assert client.chat.completions.create(messages=USER).choices[0].message.content == "Hi"


def test_dropped_stream(server: LocalSogniServer) -> None:
    """A stream dropped after its first event raises APIConnectionError while iterating."""
    server.drop_next(when="mid_body")
    with client_for(server, max_retries=0) as client:
        stream = client.chat.completions.create(messages=USER, stream=True)
        with pytest.raises(sogni_compat.APIConnectionError):
            list(stream)


def test_slow_answer_times_out(server: LocalSogniServer) -> None:
    """An answer slower than the read timeout is an APITimeoutError within about the timeout."""
    server.slow_next(seconds=5)
    with client_for(server, max_retries=0, timeout=(2, 0.3)) as client:
        started = time.monotonic()
        with pytest.raises(sogni_compat.APITimeoutError):
            client.chat.completions.create(messages=USER)
        assert time.monotonic() - started < 3
        assert client.chat.completions.create(messages=USER).choices[0].message.content == "Hi"


def test_slow_answer_that_arrives(server: LocalSogniServer) -> None:
    """A delay shorter than the timeout only delays the answer."""
    server.slow_next(seconds=0.2)
    with client_for(server) as client:
        started = time.monotonic()
        assert client.chat.completions.create(messages=USER).choices[0].message.content == "Hi"
    assert time.monotonic() - started >= 0.2


def test_stream_stalls_between_events(server: LocalSogniServer) -> None:
    """A stream that stalls after its first event raises APITimeoutError past the read timeout."""
    server.slow_next(seconds=5, between_events=True)
    with client_for(server, max_retries=0, timeout=(2, 0.3)) as client:
        stream = client.chat.completions.create(messages=USER, stream=True)
        first = next(stream)
        assert first.choices[0].delta.role == "assistant"
        with pytest.raises(sogni_compat.APITimeoutError):
            list(stream)


def test_clear_faults_and_bad_arguments(server: LocalSogniServer) -> None:
    """clear_faults forgets pending faults; bad fault arguments are refused."""
    server.fail_next(3, status=500)
    server.clear_faults()
    with client_for(server, max_retries=0) as client:
        assert client.models.list().data
    with pytest.raises(ValueError, match="when must be one of"):
        server.drop_next(when="sometime")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="count must be at least 1"):
        server.fail_next(0)


def test_stop_cuts_a_slow_answer_short() -> None:
    """Stopping the server does not wait for a scripted long delay."""
    server = LocalSogniServer().start()
    server.slow_next(seconds=60)
    client = client_for(server, max_retries=0, timeout=(2, 30))
    import threading

    errors: list[BaseException] = []

    def call() -> None:
        try:
            client.chat.completions.create(messages=USER)
        except sogni_compat.APIError as exc:
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    thread.join(10)
    assert not thread.is_alive()
    assert time.monotonic() - started < 5
    assert isinstance(errors[0], sogni_compat.APIConnectionError)
    client.close()


def test_root_url_needs_a_running_server() -> None:
    """Asking a stopped server for its URL is a clear error."""
    with pytest.raises(RuntimeError, match="not running"):
        _ = LocalSogniServer().base_url
