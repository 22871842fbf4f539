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
        │       └── WaitTimeoutError    wait()/images: the job outlived its timeout (cancelled)
        └── APIResponseValidationError  a 2xx body that is not what was promised
    ToolRoundsExceededError (also a RuntimeError)  the auto-tool loop ran out of rounds
    CostApprovalRequiredError       a durable run waits for its cost to be approved
    LengthFinishReasonError         parse(): the answer was cut off at the length limit
    ContentFilterFinishReasonError  parse(): the content filter stopped the answer

``code`` is always a string (Sogni sends numeric codes such as ``4080``; they read ``"4080"``).
A redirect (3xx) is an :class:`APIStatusError` too: API calls never follow one.

Every error passes its text through :func:`~sogni_compat._secrets.mask`, the one place where
API keys are hidden, and a pickled error carries neither the key nor the request's headers.

**The ``openai`` package's classes.** Code written for the ``openai`` SDK says ``except
openai.RateLimitError``. Once ``openai`` has been imported (by anyone; this package never
imports it for this), every error is created as a twin class deriving from both this
package's class and the matching ``openai`` one, so both ``except`` clauses catch it. Only the
attributes are shared: ``openai``'s ``__init__`` never runs.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import math
import re
import sys
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import requests
import urllib3.exceptions

from ._json import loads
from ._secrets import excerpt, mask, mask_value, masking

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
    "CostApprovalRequiredError",
    "CostEstimateWarning",
    "InternalServerError",
    "LengthFinishReasonError",
    "NotFoundError",
    "OpenAIError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ToolRoundsExceededError",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "error_from_response",
    "parse_retry_after",
    "translate_error",
    "translate_transport_errors",
]


class OpenAIError(Exception):
    """Base class of every error this package raises on purpose."""

    def __new__(cls, *args: Any, **kwargs: Any) -> OpenAIError:
        # With the openai package loaded, create the twin that is also its class.
        made = cls
        if sys.modules.get("openai") is not None and "_twin_of" not in cls.__dict__:
            made = _twin(cls)
        error: OpenAIError = super().__new__(made, *args)
        return error

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt without calling ``__init__`` (subclasses take keyword-only arguments), with
        # the HTTP request and response replaced by copies that carry no credentials. A twin
        # travels as this package's class (the other side makes its own twin if it can).
        state = {
            name: _detached(value) if name in ("request", "response") else mask_value(value)
            for name, value in self.__dict__.items()
        }
        ours = type(self).__dict__.get("_twin_of", type(self))
        return (_rebuild, (ours, self.args, state))


def _rebuild(cls: type[OpenAIError], args: tuple[Any, ...], state: dict[str, Any]) -> OpenAIError:
    error = cls.__new__(cls, *args)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


#: This package's error classes whose ``openai`` counterpart has another name.
_COUNTERPARTS = {"PaymentRequiredError": "APIStatusError", "ToolRoundsExceededError": "OpenAIError"}
_twins: dict[type, type] = {}


def _twin(cls: type[OpenAIError]) -> type[OpenAIError]:
    """``cls`` made a subclass of the matching ``openai`` error class too (cached)."""
    twin = _twins.get(cls)
    if twin is not None:
        return twin
    openai = sys.modules.get("openai")
    counterpart = None
    for base in cls.__mro__:
        wanted = _COUNTERPARTS.get(base.__name__, base.__name__)
        found = getattr(openai, wanted, None)
        if isinstance(found, type) and issubclass(found, BaseException):
            counterpart = found
            break
    if counterpart is None or issubclass(cls, counterpart):
        twin = cls
    else:
        twin = type(
            cls.__name__,
            (cls, counterpart),
            {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "_twin_of": cls},
        )
    _twins[cls] = twin
    return twin


_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "api-key", "cookie"})


