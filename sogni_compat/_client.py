"""The blocking client: configuration, one ``requests.Session`` and the one ``_request`` path."""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import requests

from ._config import (
    DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TOOL_TIMEOUT,
    ENV_API_KEY,
    ENV_BASE_URL,
    NOT_GIVEN,
    NotGiven,
)
from ._convert import json_default
from ._errors import (
    APITimeoutError,
    OpenAIError,
    error_from_response,
    translate_transport_errors,
)
from ._pacing import Pacer, check_rate
from ._params import RequestOptions, Timeout, check_app_source, check_headers, check_timeout
from ._retry import RetryPolicy
from ._version import __version__
from .resources.chat import Beta, Chat
from .resources.models import Models

__all__ = ["OpenAI", "Sogni"]

logger = logging.getLogger("sogni_compat")

_T = TypeVar("_T")
_BODY_READ_SIZE = 65536

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


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_base_url(url: str, allow_insecure_http: bool) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or not parts.hostname:
        raise ValueError(
            f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL!r}; got {url!r}"
        )
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise ValueError(
            f"base_url {url!r} is plain http:// to another machine: the API key would cross "
            "the network unencrypted. Use https://, or pass allow_insecure_http=True if the "
            "network is yours"
        )
    return url.rstrip("/")


def _read_body(response: requests.Response, deadline: float) -> None:
    """Read the whole body now, raising :class:`APITimeoutError` past ``deadline``."""
    raw = response.raw
    read1 = getattr(raw, "read1", None)
    chunks = []
    try:
        if read1 is None:  # urllib3 before 2.0: no per-read deadline, only the socket timeout
            chunks.append(raw.read(decode_content=True))
        else:
            # read1 returns after one socket read, so the deadline is checked as bytes arrive.
            while chunk := read1(_BODY_READ_SIZE, decode_content=True):
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise APITimeoutError(
                        "Request timed out: the answer was still arriving when the timeout "
                        "ran out.",
                        response.request,
                    )
    except BaseException:
        response.close()
        raise
    response._content = b"".join(chunks)
    setattr(response, "_content_consumed", True)  # noqa: B010 - not in the type stubs


def _redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def _check_aliases(aliases: object) -> dict[str, str]:
    if aliases is None:
        return {}
    if not isinstance(aliases, Mapping):
        raise TypeError(f"model_aliases must be a dict; got {type(aliases).__name__}")
    for name, model in aliases.items():
        if not (isinstance(name, str) and name and isinstance(model, str) and model):
            raise TypeError(
                f"model_aliases must map model names to model names; got {name!r}: {model!r}"
            )
    return dict(aliases)


