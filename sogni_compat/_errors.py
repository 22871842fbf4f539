"""The exception tree, the parsing of error bodies, and the one translation of transport errors.

::

    OpenAIError (also exported as SogniError)
    └── APIError                        message, request, body, code, param, type
        ├── APIStatusError              + status_code, response, request_id, retry_after
        │   ├── BadRequestError           400
        │   ├── AuthenticationError       401
        │   ├── PaymentRequiredError      402  (Sogni: billing / subscription)
        │   ├── PermissionDeniedError     403
        │   ├── NotFoundError             404
        │   ├── ConflictError             409
        │   ├── UnprocessableEntityError  422
        │   ├── RateLimitError            429
        │   └── InternalServerError       >= 500
        ├── APIConnectionError          "Connection error."
        │   └── APITimeoutError         "Request timed out."
        └── APIResponseValidationError  a 2xx body that is not what was promised
    ToolRoundsExceededError (also a RuntimeError)  the auto-tool loop ran out of rounds
    LengthFinishReasonError         parse(): the answer was cut off at the length limit
    ContentFilterFinishReasonError  parse(): the content filter stopped the answer

``code`` is always a string (Sogni sends numeric codes such as ``4080``; they read ``"4080"``).
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import json
import math
import re
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

import requests
import urllib3.exceptions

if TYPE_CHECKING:
    from .types import ChatCompletion, ToolRound

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ContentFilterFinishReasonError",
    "InternalServerError",
    "LengthFinishReasonError",
    "NotFoundError",
    "OpenAIError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ToolRoundsExceededError",
    "UnprocessableEntityError",
    "error_from_response",
    "parse_retry_after",
    "translate_transport_errors",
]

#: How much of a non-JSON error body is kept as the message.
_EXCERPT_LENGTH = 300


class OpenAIError(Exception):
    """Base class of every error this package raises on purpose."""


class APIError(OpenAIError):
    """An error while talking to the API.

    ``body`` is the decoded error body: the inner ``error`` object for the OpenAI envelope
    ``{"error": {...}}``, the whole JSON object otherwise, or the text of a non-JSON body.
    """

    message: str
    request: requests.PreparedRequest | None
    body: object | None
    code: str | None
    param: str | None
    type: str | None

    def __init__(
        self,
        message: str,
        request: requests.PreparedRequest | None = None,
        *,
        body: object | None = None,
        code: str | None = None,
        param: str | None = None,
        type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body
        self.code = code
        self.param = param
        self.type = type


class APIStatusError(APIError):
    """The server answered with a 4xx or 5xx status."""

    status_code: int
    response: requests.Response
    request_id: str | None
    #: Seconds the server asked to wait before trying again, or ``None``.
    retry_after: float | None

    def __init__(
        self,
        message: str,
        *,
        response: requests.Response,
        body: object | None = None,
        code: str | None = None,
        param: str | None = None,
        type: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, response.request, body=body, code=code, param=param, type=type)
        self.response = response
        self.status_code = response.status_code
        self.request_id = response.headers.get("x-request-id")
        self.retry_after = retry_after


class BadRequestError(APIStatusError):
    """HTTP 400: the request was invalid."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the API key is missing or wrong."""


class PaymentRequiredError(APIStatusError):
    """HTTP 402: Sogni billing or subscription problem (e.g. codes 4078-4081)."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403: the key may not do this (e.g. model consent required, code 4103)."""


class NotFoundError(APIStatusError):
    """HTTP 404: unknown model or route."""


class ConflictError(APIStatusError):
    """HTTP 409: conflict (retried)."""


class UnprocessableEntityError(APIStatusError):
    """HTTP 422: the request was well-formed but could not be processed."""


class RateLimitError(APIStatusError):
    """HTTP 429: too many requests (Sogni allows 60 a minute); see ``retry_after``."""


class InternalServerError(APIStatusError):
    """HTTP 500 or above: the server or a gateway failed (retried)."""


class APIConnectionError(APIError):
    """The request could not be sent, or the answer could not be read."""

    def __init__(
        self, message: str = "Connection error.", request: requests.PreparedRequest | None = None
    ) -> None:
        super().__init__(message, request)


