"""Faults survived: each case raises the exact error, within a bound, and the client recovers.

Every case runs against a real loopback server (``LocalSogniServer`` and its fault injection),
with short timeouts and recorded (not slept) retry waits.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types.chat import ChatCompletionMessageParam

from ._helpers import error_class

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
CONNECT, READ = 1.0, 0.5
#: Upper bound on any single failing call here: attempts x (connect + read) plus slack.
BOUND = 3 * (CONNECT + READ) + 2.0


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """A fresh emulator: faults are per server."""
    with LocalSogniServer() as running:
        yield running


class Harness:
    """A client with short timeouts and recorded waits, plus the checks every case makes."""

    def __init__(self, server: LocalSogniServer, max_retries: int) -> None:
        self.server = server
        self.sleeps: list[float] = []
        self.client = server.client(
            max_retries=max_retries, timeout=(CONNECT, READ), sleep=self.sleeps.append
        )

    def fails(self, error: type[Exception], call: Callable[[], Any]) -> Exception:
        """``call`` raises exactly ``error`` within BOUND seconds; returns the exception."""
        started = time.monotonic()
        with pytest.raises(error) as caught:
            call()
        assert error_class(caught.value) is error
        assert time.monotonic() - started < BOUND
        return caught.value

    def recovers(self) -> None:
        """The same client object answers the next call normally."""
        answer = self.client.chat.completions.create(messages=USER)
        assert answer.choices[0].message.content == "Hi"

    def create(self, **kwargs: Any) -> Any:
        """One chat completion."""
        return self.client.chat.completions.create(messages=USER, **kwargs)


@pytest.fixture
def harness(server: LocalSogniServer) -> Iterator[Callable[[int], Harness]]:
    """Make harnesses (one per max_retries value); their clients close afterwards."""
    made: list[Harness] = []

    def make(max_retries: int = 0) -> Harness:
        made.append(Harness(server, max_retries))
        return made[-1]

    yield make
    for h in made:
        h.client.close()


def test_connection_refused() -> None:
    """Nothing listening: APIConnectionError after the retries; works once a server is up."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    client = OpenAI(
        api_key="k",
        base_url=f"http://127.0.0.1:{port}/v1",
        timeout=(CONNECT, READ),
        sleep=sleeps.append,
    )
    started = time.monotonic()
    with pytest.raises(sogni_compat.APIConnectionError) as caught:
        client.chat.completions.create(messages=USER)
    assert error_class(caught.value) is sogni_compat.APIConnectionError
    assert "Connection" in str(caught.value)
    assert time.monotonic() - started < BOUND
    assert len(sleeps) == 2  # three attempts
    with LocalSogniServer(port=port):
        assert client.chat.completions.create(messages=USER).choices[0].message.content == "Hi"
    client.close()


@pytest.mark.parametrize("when", ["before_status", "after_headers", "mid_body"])
def test_dropped_connection(harness: Callable[[int], Harness], when: str) -> None:
    """A drop before the status line, after the headers or mid-body is APIConnectionError."""
    h = harness(0)
    h.server.drop_next(when=when)  # type: ignore[arg-type]
    h.fails(sogni_compat.APIConnectionError, h.create)
    h.recovers()


@pytest.mark.parametrize("when", ["before_status", "after_headers", "mid_body"])
def test_dropped_connection_is_retried(harness: Callable[[int], Harness], when: str) -> None:
    """With retries, one drop costs one retry and the call succeeds, with one Idempotency-Key."""
    h = harness(2)
    h.server.drop_next(when=when)  # type: ignore[arg-type]
    assert h.create().choices[0].message.content == "Hi"
    assert len(h.sleeps) == 1
    keys = {r.headers["Idempotency-Key"] for r in h.server.requests}
    assert len(keys) == 1


@pytest.mark.parametrize(
    "body", [b'{"id": "chatcmpl-1", "choices": [{"mess', b"<html>not json</html>", b""]
)
def test_truncated_or_invalid_json_200(harness: Callable[[int], Harness], body: bytes) -> None:
    """A 200 whose body is not complete JSON is APIResponseValidationError, not retried."""
    h = harness(2)
    h.server.fail_next(status=200, body=body)
    error = h.fails(sogni_compat.APIResponseValidationError, h.create)
    assert "not valid JSON" in str(error)
    assert h.sleeps == []
    h.recovers()