def _new_session() -> requests.Session:
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=DEFAULT_MAX_CONNECTIONS)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


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
    waits for one Sogni hosted media tool (default 1800). ``requests_per_minute`` spaces
    request starts evenly across all threads using the client (default: no pacing).
    ``allow_insecure_http`` permits a plain ``http://`` ``base_url`` to another machine.
    ``model_aliases`` maps model names from OpenAI code to Sogni models before sending.
    ``response_types="openai"`` returns genuine ``openai`` objects (the package must be
    installed) instead of this package's lighter ones.

    The client is thread-safe and picklable: credentials and options travel, the connection
    pool is rebuilt on the other side.
    """

    api_key: str
    base_url: str
    timeout: Timeout
    max_retries: int
    app_source: str | None
    tool_timeout: float
    model_aliases: dict[str, str]
    response_types: Literal["sogni", "openai"]
    chat: Chat
    beta: Beta
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
        requests_per_minute: float | None = None,
        allow_insecure_http: bool = False,
        model_aliases: Mapping[str, str] | None = None,
        response_types: Literal["sogni", "openai"] = "sogni",
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
        if not isinstance(allow_insecure_http, bool):
            raise TypeError(
                f"allow_insecure_http must be True or False; got {allow_insecure_http!r}"
            )
        rate = check_rate(requests_per_minute)
        aliases = _check_aliases(model_aliases)
        if response_types not in ("sogni", "openai"):
            raise ValueError(f"response_types must be 'sogni' or 'openai'; got {response_types!r}")
        if response_types == "openai" and importlib.util.find_spec("openai") is None:
            raise ImportError(
                "response_types='openai' returns objects of the openai package, which is not "
                "installed: pip install openai (or leave response_types at 'sogni')"
            )
        check_app_source(app_source)
        check_headers(default_headers, "default_headers")
        if default_query is not None and not isinstance(default_query, Mapping):
            raise TypeError(f"default_query must be a dict; got {type(default_query).__name__}")

        self.api_key = api_key
        self.allow_insecure_http = allow_insecure_http
        self.base_url = _check_base_url(
            base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL, allow_insecure_http
        )
        self.timeout = check_timeout(timeout) or (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT)
        self.max_retries = max_retries
        self.app_source = app_source
        self.tool_timeout = float(tool_timeout)
        self.model_aliases = aliases
        self.response_types = response_types
        self._default_headers = dict(default_headers or {})
        self._default_query = dict(default_query or {})
        self._sleep = sleep or time.sleep
        self._retry = RetryPolicy(max_retries, self._sleep)
        self._pacer = Pacer(rate, self._sleep) if rate is not None else None
        self._owns_session = http_client is None
        self._session = http_client if http_client is not None else _new_session()
        self._closed = False
        # Proxies and CA bundle from the environment, read once (requests re-reads them, and
        # scans every environment variable, on each call).
        self._transport: dict[str, Any] | None = None
        self._headers = self._build_headers()
        self.chat = Chat(self)
        self.beta = Beta(self.chat)
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
        requests_per_minute: float | NotGiven | None = NOT_GIVEN,
        allow_insecure_http: bool | None = None,
        model_aliases: Mapping[str, str] | None = None,
        response_types: Literal["sogni", "openai"] | None = None,
    ) -> OpenAI:
        """A new client with some options changed, sharing this client's connection pool.

        ``default_headers`` and ``default_query`` are merged over this client's. With the
        same ``requests_per_minute`` the copy also shares this client's pacing.
        """
        rate = self.requests_per_minute if requests_per_minute is NOT_GIVEN else requests_per_minute
        copy = OpenAI(
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
            requests_per_minute=rate,
            allow_insecure_http=(
                self.allow_insecure_http if allow_insecure_http is None else allow_insecure_http
            ),
            model_aliases=self.model_aliases if model_aliases is None else model_aliases,
            response_types=self.response_types if response_types is None else response_types,
        )
        if self._pacer is not None and copy.requests_per_minute == self.requests_per_minute:
            copy._pacer = self._pacer
        return copy

    copy = with_options

    @property
    def requests_per_minute(self) -> float | None:
        """The pacing rate, or ``None`` when requests are not paced."""
        return self._pacer.requests_per_minute if self._pacer is not None else None

    # -- pickling: options and credentials travel, live connections do not -------------------

    def __getstate__(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "default_headers": self._default_headers,
            "default_query": self._default_query,
            "app_source": self.app_source,
            "tool_timeout": self.tool_timeout,
            "requests_per_minute": self.requests_per_minute,
            "allow_insecure_http": self.allow_insecure_http,
            "model_aliases": self.model_aliases,
            "response_types": self.response_types,
        }
        if self._sleep is not time.sleep:
            options["sleep"] = self._sleep
        if not self._owns_session:
            options["http_client"] = self._session
        # The key is stored masked with a random pad, so a pickle printed by mistake does not
        # show it. This is not encryption: treat pickles of a client as secrets.
        key = self.api_key.encode()
        pad = os.urandom(len(key))
        masked = bytes(a ^ b for a, b in zip(key, pad, strict=True))
        return {"options": options, "key": (pad, masked)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        pad, masked = state["key"]
        key = bytes(a ^ b for a, b in zip(masked, pad, strict=True)).decode()
        self.__init__(api_key=key, **state["options"])  # type: ignore[misc]

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
        """Send one logical request (see :meth:`_send`) and return ``parse(response)``."""
        return self._send(method, path, body=body, options=options, stream=stream, parse=parse)[0]

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        options: RequestOptions | None = None,
        stream: bool = False,
        parse: Callable[[requests.Response], _T],
    ) -> tuple[_T, requests.Response, int]:
        """Send one logical request, retrying as the policy says.

        Returns ``parse(response)``, the response and the number of retries taken.

        The body is read, and ``parse`` runs, inside the attempt, so a connection failure
        while reading is retried like one while sending. Raises :class:`APIStatusError`
        subclasses for 4xx/5xx answers, :class:`APIConnectionError` for transport failures and
        :class:`APITimeoutError` when an answer is not complete within connect + read seconds.
        With ``stream=True`` the body is left for ``parse`` to read as it arrives.
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
        # ``stream=True`` always: a non-streaming body is read below against a deadline, so a
        # whole answer is bounded by connect + read seconds (requests' own timeout applies to
        # each socket read, so a trickling server could hold a call forever).
        settings = self._transport
        if settings is None:
            settings = dict(session.merge_environment_settings(url, {}, True, None, None))
            self._transport = settings
        budget = timeout[0] + timeout[1]
        debug = logger.isEnabledFor(logging.DEBUG)

        for attempt in self._retry.retrying:
            with attempt:
                number = attempt.retry_state.attempt_number
                if self._pacer is not None:
                    self._pacer.wait()
                started = time.monotonic()
                with translate_transport_errors(prepared):
                    response = session.send(prepared, timeout=timeout, **settings)
                    if not stream or response.status_code >= 400:
                        _read_body(response, started + budget)
                if debug:
                    logger.debug(
                        "%s %s -> %d (attempt %d, %.1f ms)",
                        method,
                        _redact(str(prepared.url), self.api_key),
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
                    return parse(response), response, number - 1
                except BaseException:
                    response.close()
                    raise
        raise AssertionError("unreachable: tenacity returns or raises")  # pragma: no cover


#: Sogni's name for the same client.
Sogni = OpenAI
