"""Per-request options and the checks every method shares: headers, timeouts, labels.

:class:`RequestOptions` carries ``extra_headers``, ``extra_query``, ``extra_body`` and a
``timeout`` override from a method call to the request path; :func:`request_options` checks
them, as each method calls it before anything is sent. A leaf of the package: it knows no
request, client or response.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import attrs

from ._config import MAX_APP_SOURCE_LENGTH, MAX_TIMEOUT, is_absent

__all__ = [
    "RequestOptions",
    "Timeout",
    "check_app_source",
    "check_header_value",
    "check_headers",
    "check_seconds",
    "check_timeout",
    "request_options",
    "type_name",
]

#: ``(connect, read)`` seconds.
Timeout = tuple[float, float]


def type_name(value: object) -> str:
    """The name of ``value``'s type, for error messages."""
    return type(value).__name__


def _mapping(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, Mapping):
        raise TypeError(f"{attribute.name} must be a dict; got {value!r} ({type_name(value)})")


def check_app_source(value: object, name: str = "app_source") -> None:
    """Reject an ``app_source`` label Sogni would refuse (it also travels as a header)."""
    if value is None:
        return
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string; got {type_name(value)}")
    if len(value) > MAX_APP_SOURCE_LENGTH:
        raise ValueError(f"{name} must be at most {MAX_APP_SOURCE_LENGTH} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"{name} must not contain control characters")


#: An HTTP header name (RFC 9110 token), as requests checks it.
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def check_headers(headers: object, name: str) -> None:
    """Header names and values must be strings without line breaks (``None`` removes one)."""
    if headers is None:
        return
    if not isinstance(headers, Mapping):
        raise TypeError(f"{name} must be a dict; got {type_name(headers)}")
    for key, value in headers.items():
        if not isinstance(key, str) or not (value is None or isinstance(value, str)):
            raise TypeError(f"{name} must map strings to strings; got {key!r}: {value!r}")
        if any(c in key + (value or "") for c in "\r\n\0"):
            raise ValueError(f"{name}[{key!r}] contains a line break")
        if not (key + (value or "")).isascii() and any(ord(c) > 255 for c in key + (value or "")):
            # The value is not echoed: headers carry credentials too.
            raise ValueError(
                f"{name}[{key!r}] holds a character that cannot be sent in an HTTP header "
                "(only Latin-1 can)"
            )
        if not _HEADER_NAME.match(key):
            raise ValueError(f"{name}[{key!r}] is not a valid HTTP header name")
        if value is not None and value[:1] in (" ", "\t"):
            raise ValueError(f"{name}[{key!r}]: a header value may not start with whitespace")


def check_timeout(value: object, name: str = "timeout") -> Timeout | None:
    """``None``, seconds, a ``(connect, read)`` pair, or an object with ``connect``/``read``."""
    if is_absent(value):
        return None
    if hasattr(value, "connect") and hasattr(value, "read"):  # e.g. an httpx.Timeout
        value = (value.connect, value.read)
    pair = value if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in pair):
        raise TypeError(f"{name} must be seconds or a (connect, read) pair; got {value!r}")
    if any(not (v > 0 and math.isfinite(v)) for v in pair):
        raise ValueError(f"{name} must be a positive, finite number of seconds; got {value!r}")
    if any(v > MAX_TIMEOUT for v in pair):
        raise ValueError(
            f"{name} must be at most {MAX_TIMEOUT:,.0f} seconds (30 days); got {value!r}"
        )
    return float(pair[0]), float(pair[1])


def check_seconds(value: object, name: str = "timeout") -> float:
    """A number of seconds a call may take: positive, finite, at most 30 days."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds; got {type_name(value)}")
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a positive, finite number of seconds; got {value!r}")
    if value > MAX_TIMEOUT:
        raise ValueError(
            f"{name} must be at most {MAX_TIMEOUT:,.0f} seconds (30 days); got {value!r}"
        )
    return float(value)


def check_header_value(value: object, name: str, limit: int = 255) -> str:
    """A value that travels as an HTTP header: visible ASCII (inner spaces allowed), bounded.

    Line breaks, tabs and other control characters (a header folded or injected), leading or
    trailing spaces and characters a header cannot carry are refused; the value is not echoed.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string; got {type_name(value)}")
    if not value.strip() or len(value) > limit:
        raise ValueError(f"{name} must be a non-empty string of at most {limit} characters")
    if not all(" " <= c <= "~" for c in value) or value != value.strip():
        raise ValueError(
            f"{name} may hold only printable ASCII characters, without leading or trailing "
            "spaces (it travels as an HTTP header)"
        )
    return value


@attrs.frozen(kw_only=True)
class RequestOptions:
    """Per-request options: extra headers, query and body, and a timeout override."""

    extra_headers: Mapping[str, str | None] | None = None
    extra_query: Mapping[str, Any] | None = None
    extra_body: Mapping[str, Any] | None = attrs.field(default=None, validator=_mapping)
    timeout: Timeout | None = None
    #: The call used the legacy ``functions=``: answers are read back as ``function_call``.
    legacy_functions: bool = False


_NO_OPTIONS = RequestOptions()


def request_options(
    *,
    extra_headers: object = None,
    extra_query: object = None,
    extra_body: object = None,
    timeout: object = None,
) -> RequestOptions:
    """Check the request options every method takes (``None``/``NOT_GIVEN`` mean unset)."""
    if extra_headers is None and extra_query is None and extra_body is None and timeout is None:
        return _NO_OPTIONS  # the usual call: frozen, so one shared instance serves
    headers, query, body, seconds = (
        None if is_absent(v) else v for v in (extra_headers, extra_query, extra_body, timeout)
    )
    check_headers(headers, "extra_headers")
    if query is not None and not isinstance(query, Mapping):
        raise TypeError(f"extra_query must be a dict; got {type_name(query)}")
    return RequestOptions(
        extra_headers=headers,  # type: ignore[arg-type]
        extra_query=query,
        extra_body=body,  # type: ignore[arg-type]
        timeout=check_timeout(seconds),
    )