def test_html_5xx_is_retried_then_raised(harness: Callable[[int], Harness]) -> None:
    """An HTML 502 page is retried; when every attempt fails the page's text is the message."""
    h = harness(2)
    h.server.fail_next(3, status=502, body="<html><h1>502 Bad Gateway</h1></html>")
    error = h.fails(sogni_compat.InternalServerError, h.create)
    assert "502 Bad Gateway" in str(error)
    assert len(h.sleeps) == 2
    h.recovers()


def test_plain_text_4xx_is_not_retried(harness: Callable[[int], Harness]) -> None:
    """A plain-text 400 raises BadRequestError at once with the text as the message."""
    h = harness(2)
    h.server.fail_next(status=400, body="messages[0].content is too long")
    error = h.fails(sogni_compat.BadRequestError, h.create)
    assert "messages[0].content is too long" in str(error)
    assert h.sleeps == []
    h.recovers()


def test_server_that_never_answers(harness: Callable[[int], Harness]) -> None:
    """A server that accepts and never answers is APITimeoutError after the read timeout."""
    h = harness(1)
    h.server.slow_next(2, seconds=30)
    h.fails(sogni_compat.APITimeoutError, h.create)
    assert len(h.sleeps) == 1  # timeouts are retried
    h.recovers()


def test_body_that_trickles_forever(harness: Callable[[int], Harness]) -> None:
    """Bytes arriving just often enough to dodge the read timeout still end at the deadline."""
    h = harness(0)
    h.server.slow_next(seconds=0.2, drip=True)  # ~400 bytes at 0.2 s each: over a minute
    h.fails(sogni_compat.APITimeoutError, h.create)
    h.recovers()


def test_stream_that_stalls_between_events(harness: Callable[[int], Harness]) -> None:
    """A stream silent for longer than the read timeout raises APITimeoutError while reading."""
    h = harness(0)
    h.server.slow_next(seconds=30, between_events=True)
    stream = h.create(stream=True)
    assert next(stream).choices[0].delta.role == "assistant"
    h.fails(sogni_compat.APITimeoutError, lambda: list(stream))
    h.recovers()


def test_429_storm_with_retry_after(harness: Callable[[int], Harness]) -> None:
    """Every attempt rate-limited: the waits are the server's, then RateLimitError."""
    h = harness(2)
    h.server.fail_next(
        3,
        status=429,
        headers={"Retry-After": "2"},
        body={"error": {"message": "Rate limit exceeded", "type": "rate_limit", "code": "126"}},
    )
    error = h.fails(sogni_compat.RateLimitError, h.create)
    assert error.retry_after == 2.0  # type: ignore[attr-defined]
    assert h.sleeps == [2.0, 2.0]
    h.recovers()


def test_429_storm_without_retry_after(harness: Callable[[int], Harness]) -> None:
    """Without Retry-After the waits back off exponentially with jitter."""
    h = harness(2)
    h.server.fail_next(3, status=429)
    h.fails(sogni_compat.RateLimitError, h.create)
    first, second = h.sleeps
    assert 0.375 <= first <= 0.5
    assert 0.75 <= second <= 1.0
    h.recovers()


def test_429_asking_for_too_long_a_wait(harness: Callable[[int], Harness]) -> None:
    """A Retry-After beyond 60 s is not waited out: the error comes at once, with retry_after."""
    h = harness(2)
    h.server.fail_next(status=429, headers={"Retry-After": "3600"})
    error = h.fails(sogni_compat.RateLimitError, h.create)
    assert error.retry_after == 3600.0  # type: ignore[attr-defined]
    assert h.sleeps == []
    h.recovers()


@pytest.mark.parametrize(
    ("status", "should_retry", "error", "attempts"),
    [
        (503, "false", sogni_compat.InternalServerError, 1),
        (400, "true", sogni_compat.BadRequestError, 3),
    ],
)
def test_x_should_retry_decides(
    harness: Callable[[int], Harness],
    status: int,
    should_retry: str,
    error: type[Exception],
    attempts: int,
) -> None:
    """x-should-retry overrides the status: false stops a 503, true retries a 400."""
    h = harness(2)
    h.server.fail_next(attempts, status=status, headers={"x-should-retry": should_retry})
    h.fails(error, h.create)
    assert len(h.server.requests) == attempts
    h.recovers()


def test_stream_dropped_after_some_chunks(harness: Callable[[int], Harness]) -> None:
    """A stream cut after its first event: the chunk arrived, then APIConnectionError."""
    h = harness(2)
    h.server.drop_next(when="mid_body")
    stream = h.create(stream=True)
    assert next(stream).choices[0].delta.role == "assistant"
    h.fails(sogni_compat.APIConnectionError, lambda: list(stream))
    assert len(h.server.requests) == 1  # nothing is retried once a chunk was handed over
    h.recovers()
