"""Retry sequences: which failures are retried, how long the client waits, what it resends."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests
import responses

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat._retry import backoff

from ._helpers import API_KEY, BASE_URL, CHAT_URL, USER, completion


def test_500_503_then_success(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """Two server errors are retried with backoff and the third answer is returned."""
    ordered.post(CHAT_URL, status=500, json={"error": {"message": "boom"}})
    ordered.post(CHAT_URL, status=503, body="restarting")
    ordered.post(CHAT_URL, json=completion("finally"))
    answer = client.chat.completions.create(messages=USER)
    assert answer.choices[0].message.content == "finally"
    assert len(ordered.calls) == 3
    assert len(sleeps) == 2
    assert 0.375 <= sleeps[0] <= 0.5
    assert 0.75 <= sleeps[1] <= 1.0


def test_same_idempotency_key_on_every_retry(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """Retries of one call resend the same Idempotency-Key; a new call gets a new one."""
    ordered.post(CHAT_URL, status=502)
    ordered.post(CHAT_URL, json=completion())
    ordered.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=USER)
    client.chat.completions.create(messages=USER)
    keys = [call.request.headers["Idempotency-Key"] for call in ordered.calls]
    assert keys[0] == keys[1]
    assert keys[2] != keys[0]
    assert len(keys[0]) >= 32
    assert ordered.calls[0].request.body == ordered.calls[1].request.body


def test_gives_up_after_max_retries(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """After max_retries retries the last error is raised."""
    for _ in range(3):
        ordered.post(CHAT_URL, status=500, json={"error": {"message": "still down"}})
    with pytest.raises(sogni_compat.InternalServerError, match="still down"):
        client.chat.completions.create(messages=USER)
    assert len(ordered.calls) == 3
    assert len(sleeps) == 2


def test_429_waits_retry_after_seconds(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """A 429 with Retry-After waits exactly that long before retrying."""
    ordered.post(CHAT_URL, status=429, headers={"Retry-After": "7"})
    ordered.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=USER)
    assert sleeps == [7.0]


def test_retry_after_ms_header(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """retry-after-ms is honoured in milliseconds."""
    ordered.post(CHAT_URL, status=429, headers={"retry-after-ms": "1500"})
    ordered.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=USER)
    assert sleeps == [1.5]


def test_retry_after_http_date(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """Retry-After as an HTTP date waits until that moment."""
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    ordered.post(CHAT_URL, status=503, headers={"Retry-After": when})
    ordered.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=USER)
    assert len(sleeps) == 1
    assert 27 <= sleeps[0] <= 30


def test_body_retry_after_wins_over_header(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """The body's retryAfter is used even when a header says otherwise."""
    ordered.post(
        CHAT_URL,
        status=429,
        headers={"Retry-After": "3"},
        json={"status": "error", "message": "slow down", "errorCode": 126, "retryAfter": 12},
    )
    ordered.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=USER)
    assert sleeps == [12.0]


def test_long_retry_after_raises_at_once(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """A wait longer than 60 s is not slept: RateLimitError is raised with retry_after set."""
    ordered.post(
        CHAT_URL,
        status=429,
        headers={"Retry-After": "3600"},
        json={"error": {"message": "Rate limit exceeded", "code": "126"}},
    )
    with pytest.raises(sogni_compat.RateLimitError) as info:
        client.chat.completions.create(messages=USER)
    assert info.value.retry_after == 3600
    assert info.value.code == "126"
    assert sleeps == []
    assert len(ordered.calls) == 1


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 422])
def test_other_4xx_not_retried(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float], status: int
) -> None:
    """Client errors other than 408/409/429 are raised on the first answer."""
    ordered.post(CHAT_URL, status=status, json={"error": {"message": "bad"}})
    with pytest.raises(sogni_compat.APIStatusError):
        client.chat.completions.create(messages=USER)
    assert len(ordered.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 504, 529])
def test_retried_statuses(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float], status: int
) -> None:
    """408, 409, 429 and every status >= 500 are retried."""
    ordered.post(CHAT_URL, status=status)
    ordered.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=USER)
    assert len(sleeps) == 1


def test_x_should_retry_false_overrides(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """x-should-retry: false stops a retry the status would allow."""
    ordered.post(CHAT_URL, status=503, headers={"x-should-retry": "false"})
    with pytest.raises(sogni_compat.InternalServerError):
        client.chat.completions.create(messages=USER)
    assert sleeps == []


def test_x_should_retry_true_overrides(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """x-should-retry: true retries a status that is normally final."""
    ordered.post(CHAT_URL, status=400, headers={"x-should-retry": "true"})
    ordered.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=USER)
    assert len(sleeps) == 1


def test_connection_errors_and_timeouts_retried(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """A refused connection and a read timeout are retried."""
    ordered.post(CHAT_URL, body=requests.exceptions.ConnectionError("refused"))
    ordered.post(CHAT_URL, body=requests.exceptions.ReadTimeout("slow"))
    ordered.post(CHAT_URL, json=completion())
    assert client.chat.completions.create(messages=USER).choices[0].message.content
    assert len(sleeps) == 2


def test_max_retries_zero(ordered: responses.RequestsMock) -> None:
    """max_retries=0 makes exactly one attempt."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0, sleep=lambda _: None)
    ordered.post(CHAT_URL, status=500)
    with pytest.raises(sogni_compat.InternalServerError):
        client.chat.completions.create(messages=USER)
    assert len(ordered.calls) == 1


def test_with_options_max_retries(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """with_options(max_retries=N) changes the number of attempts of the copy only."""
    for _ in range(5):
        ordered.post(CHAT_URL, status=500)
    with pytest.raises(sogni_compat.InternalServerError):
        client.with_options(max_retries=4).chat.completions.create(messages=USER)
    assert len(ordered.calls) == 5
    assert len(sleeps) == 4
    assert sleeps[-1] <= 8.0
    assert client.max_retries == 2


def test_backoff_doubles_and_caps() -> None:
    """Backoff is 0.5 s doubling to at most 8 s, with up to 25 % taken off."""
    assert [backoff(n, rand=lambda: 0.0) for n in range(6)] == [0.5, 1, 2, 4, 8, 8]
    assert backoff(0, rand=lambda: 1.0) == 0.375
    assert backoff(10_000, rand=lambda: 0.0) == 8.0
