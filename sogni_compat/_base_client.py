"""The request path every call takes: one ``requests.Session``, retries, deadlines, bounds.

:class:`BaseClient` holds what a request needs (the key's header, the session, the retry
policy, the pacer) and sends it: :meth:`~BaseClient._request` is the one way a resource talks
to Sogni, :meth:`~BaseClient._forward` sends a request a genuine openai client built (requests to
hosts a server names, downloads and presigned uploads, go around it, without the session's
credentials: :func:`sogni_compat._vision.outside_request`). The public client,
:class:`sogni_compat.OpenAI`, adds the configuration (its constructor checks every option) and
the namespaces on top. Code below the client names it through
:class:`sogni_compat._requester.Requester`, never through this module.
"""

from __future__ import annotations

import json
import logging
import math
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

import requests

from ._config import DEFAULT_BASE_URL, ERROR_BODY_LIMIT, SOGNI_ESTIMATE_ROOT
from ._errors import (
    TRANSPORT_ERRORS,
    APIResponseValidationError,
    APITimeoutError,
    OpenAIError,
    error_from_response,
    translate_error,
)
from ._options import RequestOptions, Timeout
from ._pacing import Pacer
from ._retry import RetryPolicy, retry_decision
from ._secrets import Secret, check_api_key, forget_secret, mask, register_secret, scrub
from ._transport import (
    DEADLINE,
    USER_AGENT,
    BodyTooLargeError,
    idempotency_key,
    prepare,
    read_body,
    transmit,
    transport_settings,
)

__all__ = ["BaseClient", "encode_json"]

logger = logging.getLogger("sogni_compat")

_T = TypeVar("_T")


def encode_json(body: Mapping[str, Any]) -> bytes:
    """The compact UTF-8 JSON text of a request body.

    A value JSON cannot hold (NaN, an infinity, an object it cannot encode) is a ``ValueError``
    or ``TypeError`` naming where it is, e.g. ``messages[0].content``, raised before sending.
    """
    try:
        text = json.dumps(
            body, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default
        )
    except (TypeError, ValueError, RecursionError) as exc:
        raise _unencodable(body, exc) from None
    return text.encode()


def _json_default(value: Any) -> Any:
    """``json.dumps``'s fallback for what JSON lacks (response objects, models, dataclasses).

    The converter it needs (cattrs) is imported only when a body first holds such a value.
    """
    from ._convert import json_default  # noqa: PLC0415 - cattrs loads only when needed

    return json_default(value)


def _unencodable(body: Mapping[str, Any], error: BaseException) -> Exception:
    """The error naming the first value of ``body`` that JSON cannot encode."""
    stack: list[tuple[str, object, int]] = [(key, value, 0) for key, value in body.items()]
    stack.reverse()
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return ValueError(
                f"{path} is {value!r}, which JSON cannot carry; the request was not sent"
            )
        if depth > 200:
            return ValueError(f"{path} nests too deeply to be sent as JSON")
        if isinstance(value, Mapping):
            items = [(f"{path}.{k}", v, depth + 1) for k, v in value.items()]
        elif isinstance(value, list | tuple):
            items = [(f"{path}[{i}]", v, depth + 1) for i, v in enumerate(value)]
        elif value is None or isinstance(value, str | int | float):
            continue
        else:
            try:
                items = [(path, _json_default(value), depth + 1)]
            except Exception as exc:
                return TypeError(f"{path}: {exc}; the request was not sent")
        stack.extend(reversed(items))
    if isinstance(error, RecursionError):
        return ValueError("the request body nests too deeply to be sent as JSON")
    return error if isinstance(error, TypeError | ValueError) else ValueError(str(error))


