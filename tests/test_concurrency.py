"""One client shared by 16 threads: no cross-talk, no connection leaks, a pool big enough."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from sogni_compat.testing import LocalSogniServer
from sogni_compat.types.chat import ChatCompletionMessageParam

THREADS = 16
CALLS = 50


def test_sixteen_threads_share_one_client(caplog: pytest.LogCaptureFixture) -> None:
    """16 x 50 mixed calls: every thread gets its own answers, and every connection closes."""
    caplog.set_level(logging.WARNING, logger="urllib3")
    failures: list[str] = []
    with LocalSogniServer() as server:
        client = server.client()
        barrier = threading.Barrier(THREADS)

        def work(thread: int) -> None:
            barrier.wait()
            for call in range(CALLS):
                prompt = f"thread {thread} call {call}"
                messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": prompt}]
                try:
                    if call % 3 == 0:
                        stream = client.chat.completions.create(messages=messages, stream=True)
                        text = "".join(
                            chunk.choices[0].delta.content or ""
                            for chunk in stream
                            if chunk.choices
                        )
                    else:
                        answer = client.chat.completions.create(messages=messages)
                        text = answer.choices[0].message.content or ""
                except Exception as exc:  # collected and reported below
                    failures.append(f"{prompt}: {exc!r}")
                    continue
                if text != prompt:
                    failures.append(f"{prompt}: got {text!r}")

        threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not any(thread.is_alive() for thread in threads)
        assert failures == []
        assert len(server.requests) == THREADS * CALLS
        assert server.open_connections <= THREADS  # reused, never more than the threads
        client.close()
        deadline = time.monotonic() + 5
        while server.open_connections and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.open_connections == 0
    pool_warnings = [r for r in caplog.records if "pool is full" in r.getMessage()]
    assert pool_warnings == []