def _detached(value: object) -> object:
    """A picklable copy of a request or response without credentials or a live connection."""
    if isinstance(value, requests.PreparedRequest):
        copy = requests.PreparedRequest()
        copy.method = value.method
        copy.url = mask(value.url or "")
        copy.headers = requests.structures.CaseInsensitiveDict(
            (k, mask(str(v)))
            for k, v in value.headers.items()
            if k.lower() not in _CREDENTIAL_HEADERS
        )
        copy.body = None
        return copy
    if isinstance(value, requests.Response):
        content = value.__dict__.get("_content")
        content = content if isinstance(content, bytes) else b""
        if masking() and content:
            content = mask(content.decode("utf-8", "replace")).encode()
        copy_response = requests.Response()
        copy_response.status_code = value.status_code
        copy_response.headers = requests.structures.CaseInsensitiveDict(
            (k, mask(str(v))) for k, v in value.headers.items()
        )
        copy_response.url = mask(value.url or "")
        copy_response.reason = mask(value.reason) if value.reason else value.reason
        copy_response.encoding = value.encoding
        copy_response.elapsed = value.elapsed
        copy_response._content = content
        copy_response.request = _detached(value.request)  # type: ignore[assignment]
        return copy_response
    return value


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
        if masking():
            given = (message, body, code, param, type)
            message = mask(message)
            body = mask_value(body)
            code, param, type = (None if v is None else mask(v) for v in (code, param, type))
            # The server echoed a key (masked here or, as "***", already in an excerpt): the
            # frames that read its answer hold it too.
            self._scrub = "***" in message or any(
                a is not b for a, b in zip(given, (message, body, code, param, type), strict=True)
            )
        if not message.isascii():  # a lone surrogate from JSON would break print(error)
            message = message.encode("utf-8", "replace").decode("utf-8")
        # Not super(): in a twin class the next __init__ would be the openai package's.
        Exception.__init__(self, message)
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


class WaitTimeoutError(APITimeoutError):
    """A workflow or durable run did not settle within the ``timeout`` a wait was given.

    ``job_id`` names it; ``cancelled`` says whether it was cancelled (so it stops billing).
    """

    job_id: str
    cancelled: bool

    def __init__(self, message: str, *, job_id: str, cancelled: bool) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.cancelled = cancelled


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
        Exception.__init__(
            self,
            f"The model still asked for tools ({asked}) after max_tool_rounds={max_tool_rounds} "
            "completions; they were not executed. Raise max_tool_rounds, or read "
            "tool_history and completion on this error.",
        )
        self.tool_history = tool_history
        self.completion = completion
        self.max_tool_rounds = max_tool_rounds


class CostApprovalRequiredError(OpenAIError):
    """A durable chat run stopped before a tool whose cost needs the caller's approval.

    ``run`` is the waiting :class:`~sogni_compat.types.ChatRun` (it waits; nothing was
    cancelled). Approve the price it shows with ``client.chat.runs.confirm_cost(e.run,
    decision="confirm")``, then ``client.chat.runs.wait(e.run.id)`` for the finished run (a
    ``ChatRun``, whose ``final_response`` is the answer); or refuse it with
    ``decision="cancel"``; or start again with a higher ``max_estimated_capacity_units`` (or
    ``confirm_cost=True``). ``client.chat.runs.wait(..., approve_cost=)`` decides while waiting.
    """

    run: Any

    def __init__(self, *, run: Any) -> None:
        waiting = getattr(run, "wait_reason", None)
        message = getattr(waiting, "message", None)
        if not isinstance(message, str) or not message:
            message = "the run waits for cost approval"
        message = message.rstrip(". ")
        text = (
            f"Chat run {getattr(run, 'id', '?')}: {message}. It waits for your decision: "
            "client.chat.runs.confirm_cost(e.run, decision='confirm') accepts the price it "
            "shows (then client.chat.runs.wait(e.run.id) follows it to its answer), "
            "decision='cancel' ends it; or start again with a higher "
            "max_estimated_capacity_units, or confirm_cost=True"
        )
        if masking():
            text = mask(text)
            to_dict = getattr(run, "to_dict", None)
            if callable(to_dict):  # a key the server echoed stays out of the carried run
                masked = mask_value(to_dict())
                if masked != to_dict():
                    run = type(run).model_validate(masked)
        Exception.__init__(self, text)
        self.run = run


class CostEstimateWarning(UserWarning):
    """``estimate_cost`` quoted less certainly than the call's keywords suggest.

    Issued when the output budget was assumed (no ``max_tokens`` and no default published for
    the model) and when the call would run tools, whose rounds and media the quote leaves out.
    A warning, not an error: filter it with ``warnings.simplefilter("error",
    CostEstimateWarning)`` to make a ceiling check refuse such quotes.
    """


class LengthFinishReasonError(OpenAIError):
    """``parse()``: the answer stopped at the length limit, so it cannot be parsed."""

    completion: ChatCompletion

    def __init__(self, *, completion: ChatCompletion) -> None:
        Exception.__init__(
            self,
            "Could not parse response content as the length limit was reached - "
            f"{completion.usage!r}",
        )
        self.completion = completion


