"""When to retry and how long to wait: a pure decision function and a tenacity policy around it.

tenacity is imported when a policy is first asked for its controller: a call's first attempt
runs without it, so a script whose calls all succeed never imports it (tenacity pulls in
tornado when that is installed, as it is wherever Jupyter is).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from ._config import INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY, RETRY_JITTER
from ._errors import APIConnectionError, APIStatusError

if TYPE_CHECKING:
    import tenacity

logger = logging.getLogger("sogni_compat")

_RETRIED_STATUSES = frozenset({408, 409, 429})


def retry_decision(exc: BaseException) -> tuple[bool, float | None]:
    """Whether a failed attempt should be retried, and the wait the server asked for (if any).

    Connection errors and timeouts are retried. A status error is not retried when the server
    asks to wait longer than ``MAX_RETRY_AFTER`` seconds; otherwise ``x-should-retry: true|false``
    decides when present, else 408, 409, 429 and every status >= 500 are retried.
    """
    if isinstance(exc, APIConnectionError):
        return True, None
    if not isinstance(exc, APIStatusError):
        return False, None
    wait = exc.retry_after
    if wait is not None and wait > MAX_RETRY_AFTER:
        return False, None
    should = exc.response.headers.get("x-should-retry", "").strip().lower()
    if should in ("true", "false"):
        return should == "true", wait
    status = exc.status_code
    return (status in _RETRIED_STATUSES or status >= 500), wait


def backoff(retry_number: int, rand: Callable[[], float] = random.random) -> float:
    """Exponential backoff for the n-th retry (0-based): 0.5 s doubling to 8 s, minus jitter."""
    delay = min(INITIAL_RETRY_DELAY * 2.0 ** min(retry_number, 32), MAX_RETRY_DELAY)
    return delay * (1 - RETRY_JITTER * rand())


def _wait(state: Any) -> float:
    outcome = state.outcome
    exc = outcome.exception() if outcome is not None else None
    asked = retry_decision(exc)[1] if exc is not None else None
    if asked is not None and asked > 0:
        return asked
    return backoff(state.attempt_number - 1)


def _retryable(exc: BaseException) -> bool:
    return retry_decision(exc)[0]


def _log_retry(state: Any) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        delay = state.next_action.sleep if state.next_action is not None else 0.0
        logger.debug(
            "retrying in %.2fs after attempt %d failed: %s",
            delay,
            state.attempt_number,
            type(exc).__name__,
        )


@attrs.define
class RetryPolicy:
    """How many times to retry and how to sleep; builds one reusable tenacity controller."""

    max_retries: int
    sleep: Callable[[float], None] = time.sleep
    _retrying: tenacity.Retrying | None = attrs.field(
        default=None, init=False, eq=False, repr=False
    )

    @property
    def retrying(self) -> tenacity.Retrying:
        """The tenacity controller, made (and tenacity imported) on first use.

        tenacity keeps per-call state in thread-locals, so one controller serves all threads;
        two threads asking at once may each build one, which is harmless.
        """
        made = self._retrying
        if made is None:
            import tenacity  # noqa: PLC0415 - only once a call needs a retry

            made = self._retrying = tenacity.Retrying(
                stop=tenacity.stop_after_attempt(self.max_retries + 1),
                retry=tenacity.retry_if_exception(_retryable),
                wait=_wait,
                sleep=self.sleep,
                before_sleep=_log_retry,
                reraise=True,
            )
        return made