def _keep_headers(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """A no-op ``auth``: the ``Authorization`` header is ours, so ``~/.netrc`` is not consulted.

    Without an ``auth``, ``requests`` looks the host up in ``~/.netrc`` on every request and,
    when it finds it, replaces the bearer key with Basic credentials.
    """
    return request


#: The path of Sogni's LLM price quotes (see :data:`SOGNI_ESTIMATE_ROOT`).
_ESTIMATE_PATH = "/api/v1/job-llm/estimate/"


class BaseClient:
    """The settings a request reads and the one request path; see :class:`sogni_compat.OpenAI`.

    Every attribute is set by the public client's constructor, after checking it.
    """

    api_key: str
    base_url: str
    timeout: Timeout
    max_retries: int
    app_source: str | None
    tool_timeout: float
    model_aliases: dict[str, str]
    response_types: Literal["sogni", "openai"]
    max_response_bytes: int
    max_event_bytes: int
    allow_local_files: bool
    _key_source: Callable[[], str] | None
    _default_headers: dict[str, str]
    _default_query: dict[str, Any]
    _sleep: Callable[[float], None]
    _retry: RetryPolicy
    _pacer: Pacer | None
    _session: requests.Session
    _closed: bool
    #: Proxies and CA bundle from the environment, read on the first request (requests
    #: re-reads them, and scans every environment variable, on each call).
    _transport: dict[str, Any] | None
    _headers: dict[str, str]

    def _refresh_key(self) -> None:
        """Ask ``api_key``'s function for the key again (it may rotate); rebuild the header."""
        assert self._key_source is not None
        fresh = self._key_source()
        if fresh != self.api_key:
            key = check_api_key(Secret(fresh) if isinstance(fresh, str) else fresh)
            register_secret(key)
            weakref.finalize(self, forget_secret, str(key))
            self.api_key = key
            self._headers = self._build_headers()

    def _build_headers(self) -> dict[str, str]:
        headers = {
            "Authorization": Secret(f"Bearer {self.api_key}"),
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        if self.app_source is not None:
            headers["X-App-Source"] = self.app_source
        headers.update(self._default_headers)
        return headers

    # -- lifecycle ---------------------------------------------------------------------------

    # -- the one request path ----------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        options: RequestOptions | None = None,
        stream: bool = False,
        parse: Callable[[requests.Response], _T],
        deadline: float | None = None,
        retries: Literal[0] | None = None,
        max_bytes: int | None = None,
        final_statuses: frozenset[int] = frozenset(),
    ) -> _T:
        """Send one logical request (see :meth:`_send`) and return ``parse(response)``."""
        return self._send(
            method,
            path,
            body=body,
            options=options,
            stream=stream,
            parse=parse,
            deadline=deadline,
            retries=retries,
            max_bytes=max_bytes,
            final_statuses=final_statuses,
        )[0]

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        options: RequestOptions | None = None,
        stream: bool = False,
        parse: Callable[[requests.Response], _T],
        deadline: float | None = None,
        retries: Literal[0] | None = None,
        max_bytes: int | None = None,
        final_statuses: frozenset[int] = frozenset(),
    ) -> tuple[_T, requests.Response, int]:
        """Send one logical request, retrying as the policy says.

        Returns ``parse(response)``, the response and the number of retries taken.

        Each attempt must deliver its status line, headers and whole body (or, with
        ``stream=True``, whatever ``parse`` reads: a stream's first chunk) within connect +
        read seconds; ``parse`` runs inside the attempt, so a connection failure while
        reading is retried like one while sending. ``deadline`` (a ``time.monotonic()``
        moment) bounds every attempt and every wait between them; ``retries=0`` makes one
        attempt only; ``max_bytes`` lowers ``max_response_bytes`` for this request;
        ``final_statuses`` are statuses never retried for this request. Raises
        :class:`APIStatusError` subclasses for 3xx-5xx answers (a
        redirect is never followed), :class:`APIConnectionError` for transport failures,
        :class:`APITimeoutError` past a deadline and :class:`APIResponseValidationError` for
        a body over ``max_response_bytes``.
        """
        if self._closed:
            raise OpenAIError("This client has been closed; create a new one")
        if self._key_source is not None:
            self._refresh_key()
        headers = dict(self._headers)
        headers["Idempotency-Key"] = idempotency_key()
        data = None
        if body is not None:
            data = encode_json(body)
            headers["Content-Type"] = "application/json"
            app_source = body.get("app_source")
            if app_source is not None:
                headers["X-App-Source"] = app_source
        if stream:
            headers["Accept"] = "text/event-stream"
        params = self._default_query
        timeout = self.timeout
        if options is not None:
            for name, value in (options.extra_headers or {}).items():
                if value is None:
                    headers.pop(name, None)
                else:
                    headers[name] = value
            if options.extra_query:
                params = {**params, **options.extra_query}
            timeout = options.timeout or timeout
        url = f"{self.base_url}/{path}" if path[:1] != "/" else self._root_url(path)
        session = self._session
        prepared = prepare(
            session,
            method,
            url,
            headers=headers,
            params=params or None,
            data=data,
            auth=_keep_headers,
        )
        del headers  # the prepared request holds them; keep them out of frame locals
        # ``stream=True`` always: a body is read below against the deadline.
        settings = self._transport
        if settings is None:
            settings = self._transport = transport_settings(session, url)
        budget = timeout[0] + timeout[1]
        debug = logger.isEnabledFor(logging.DEBUG)

        def attempt(number: int) -> tuple[_T, requests.Response, int]:
            if self._pacer is not None:
                self._pacer.wait()
            started = time.monotonic()
            ends = started + budget if deadline is None else min(started + budget, deadline)
            if ends <= started:
                raise APITimeoutError(request=prepared)
            token = DEADLINE.set(ends)
            try:
                response = self._attempt(
                    prepared, settings, timeout, stream, ends, max_bytes=max_bytes
                )
                if debug:
                    logger.debug(
                        "%s %s -> %d (attempt %d, %.1f ms)",
                        method,
                        mask(str(prepared.url)),
                        response.status_code,
                        number,
                        (time.monotonic() - started) * 1000,
                    )
                if response.status_code >= 300:
                    try:
                        error = error_from_response(response)
                    finally:
                        response.close()
                    raise error
                try:
                    return parse(response), response, number - 1
                except BaseException:
                    response.close()
                    raise
            finally:
                DEADLINE.reset(token)

        try:
            # The first attempt runs outside tenacity (most calls need no other); a failure
            # enters the retry loop as its first attempt, so tenacity decides, waits and
            # counts exactly as if it had made that attempt itself.
            try:
                return attempt(1)
            except BaseException as exc:
                if (
                    retries == 0
                    or self.max_retries == 0
                    or not retry_decision(exc)[0]
                    or getattr(exc, "status_code", None) in final_statuses
                ):
                    raise  # nothing to retry: tenacity is not needed (nor imported)
                failure = exc
            first: BaseException | None = failure
            try:
                retrying = self._retry.retrying
            except (ImportError, OSError):  # e.g. no file descriptor left to import with
                raise failure from None
            if deadline is not None:
                retrying = retrying.copy(stop=retrying.stop | _stop_at(deadline))
            if final_statuses:
                import tenacity  # noqa: PLC0415 - imported by the controller already

                retrying = retrying.copy(
                    retry=tenacity.retry_if_exception(
                        lambda error: (
                            retry_decision(error)[0]
                            and getattr(error, "status_code", None) not in final_statuses
                        )
                    )
                )
            for trying in retrying:
                with trying:
                    number = trying.retry_state.attempt_number
                    if first is not None:
                        failed, first = first, None
                        raise failed
                    return attempt(number)
        except OpenAIError as exc:
            scrub(exc)
            raise
        raise AssertionError("unreachable: tenacity returns or raises")  # pragma: no cover

    def _forward(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        content: bytes | None,
        timeout: Timeout,
    ) -> tuple[requests.Response, float]:
        """One attempt of a request built elsewhere (a genuine openai client's), sent as ours.

        The key, User-Agent and ``X-App-Source`` are this client's; the status line and
        headers arrive by connect + read seconds, an error body is read (at most 1 MiB), a
        success's body is left unread for the caller, who gets the attempt's deadline too.
        Raises this package's transport errors; no retries (the caller has its own).
        """
        if self._closed:
            raise OpenAIError("This client has been closed; create a new one")
        if self._key_source is not None:
            self._refresh_key()
        prepared = self._session.prepare_request(
            requests.Request(
                method,
                url,
                headers={**headers, **self._headers},
                data=content or None,
                auth=_keep_headers,
            )
        )
        settings = self._transport
        if settings is None:
            settings = self._transport = transport_settings(self._session, self.base_url)
        if self._pacer is not None:
            self._pacer.wait()
        ends = time.monotonic() + timeout[0] + timeout[1]
        token = DEADLINE.set(ends)
        try:
            return self._attempt(prepared, settings, timeout, True, ends), ends
        finally:
            DEADLINE.reset(token)

    def _root_url(self, path: str) -> str:
        """``path`` (starting with ``/``) at the API root: the base URL without its ``/v1``."""
        base = self.base_url
        if base == DEFAULT_BASE_URL and path.startswith(_ESTIMATE_PATH):
            return SOGNI_ESTIMATE_ROOT + path  # Sogni serves price quotes on its socket host
        return (base[:-3] if base.endswith("/v1") else base) + path

    def _attempt(
        self,
        prepared: requests.PreparedRequest,
        settings: dict[str, Any],
        timeout: Timeout,
        stream: bool,
        deadline: float,
        *,
        max_bytes: int | None = None,
    ) -> requests.Response:
        """Send once and read the body (unless streaming a success), by ``deadline``."""
        limit = (
            self.max_response_bytes
            if max_bytes is None
            else min(max_bytes, self.max_response_bytes)
        )
        try:
            response = transmit(self._session, prepared, timeout, settings)
            if response.status_code >= 300:  # an error page: its start is enough
                read_body(response, deadline, ERROR_BODY_LIMIT, truncate=True)
            elif not stream:
                read_body(response, deadline, limit)
        except BodyTooLargeError as exc:
            what = (
                f"max_response_bytes={limit:,}"
                if limit == self.max_response_bytes
                else f"this listing's limit of {limit:,}"
            )
            raise APIResponseValidationError(
                f"The server's answer is larger than {what} bytes (decoded; {exc.size:,} read "
                "so far). Raise max_response_bytes if such answers are expected.",
                response=response,
            ) from None
        except TRANSPORT_ERRORS as exc:
            error = translate_error(exc, prepared)
            if error is exc:
                raise
            raise error from exc
        return response


def _stop_at(deadline: float) -> Any:
    """A tenacity stop: no wait before a retry may end past ``deadline``."""

    def stop(state: Any) -> bool:
        upcoming = getattr(state, "upcoming_sleep", 0.0) or 0.0
        return time.monotonic() + upcoming >= deadline

    return stop
