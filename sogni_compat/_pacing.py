"""Client-side pacing for batch jobs: request starts spaced evenly, shared by all threads."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

__all__ = ["Pacer", "check_rate"]


def check_rate(value: object) -> float | None:
    """``None`` (no pacing) or a positive, finite number of requests per minute."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"requests_per_minute must be a number; got {value!r}")
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"requests_per_minute must be a positive number; got {value!r}")
    return float(value)


class Pacer:
    """Lets one request start every ``60 / requests_per_minute`` seconds, with no burst.

    Each caller takes the next free start time and sleeps until it, so threads sharing one
    pacer queue up evenly; the first request starts at once.
    """

    def __init__(self, requests_per_minute: float, sleep: Callable[[float], None]) -> None:
        self.requests_per_minute = requests_per_minute
        self.interval = 60.0 / requests_per_minute
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: float | None = None

    def wait(self) -> float:
        """Sleep until this caller's turn; returns the seconds waited."""
        with self._lock:
            now = time.monotonic()
            start = now if self._next is None else max(now, self._next)
            self._next = start + self.interval
        delay = start - now
        if delay > 0:
            self._sleep(delay)
        return delay