class ContentFilterFinishReasonError(OpenAIError):
    """``parse()``: the content filter stopped the answer."""

    def __init__(self) -> None:
        Exception.__init__(
            self,
            "Could not parse response content as the request was rejected by the content filter",
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
    if isinstance(value, str) and len(value) > 32:  # not a number of seconds anyone sends
        return None
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # a JSON integer of 400 digits overflows
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
    try:
        parsed = email.utils.parsedate_tz(raw[:64])
        if parsed is None:
            return None
        return max(0.0, email.utils.mktime_tz(parsed) - time.time())
    except (TypeError, ValueError, OverflowError):  # a date no calendar holds
        return None


_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def _text_excerpt(text: str) -> str:
    """A short readable message from a non-JSON body (HTML pages are reduced to their text)."""
    if "<" in text and ">" in text:
        title = _TITLE.search(text)
        text = title.group(1) if title and title.group(1).strip() else _TAG.sub(" ", text)
    return excerpt(_SPACE.sub(" ", text).strip())


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
        return loads(text)
    except ValueError:
        return text


def error_from_response(response: requests.Response) -> APIStatusError:
    """The :class:`APIStatusError` subclass for a 3xx, 4xx or 5xx response, its body parsed.

    Registered API keys that the server echoed back are masked (see :func:`mask`), in the
    error and in the response's kept body alike.
    """
    content = response.__dict__.get("_content")
    if masking() and isinstance(content, bytes) and content:
        text = content.decode("utf-8", "replace")
        masked = mask(text)
        if masked != text:
            response._content = masked.encode()
    status = response.status_code
    if 300 <= status < 400:
        return _redirect_error(response)
    raw = _decode_body(response)
    message, body, code, type_, param = _parse_error_body(raw)
    if not message:
        message = response.reason or http.client.responses.get(status, "Unknown error")
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


def _redirect_error(response: requests.Response) -> APIStatusError:
    location = response.headers.get("location")
    where = f"to {excerpt(location, 200)!r}" if location else "without a Location"
    return APIStatusError(
        f"Error code: {response.status_code} - the server redirected {where}. API requests "
        "never follow redirects (they could carry the key elsewhere): set base_url to the "
        "address that answers",
        response=response,
    )


def error_from_event(data: object) -> APIError:
    """An :class:`APIError` from an error delivered inside a stream (any body shape)."""
    message, body, code, type_, param = _parse_error_body(data)
    return APIError(
        excerpt(message) if message else "The server reported an error in the stream.",
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
)
# (requests.exceptions.InvalidHeader is not among them: outgoing headers are checked before
# sending, so one raised while sending is about the server's answer, e.g. two Content-Lengths.)
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


#: Every exception the transport may raise while sending or reading.
TRANSPORT_ERRORS = _CONNECTION_ERRORS


def translate_error(
    exc: BaseException, request: requests.PreparedRequest | None = None
) -> BaseException:
    """The error to raise (``from exc``) for a transport failure: ours, or ``exc`` itself.

    Caller mistakes that requests reports as its own exceptions stay what they are.
    """
    if isinstance(exc, _CALLER_ERRORS):
        return exc
    error: APIError
    if isinstance(exc, _TIMEOUTS) or (
        isinstance(exc, requests.exceptions.ConnectionError)
        and isinstance(exc.args[0] if exc.args else None, urllib3.exceptions.ReadTimeoutError)
    ):  # requests reports a read timeout in a streamed body as a ConnectionError
        error = APITimeoutError(request=request)
    elif isinstance(exc, _CONNECTION_ERRORS):
        error = APIConnectionError(f"Connection error: {_describe(exc)}", request)
    else:
        return exc
    error._scrub = True  # the transport's frames hold the request as sent
    return error


@contextlib.contextmanager
def translate_transport_errors(
    request: requests.PreparedRequest | None = None,
) -> Iterator[None]:
    """Turn ``requests``/``urllib3``/socket failures into :class:`APIConnectionError`.

    The one place where foreign transport exceptions are translated (with
    :func:`translate_error`); each is chained (``raise ... from``) so the original stays
    inspectable.
    """
    try:
        yield
    except TRANSPORT_ERRORS as exc:
        error = translate_error(exc, request)
        if error is exc:
            raise
        raise error from exc


def _describe(exc: BaseException) -> str:
    """The innermost useful description of a transport failure, without the API key.

    urllib3 messages quote the URL, which may carry the key in a query parameter.
    """
    return excerpt(_innermost(exc), 500)


def _innermost(exc: BaseException) -> str:
    while True:
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        inner = inner or getattr(exc, "reason", None)
        if not isinstance(inner, BaseException) or inner is exc:
            break
        exc = inner
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