class APITimeoutError(APIConnectionError):
    """Connecting or reading took longer than the timeout."""

    def __init__(
        self, message: str = "Request timed out.", request: requests.PreparedRequest | None = None
    ) -> None:
        super().__init__(message, request)


class APIResponseValidationError(APIError):
    """A successful (2xx) answer whose body is not what the endpoint promises."""

    response: requests.Response
    status_code: int

    def __init__(
        self, message: str, *, response: requests.Response, body: object | None = None
    ) -> None:
        super().__init__(message, response.request, body=body)
        self.response = response
        self.status_code = response.status_code


class ToolRoundsExceededError(OpenAIError, RuntimeError):
    """The model still asked for tools in the last of ``max_tool_rounds`` completions.

    Those last tool calls were not executed (their results could never reach the model).
    ``tool_history`` holds the rounds that did run; ``completion`` is the last answer.
    """

    tool_history: list[ToolRound]
    completion: ChatCompletion
    max_tool_rounds: int

    def __init__(
        self, *, tool_history: list[ToolRound], completion: ChatCompletion, max_tool_rounds: int
    ) -> None:
        asked = ", ".join(_called_names(completion)) or "tools"
        super().__init__(
            f"The model still asked for tools ({asked}) after max_tool_rounds={max_tool_rounds} "
            "completions; they were not executed. Raise max_tool_rounds, or read "
            "tool_history and completion on this error."
        )
        self.tool_history = tool_history
        self.completion = completion
        self.max_tool_rounds = max_tool_rounds


class LengthFinishReasonError(OpenAIError):
    """``parse()``: the answer stopped at the length limit, so it cannot be parsed."""

    completion: ChatCompletion

    def __init__(self, *, completion: ChatCompletion) -> None:
        super().__init__(
            "Could not parse response content as the length limit was reached - "
            f"{completion.usage!r}"
        )
        self.completion = completion


class ContentFilterFinishReasonError(OpenAIError):
    """``parse()``: the content filter stopped the answer."""

    def __init__(self) -> None:
        super().__init__(
            "Could not parse response content as the request was rejected by the content filter"
        )


