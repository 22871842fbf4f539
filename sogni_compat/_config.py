"""Defaults, environment variable names and the ``NOT_GIVEN`` sentinel.

Conventions used across the package: a keyword that is *omitted* takes the client's
default; a keyword given as ``None`` means "absent" (left out of the request).
"""

from __future__ import annotations

import enum
from typing import Final, Literal

DEFAULT_BASE_URL: Final = "https://api.sogni.ai/v1"
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_READ_TIMEOUT: Final = 600.0
DEFAULT_MAX_RETRIES: Final = 2
#: Connections the client's own pool keeps open per host (enough for 16+ threads).
DEFAULT_MAX_CONNECTIONS: Final = 32
#: Seconds the auto-tool loop waits for one hosted media tool (a Sogni workflow).
DEFAULT_TOOL_TIMEOUT: Final = 1800.0

#: First backoff delay, doubled on every retry up to :data:`MAX_RETRY_DELAY`.
INITIAL_RETRY_DELAY: Final = 0.5
MAX_RETRY_DELAY: Final = 8.0
#: Up to this fraction of a backoff delay is taken off at random.
RETRY_JITTER: Final = 0.25
#: A server asking to wait longer than this is not retried: the error is raised at once.
MAX_RETRY_AFTER: Final = 60.0

ENV_API_KEY: Final = "SOGNI_API_KEY"
ENV_BASE_URL: Final = "SOGNI_BASE_URL"
#: ``SOGNI_LOG=debug`` (or ``info``) logs the client's requests to stderr.
ENV_LOG: Final = "SOGNI_LOG"

#: Longest ``app_source`` label Sogni accepts.
MAX_APP_SOURCE_LENGTH: Final = 128


class _NotGiven(enum.Enum):
    """Type of :data:`NOT_GIVEN`."""

    NOT_GIVEN = enum.auto()

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> Literal[False]:
        return False


#: Marks a keyword that was not passed, as opposed to one passed as ``None``.
NOT_GIVEN: Final = _NotGiven.NOT_GIVEN
NotGiven = Literal[_NotGiven.NOT_GIVEN]
