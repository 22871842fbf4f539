"""requests_per_minute: request starts spaced evenly, across threads, retries included."""

from __future__ import annotations

import threading
import time

import pytest
import responses

from sogni_compat import OpenAI
from sogni_compat.testing import LocalSogniServer

from ._helpers import API_KEY, BASE_URL, CHAT_URL, USER, completion


def paced(rate: float, sleeps: list[float]) -> OpenAI:
    """A client paced at ``rate`` per minute whose waits are recorded, not slept."""
    return OpenAI(api_key=API_KEY, base_url=BASE_URL, requests_per_minute=rate, sleep=sleeps.append)


def test_requests_are_spaced_evenly_without_a_burst(mock: responses.RequestsMock) -> None:
    """The first request goes at once; each next one waits its 60/N-second turn."""
    sleeps: list[float] = []
    client = paced(60, sleeps)  # one a second
    mock.post(CHAT_URL, json=completion())
    for _ in range(4):
        client.chat.completions.create(messages=USER)
    # Recorded waits do not pass time, so each turn is one interval further away.
    assert len(sleeps) == 3
    for turn, wait in enumerate(sleeps, start=1):
        assert turn - 0.1 < wait <= turn


def test_no_pacing_by_default(mock: responses.RequestsMock) -> None:
    """Without requests_per_minute nothing waits."""
    sleeps: list[float] = []
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, sleep=sleeps.append)
    mock.post(CHAT_URL, json=completion())
    for _ in range(3):
        client.chat.completions.create(messages=USER)
    assert sleeps == []
    assert client.requests_per_minute is None


def test_retries_count_against_the_pace(ordered: responses.RequestsMock) -> None:
    """A retried attempt takes a turn too: it waits for the retry and for its slot."""
    sleeps: list[float] = []
    client = paced(30, sleeps)  # one every two seconds
    ordered.post(CHAT_URL, status=503, headers={"Retry-After": "0.5"})
    ordered.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=USER)
    assert len(ordered.calls) == 2
    retry_wait, pace_wait = sleeps
    assert retry_wait == 0.5
    assert 1.9 < pace_wait <= 2.0


def test_copies_share_the_pace(mock: responses.RequestsMock) -> None:
    """with_options() keeps one pace for both clients unless the rate changes."""
    sleeps: list[float] = []
    client = paced(60, sleeps)
    same = client.with_options(max_retries=0)
    faster = client.with_options(requests_per_minute=120)
    unpaced = client.with_options(requests_per_minute=None)
    assert same._pacer is client._pacer
    assert faster._pacer is not client._pacer
    assert faster.requests_per_minute == 120
    assert unpaced.requests_per_minute is None
    mock.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=USER)
    same.chat.completions.create(messages=USER)
    assert len(sleeps) == 1
    assert 0.9 < sleeps[0] <= 1.0


@pytest.mark.parametrize(
    ("rate", "error"),
    [
        (0, ValueError),
        (-5, ValueError),
        (float("inf"), ValueError),
        ("60", TypeError),
        (True, TypeError),
    ],
)
def test_bad_rates_are_refused(rate: object, error: type[Exception]) -> None:
    """requests_per_minute must be a positive, finite number."""
    with pytest.raises(error, match="requests_per_minute"):
        OpenAI(api_key=API_KEY, requests_per_minute=rate)  # type: ignore[arg-type]


def test_threads_share_one_pace() -> None:
    """Four threads, twelve requests at 1,200 a minute: never faster than 20 a second."""
    interval = 60 / 1200
    with LocalSogniServer() as server, server.client(requests_per_minute=1200) as client:
        started = time.monotonic()

        def work() -> None:
            for _ in range(3):
                client.chat.completions.create(messages=USER)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        assert len(server.requests) == 12
    # Twelve starts spaced by the interval cannot fit in less than eleven intervals.
    assert elapsed >= 11 * interval
