"""Defaults, environment variable names and the ``NOT_GIVEN`` sentinel.

Conventions used across the package: a keyword that is *omitted* takes the client's
default; a keyword given as ``None`` means "absent" (left out of the request).
"""

from __future__ import annotations

import enum
import os
from typing import Final, Literal

DEFAULT_BASE_URL: Final = "https://api.sogni.ai/v1"
#: Where Sogni's LLM price quotes are served for the default base URL (its socket host, as
#: Sogni's SDKs ask it); with another base URL, its root serves them.
SOGNI_ESTIMATE_ROOT: Final = "https://socket.sogni.ai"
#: Sogni's default chat model (what a request without ``model`` gets).
DEFAULT_MODEL: Final = "qwen3.6-35b-a3b-gguf-iq4xs"
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_READ_TIMEOUT: Final = 600.0
DEFAULT_MAX_RETRIES: Final = 2
#: Connections the client's own pool keeps open per host (enough for 16+ threads).
DEFAULT_MAX_CONNECTIONS: Final = 32
#: Seconds the auto-tool loop waits for one hosted media tool (a Sogni workflow).
DEFAULT_TOOL_TIMEOUT: Final = 1800.0

#: Largest decoded (decompressed) body of a non-streaming answer, and of what a stream's
#: ``accumulate()`` keeps: ``max_response_bytes``.
DEFAULT_MAX_RESPONSE_BYTES: Final = 32 * 1024 * 1024
#: Largest single Server-Sent Event, or unterminated line in a stream: ``max_event_bytes``.
DEFAULT_MAX_EVENT_BYTES: Final = 8 * 1024 * 1024
#: How much of an error (3xx-5xx) body is read; the rest is dropped.
ERROR_BODY_LIMIT: Final = 1024 * 1024
#: Tool calls the auto-tool loop runs from one answer; the rest get an error result.
DEFAULT_MAX_TOOL_CALLS_PER_ROUND: Final = 16
#: Tool calls one choice of a ``chat.completions.stream()`` answer may hold.
MAX_STREAM_TOOL_CALLS: Final = 1024
#: Reconnects to one workflow's event stream before the tool fails.
MAX_WORKFLOW_RECONNECTS: Final = 60
#: Events of one followed stream remembered (by id and data) so that a server replaying
#: them after a reconnect is not believed twice.
MAX_REMEMBERED_EVENTS: Final = 10_000
#: Reconnect backoff: first wait, doubled per reconnect up to the cap. A connection that
#: stayed open for the cap's length resets it.
WORKFLOW_RECONNECT_DELAY: Final = 0.5
WORKFLOW_RECONNECT_MAX_DELAY: Final = 30.0
#: A 409 on a workflow start ("too many active workflows") is waited out, never re-sent at
#: once: the tool loop looks at the caller's active workflows every this many seconds (or the
#: ``Retry-After`` asked, if longer), growing by half up to the reconnect cap, and starts once
#: more when one of them has finished.
WORKFLOW_SLOT_POLL: Final = 3.0
#: Where the active workflows cannot be listed: a blind backoff, doubled per 409 up to the
#: reconnect cap (never less than ``Retry-After``).
WORKFLOW_SLOT_BACKOFF: Final = 5.0
#: Largest answer of a listing (a page of workflows, templates or events): 2 MiB, about
#: 10,000 events; a bigger one is refused before it is parsed into millions of objects.
MAX_LISTING_BYTES: Final = 2 * 1024 * 1024
#: Seconds a workflow cancel (after a timeout, Ctrl-C or an error) may take: one attempt.
CANCEL_TIMEOUT: Final = 10.0
#: The output budget ``estimate_cost`` quotes when the request gives no ``max_tokens`` and
#: the models listing gives no default for the model: the default Sogni's LLM API page gives
#: ``max_tokens`` ("32768*", clamped to the model's tier), so a ceiling check errs high.
ASSUMED_MAX_TOKENS: Final = 32768
#: Seconds the 404 "did you mean" lookup of ``GET models`` may take (one attempt).
MODEL_LOOKUP_TIMEOUT: Final = 10.0
#: The longest timeout any call takes, in seconds (30 days): sockets cannot wait much longer
#: (about 9.2e9 s overflows them), and no wait of a blocking client should.
MAX_TIMEOUT: Final = 30 * 24 * 3600.0

#: First backoff delay, doubled on every retry up to :data:`MAX_RETRY_DELAY`.
INITIAL_RETRY_DELAY: Final = 0.5
MAX_RETRY_DELAY: Final = 8.0
#: Up to this fraction of a backoff delay is taken off at random.
RETRY_JITTER: Final = 0.25
#: A server asking to wait longer than this is not retried: the error is raised at once.
MAX_RETRY_AFTER: Final = 60.0

ENV_API_KEY: Final = "SOGNI_API_KEY"
ENV_BASE_URL: Final = "SOGNI_BASE_URL"
#: The openai package's key variable: never read as a key, only noticed to explain a missing one.
ENV_OPENAI_API_KEY: Final = "OPENAI_API_KEY"
#: ``SOGNI_LOG=debug`` (or ``info``) logs the client's requests to stderr.
ENV_LOG: Final = "SOGNI_LOG"

#: Longest ``app_source`` label Sogni accepts.
MAX_APP_SOURCE_LENGTH: Final = 128


def unused_openai_key_note() -> str:
    """A sentence for a missing-key error when ``OPENAI_API_KEY`` is set, else ``""``.

    Only whether it is set is looked at: its value is neither kept nor shown.
    """
    if not os.environ.get(ENV_OPENAI_API_KEY):
        return ""
    return (
        f"{ENV_OPENAI_API_KEY} is set but deliberately not used: it is a key for OpenAI's "
        f"service, and Sogni takes its own (dashboard.sogni.ai) as {ENV_API_KEY}"
    )


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

#: The ``openai`` package's markers for "not set" (``openai.NOT_GIVEN``, ``openai.omit``).
_FOREIGN_ABSENT = frozenset({"NotGiven", "Omit"})


def is_absent(value: object) -> bool:
    """Whether a keyword's value means "not set": ``None``, ``NOT_GIVEN``, or openai's markers.

    Wrapper code passes ``openai.NOT_GIVEN`` or ``openai.omit`` for keywords it does not set;
    they are recognised by their class, without importing ``openai``.
    """
    if value is None or value is NOT_GIVEN:
        return True
    kind = type(value)
    return kind.__name__ in _FOREIGN_ABSENT and kind.__module__.startswith("openai")
