"""The blocking client: configuration, one ``requests.Session`` and the one ``_request`` path."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests

from ._config import (
    DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TOOL_TIMEOUT,
    ENV_API_KEY,
    ENV_BASE_URL,
    NOT_GIVEN,
    NotGiven,
)
from ._convert import json_default
from ._errors import OpenAIError, error_from_response, translate_transport_errors
from ._params import RequestOptions, Timeout, check_app_source, check_headers, check_timeout
from ._retry import RetryPolicy
from ._version import __version__
from .resources.chat import Chat
from .resources.models import Models

__all__ = ["OpenAI", "Sogni"]

logger = logging.getLogger("sogni_compat")

_T = TypeVar("_T")

_USER_AGENT = (
    f"sogni-compat/{__version__} python/{'.'.join(map(str, sys.version_info[:3]))} "
    f"requests/{requests.__version__}"
)


def encode_json(body: Mapping[str, Any]) -> bytes:
    """The compact UTF-8 JSON text of a request body."""
    return json.dumps(
        body, separators=(",", ":"), ensure_ascii=False, default=json_default
    ).encode()


def _keep_headers(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """A no-op ``auth``: the ``Authorization`` header is ours, so ``~/.netrc`` is not consulted.

    Without an ``auth``, ``requests`` looks the host up in ``~/.netrc`` on every request and,
    when it finds it, replaces the bearer key with Basic credentials.
    """
    return request


def _check_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL!r}; got {url!r}"
        )
    return url.rstrip("/")


def _close_session(session: requests.Session) -> None:
    """Close a session and, now rather than at garbage collection, its pooled connections.

    ``Session.close()`` only forgets urllib3's pools; their sockets stay open while anything
    (an exception holding a response, for one) still references a pool.
    """
    for adapter in session.adapters.values():
        managers = [getattr(adapter, "poolmanager", None)]
        managers.extend(getattr(adapter, "proxy_manager", {}).values())
        for manager in managers:
            pools = getattr(manager, "pools", None)
            if pools is None:
                continue
            for key in list(pools.keys()):
                pool = pools.get(key)
                if pool is not None:
                    pool.close()
    session.close()


class OpenAI:
    """A blocking, OpenAI-compatible client for Sogni's LLM API.

    ``api_key`` falls back to ``SOGNI_API_KEY`` (never ``OPENAI_API_KEY``); ``base_url`` to
    ``SOGNI_BASE_URL``, then ``https://api.sogni.ai/v1``. ``timeout`` is seconds for every
    phase or a ``(connect, read)`` pair (default 5 s connect, 600 s read). ``max_retries``
    failed attempts are retried (default 2). ``app_source`` labels every request (body field
    and ``X-App-Source`` header). ``http_client`` is a ``requests.Session`` to use instead of
    a new one (proxies, certificates, adapters). ``sleep`` is the function that waits between
    retries (replace it in tests). ``tool_timeout`` bounds the seconds the auto-tool loop
    waits for one Sogni hosted media tool (default 1800).
    """

    api_key: str
    base_url: str
    timeout: Timeout
    max_retries: int
    app_source: str | None
    tool_timeout: float
    chat: Chat
    models: Models

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        app_source: str | None = None,
        http_client: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
        tool_timeout: float = DEFAULT_TOOL_TIMEOUT,
    ) -> None:
        if api_key is None:
            api_key = os.environ.get(ENV_API_KEY) or None
        if api_key is None:
            raise OpenAIError(
                "The api_key client option must be set either by passing api_key to the "
                f"client or by setting the {ENV_API_KEY} environment variable"
            )
        if not isinstance(api_key, str) or not api_key.strip():
            raise TypeError("api_key must be a non-empty string")
        if any(c in api_key for c in "\r\n\0"):
            raise ValueError("api_key contains a line break")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be an integer >= 0; got {max_retries!r}")
        if http_client is not None and not isinstance(http_client, requests.Session):
            raise TypeError(
                f"http_client must be a requests.Session; got {type(http_client).__name__}"
            )
        if (
            isinstance(tool_timeout, bool)
            or not isinstance(tool_timeout, int | float)
            or not tool_timeout > 0
            or tool_timeout == float("inf")
        ):
            raise ValueError(
                f"tool_timeout must be a positive number of seconds; got {tool_timeout!r}"
            )
        check_app_source(app_source)
        check_headers(default_headers, "default_headers")
        if default_query is not None and not isinstance(default_query, Mapping):
            raise TypeError(f"default_query must be a dict; got {type(default_query).__name__}")

        self.api_key = api_key
        self.base_url = _check_base_url(
            base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
        )
        self.timeout = check_timeout(timeout) or (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT)
        self.max_retries = max_retries
        self.app_source = app_source
        self.tool_timeout = float(tool_timeout)
        self._default_headers = dict(default_headers or {})
        self._default_query = dict(default_query or {})
        self._sleep = sleep or time.sleep
        self._retry = RetryPolicy(max_retries, self._sleep)
        self._owns_session = http_client is None
        self._session = http_client if http_client is not None else requests.Session()
        self._closed = False
        # Proxies and CA bundle from the environment, read once (requests re-reads them, and
        # scans every environment variable, on each call).
        self._transport: dict[str, Any] | None = None
        self._headers = self._build_headers()
        self.chat = Chat(self)
        self.models = Models(self)

    def _build_headers(self) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self.api_key}",
            "User-Agent": _USER_AGENT,
            "Accept": "application/json",
        }
        if self.app_source is not None:
            headers["X-App-Source"] = self.app_source
        headers.update(self._default_headers)
        return headers

    # -- lifecycle ---------------------------------------------------------------------------

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        app_source: str | NotGiven | None = NOT_GIVEN,
        sleep: Callable[[float], None] | None = None,
        tool_timeout: float | None = None,
    ) -> OpenAI:
        """A new client with some options changed, sharing this client's connection pool.

        ``default_headers`` and ``default_query`` are merged over this client's.
        """
        return OpenAI(
            api_key=api_key or self.api_key,
            base_url=base_url or self.base_url,
            timeout=self.timeout if timeout is NOT_GIVEN else timeout,
            max_retries=self.max_retries if max_retries is None else max_retries,
            default_headers={**self._default_headers, **(default_headers or {})},
            default_query={**self._default_query, **(default_query or {})},
            app_source=self.app_source if app_source is NOT_GIVEN else app_source,
            http_client=self._session,
            sleep=sleep or self._sleep,
            tool_timeout=self.tool_timeout if tool_timeout is None else tool_timeout,
        )

    copy = with_options

    def close(self) -> None:
        """Close the connection pool (a ``with_options`` copy leaves the shared pool open)."""
        self._closed = True
        if self._owns_session:
            _close_session(self._session)

    def is_closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def __enter__(self) -> OpenAI:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={self.base_url!r} max_retries={self.max_retries}>"

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
    ) -> _T:
        """Send one logical request, retrying as the policy says; return ``parse(response)``.

        ``parse`` runs inside the attempt, so a connection failure while it reads the body is
        retried like one while sending. Raises :class:`APIStatusError` subclasses for 4xx/5xx
        answers and :class:`APIConnectionError` for transport failures. With ``stream=True``
        the body is left for ``parse`` to read as it arrives.
        """
        if self._closed:
            raise OpenAIError("This client has been closed; create a new one")
        headers = dict(self._headers)
        headers["Idempotency-Key"] = str(uuid.uuid4())
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
        url = f"{self.base_url}/{path}"
        session = self._session
        prepared = session.prepare_request(
            requests.Request(
                method, url, headers=headers, params=params or None, data=data, auth=_keep_headers
            )
        )
        transport = self._transport
        if transport is None:
            transport = dict(session.merge_environment_settings(url, {}, None, None, None))
            self._transport = transport
        settings = {**transport, "stream": stream}
        debug = logger.isEnabledFor(logging.DEBUG)

        for attempt in self._retry.retrying:
            with attempt:
                number = attempt.retry_state.attempt_number
                started = time.monotonic()
                with translate_transport_errors(prepared):
                    response = session.send(prepared, timeout=timeout, **settings)
                if debug:
                    logger.debug(
                        "%s %s -> %d (attempt %d, %.1f ms)",
                        method,
                        url,
                        response.status_code,
                        number,
                        (time.monotonic() - started) * 1000,
                    )
                if response.status_code >= 400:
                    try:
                        with translate_transport_errors(prepared):
                            error = error_from_response(response, secret=self.api_key)
                    finally:
                        response.close()
                    raise error
                try:
                    return parse(response)
                except BaseException:
                    response.close()
                    raise
        raise AssertionError("unreachable: tenacity returns or raises")  # pragma: no cover


#: Sogni's name for the same client.
Sogni = OpenAI