def _called_names(completion: ChatCompletion) -> list[str]:
    choices = completion.choices
    calls = (choices[0].message.tool_calls if choices else None) or []
    return [call.function.name for call in calls]


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _as_str(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _seconds(value: object) -> float | None:
    """A non-negative finite number of seconds from a JSON number or numeric string."""
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 and not math.isnan(seconds) else None


def parse_retry_after(headers: Mapping[str, str], body: object = None) -> float | None:
    """Seconds the server asks to wait, or ``None``.

    Looked up in this order: the body's ``retryAfter`` (Sogni envelope, also inside an OpenAI
    ``error`` object), then ``retry-after-ms``, then ``Retry-After`` as seconds or HTTP date.
    """
    if isinstance(body, Mapping):
        for holder in (body, body.get("error")):
            if isinstance(holder, Mapping):
                for key in ("retryAfter", "retry_after"):
                    found = _seconds(holder.get(key))
                    if found is not None:
                        return found
    milliseconds = _seconds(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000
    raw = headers.get("retry-after")
    if raw is None:
        return None
    seconds = _seconds(raw.strip())
    if seconds is not None:
        return seconds
    parsed = email.utils.parsedate_tz(raw)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - time.time())


_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def _text_excerpt(text: str) -> str:
    """A short readable message from a non-JSON body (HTML pages are reduced to their text)."""
    if "<" in text and ">" in text:
        title = _TITLE.search(text)
        text = title.group(1) if title and title.group(1).strip() else _TAG.sub(" ", text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > _EXCERPT_LENGTH:
        text = text[: _EXCERPT_LENGTH - 3].rstrip() + "..."
    return text


def _parse_error_body(
    raw: object,
) -> tuple[str | None, object, str | None, str | None, str | None]:
    """``(message, body, code, type, param)`` from any error body shape Sogni sends."""
    if isinstance(raw, str):
        return (_text_excerpt(raw) or None), raw, None, None, None
    if not isinstance(raw, Mapping):
        return None, raw, None, None, None
    error = raw.get("error")
    if isinstance(error, Mapping):  # OpenAI envelope
        return (
            _as_str(error.get("message")),
            error,
            _as_str(error.get("code")),
            _as_str(error.get("type")),
            _as_str(error.get("param")),
        )
    if "error_message" in raw or "error_code" in raw:  # flat shape
        return (
            _as_str(raw.get("error_message")),
            raw,
            _as_str(raw.get("error_code")),
            _as_str(error),
            None,
        )
    # Sogni envelope, or anything else with a message.
    message = next(
        (
            _as_str(raw[key])
            for key in ("message", "detail", "error_description", "error")
            if _as_str(raw.get(key))
        ),
        None,
    )
    code = _as_str(raw.get("errorCode", raw.get("code")))
    return message, raw, code, _as_str(raw.get("type")), _as_str(raw.get("param"))


def _decode_body(response: requests.Response) -> object:
    text = response.text
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def error_from_response(
    response: requests.Response, *, secret: str | None = None
) -> APIStatusError:
    """The :class:`APIStatusError` subclass for a 4xx/5xx response, with its body parsed.

    ``secret`` (the API key) is masked wherever the server echoed it back.
    """
    raw = _decode_body(response)
    message, body, code, type_, param = _parse_error_body(raw)
    status = response.status_code
    if not message:
        message = response.reason or http.client.responses.get(status, "Unknown error")
    if secret:
        message = message.replace(secret, "***")
    details = ", ".join(
        f"{name}={value}" for name, value in (("type", type_), ("code", code)) if value
    )
    text = f"Error code: {status} - {message}" + (f" ({details})" if details else "")
    cls = _STATUS_CLASSES.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    return cls(
        text,
        response=response,
        body=body,
        code=code,
        param=param,
        type=type_,
        retry_after=parse_retry_after(response.headers, raw),
    )


def error_from_event(data: object) -> APIError:
    """An :class:`APIError` from an error delivered inside a stream (any body shape)."""
    message, body, code, type_, param = _parse_error_body(data)
    return APIError(
        message or "The server reported an error in the stream.",
        body=body,
        code=code,
        type=type_,
        param=param,
    )


# Caller mistakes that requests reports as its own exceptions: they stay ``ValueError``s.
_CALLER_ERRORS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)
_TIMEOUTS = (
    requests.exceptions.Timeout,
    urllib3.exceptions.TimeoutError,
    TimeoutError,
)
_CONNECTION_ERRORS = (
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)


@contextlib.contextmanager
def translate_transport_errors(
    request: requests.PreparedRequest | None = None,
) -> Iterator[None]:
    """Turn ``requests``/``urllib3``/socket failures into :class:`APIConnectionError`.

    The one place where foreign transport exceptions are translated; each is chained
    (``raise ... from``) so the original stays inspectable.
    """
    try:
        yield
    except _CALLER_ERRORS:
        raise
    except _TIMEOUTS as exc:
        raise APITimeoutError(request=request) from exc
    except requests.exceptions.ConnectionError as exc:
        # requests reports a read timeout in a streamed body as a ConnectionError.
        if isinstance(exc.args[0] if exc.args else None, urllib3.exceptions.ReadTimeoutError):
            raise APITimeoutError(request=request) from exc
        raise APIConnectionError(f"Connection error: {_describe(exc, request)}", request) from exc
    except _CONNECTION_ERRORS as exc:
        raise APIConnectionError(f"Connection error: {_describe(exc, request)}", request) from exc


def _describe(exc: BaseException, request: requests.PreparedRequest | None) -> str:
    """The innermost useful description of a transport failure, without the API key.

    urllib3 messages quote the URL, which may carry the key in a query parameter.
    """
    text = _innermost(exc)
    auth = request.headers.get("Authorization", "") if request is not None else ""
    secret = auth.removeprefix("Bearer ").strip()
    return text.replace(secret, "***") if secret else text


def _innermost(exc: BaseException) -> str:
    while True:
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        inner = inner or getattr(exc, "reason", None)
        if not isinstance(inner, BaseException) or inner is exc:
            break
        exc = inner
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
