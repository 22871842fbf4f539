"""The blocking client: configuration, one ``requests.Session`` and the one ``_request`` path."""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import os
import sys
import time
import warnings
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import requests

from ._config import (
    DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TOOL_TIMEOUT,
    ENV_API_KEY,
    ENV_BASE_URL,
    ERROR_BODY_LIMIT,
    NOT_GIVEN,
    SOGNI_ESTIMATE_ROOT,
    NotGiven,
    is_absent,
)
from ._convert import json_default
from ._errors import (
    TRANSPORT_ERRORS,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    OpenAIError,
    error_from_response,
    translate_error,
)
from ._pacing import Pacer, check_rate
from ._params import RequestOptions, Timeout, check_app_source, check_headers, check_timeout
from ._retry import RetryPolicy, retry_decision
from ._secrets import Secret, forget_secret, mask, register_secret, scrub
from ._transport import (
    DEADLINE,
    BodyTooLargeError,
    check_base_url,
    close_session,
    idempotency_key,
    new_session,
    prepare,
    read_body,
    transmit,
    transport_settings,
)
from ._version import __version__
from .resources.chat import Beta, Chat
from .resources.models import Models

if TYPE_CHECKING:
    from .resources.images import Images
    from .resources.media import Media
    from .resources.responses import Responses
    from .resources.workflows import Workflows

__all__ = ["OpenAI", "Sogni"]

logger = logging.getLogger("sogni_compat")

_T = TypeVar("_T")

_USER_AGENT = (
    f"sogni-compat/{__version__} python/{'.'.join(map(str, sys.version_info[:3]))} "
    f"requests/{requests.__version__}"
)


def encode_json(body: Mapping[str, Any]) -> bytes:
    """The compact UTF-8 JSON text of a request body.

    A value JSON cannot hold (NaN, an infinity, an object it cannot encode) is a ``ValueError``
    or ``TypeError`` naming where it is, e.g. ``messages[0].content``, raised before sending.
    """
    try:
        text = json.dumps(
            body, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=json_default
        )
    except (TypeError, ValueError, RecursionError) as exc:
        raise _unencodable(body, exc) from None
    return text.encode()


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
                items = [(path, json_default(value), depth + 1)]
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


def _check_api_key(api_key: object) -> Secret:
    """The key as a :class:`Secret`; a bad key is refused without echoing it."""
    if not isinstance(api_key, str) or not api_key.strip():
        raise TypeError("api_key must be a non-empty string")
    for position, char in enumerate(api_key):
        code = ord(char)
        if code > 255 or code < 32 or code == 127:
            what = "a line break" if char in "\r\n" else f"the character U+{code:04X}"
            raise ValueError(
                f"api_key contains {what} at position {position}, which cannot be sent in an "
                "HTTP header (a key pasted with a stray quote or an invisible character?); "
                "copy the key again"
            )
    if api_key != api_key.strip():
        raise ValueError("api_key starts or ends with spaces; copy the key again")
    return Secret(api_key)


#: Constructor keywords of the openai SDK that mean nothing for Sogni: ignored with a warning.
_MEANINGLESS = ("organization", "project", "webhook_secret", "websocket_base_url")
#: Keywords of the openai SDK that would change how requests are authenticated or routed.
_UNSUPPORTED = ("admin_api_key", "workload_identity", "provider", "data_residency")


_NOT_ON_SOGNI = "Sogni serves no such endpoint (only chat completions and models)"
#: The openai SDK's resources that are not here, and why (see the README's compatibility table).
_NOT_SERVED = {
    **dict.fromkeys(
        (
            "completions",
            "embeddings",
            "audio",
            "files",
            "fine_tuning",
            "moderations",
            "batches",
            "uploads",
            "vector_stores",
            "containers",
            "evals",
            "conversations",
            "realtime",
            "webhooks",
            "graders",
            "videos",
        ),
        _NOT_ON_SOGNI,
    ),
}


def _given(value: _T | None) -> _T | None:
    """``None`` for any "not set" marker (``NOT_GIVEN``, ``openai.NOT_GIVEN``, ``omit``)."""
    return None if is_absent(value) else value


def _openai_only_options(**given: object) -> None:
    """Accept the openai SDK's other constructor keywords when unset; say so when set."""
    for name in _MEANINGLESS:
        if not is_absent(given[name]):
            warnings.warn(
                f"OpenAI({name}=...) has no meaning for Sogni and is ignored",
                UserWarning,
                stacklevel=3,
            )
    for name in _UNSUPPORTED:
        if not is_absent(given[name]):
            raise ValueError(
                f"{name} is an OpenAI platform option that Sogni does not support; leave it out"
            )
    if given["_strict_response_validation"] not in (False, None):
        raise ValueError(
            "_strict_response_validation=True is not supported: answers are parsed leniently "
            "and unknown fields are kept"
        )
    if given["_enforce_credentials"] not in (True, None):
        raise ValueError("_enforce_credentials=False is not supported: Sogni needs an api_key")


def _check_size(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1024:
        raise ValueError(f"{name} must be a number of bytes, at least 1024; got {value!r}")
    return value


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


#: The path of Sogni's LLM price quotes (see :data:`SOGNI_ESTIMATE_ROOT`).
_ESTIMATE_PATH = "/api/v1/job-llm/estimate/"


class OpenAI:
    """A blocking, OpenAI-compatible client for Sogni's LLM API.

    ``api_key`` falls back to ``SOGNI_API_KEY`` (never ``OPENAI_API_KEY``); ``base_url`` to
    ``SOGNI_BASE_URL``, then ``https://api.sogni.ai/v1``. ``timeout`` is seconds for every
    phase or a ``(connect, read)`` pair (default 5 s connect, 600 s read): each attempt's
    whole answer (or a stream's first chunk) must arrive within connect + read seconds, and
    each later chunk of a stream within read seconds of the one before. ``max_retries`` failed
    attempts are retried (default 2). ``app_source`` labels every request (body field and
    ``X-App-Source`` header). ``http_client`` is a ``requests.Session`` to use instead of a
    new one (proxies, certificates, adapters). ``sleep`` is the function that waits between
    retries (replace it in tests). ``tool_timeout`` bounds the seconds the auto-tool loop
    spends on one Sogni hosted tool (default 1800). ``requests_per_minute`` spaces request
    starts evenly across all threads using the client (default: no pacing).
    ``allow_insecure_http`` permits a plain ``http://`` ``base_url`` to another machine.
    ``model_aliases`` maps model names from OpenAI code to Sogni models before sending.
    ``response_types="openai"`` returns genuine ``openai`` objects (the package must be
    installed) instead of this package's lighter ones. ``max_response_bytes`` (default
    32 MiB) caps a decoded answer, ``max_event_bytes`` (default 8 MiB) one streamed event.
    ``allow_local_files=True`` lets plain strings in ``image_url`` parts name local files
    (a ``pathlib.Path`` always may).

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
    max_response_bytes: int
    max_event_bytes: int
    allow_local_files: bool
    chat: Chat
    beta: Beta
    models: Models
    if TYPE_CHECKING:  # made on first use (see __getattr__), typed for checkers and IDEs
        responses: Responses
        images: Images
        media: Media
        workflows: Workflows

    def __init__(
        self,
        *,
        api_key: str | Callable[[], str] | None = None,
        organization: str | None = None,
        project: str | None = None,
        webhook_secret: str | None = None,
        base_url: str | None = None,
        websocket_base_url: str | None = None,
        timeout: float | Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        http_client: requests.Session | None = None,
        app_source: str | None = None,
        sleep: Callable[[float], None] | None = None,
        tool_timeout: float = DEFAULT_TOOL_TIMEOUT,
        requests_per_minute: float | None = None,
        allow_insecure_http: bool = False,
        model_aliases: Mapping[str, str] | None = None,
        response_types: Literal["sogni", "openai"] = "sogni",
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        allow_local_files: bool = False,
        admin_api_key: str | None = None,
        workload_identity: object = None,
        provider: object = None,
        data_residency: object = None,
        _strict_response_validation: bool = False,
        _enforce_credentials: bool = True,
    ) -> None:
        # openai.NOT_GIVEN / omit / None: the default, for every keyword.
        if is_absent(api_key):
            api_key = None
        base_url = _given(base_url)
        if is_absent(timeout):
            timeout = None
        default_headers = _given(default_headers)
        default_query = _given(default_query)
        http_client = _given(http_client)
        if is_absent(max_retries):
            max_retries = DEFAULT_MAX_RETRIES
        _openai_only_options(
            organization=organization,
            project=project,
            webhook_secret=webhook_secret,
            websocket_base_url=websocket_base_url,
            admin_api_key=admin_api_key,
            workload_identity=workload_identity,
            provider=provider,
            data_residency=data_residency,
            _strict_response_validation=_strict_response_validation,
            _enforce_credentials=_enforce_credentials,
        )
        self._key_source: Callable[[], str] | None = None
        if callable(api_key):
            self._key_source = api_key
            api_key = api_key()
        if api_key is None:
            api_key = os.environ.get(ENV_API_KEY) or None
        if api_key is None:
            raise OpenAIError(
                "The api_key client option must be set either by passing api_key to the "
                f"client or by setting the {ENV_API_KEY} environment variable"
            )
        # From here on the key is a Secret, so tracebacks that show locals show '***'.
        if isinstance(api_key, str):
            api_key = Secret(api_key)
        api_key = _check_api_key(api_key)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be an integer >= 0; got {max_retries!r}")
        if http_client is not None and not isinstance(http_client, requests.Session):
            raise TypeError(
                f"http_client must be a requests.Session; got {type(http_client).__name__}"
                + (
                    " (an httpx client is the openai SDK's transport; this client runs on "
                    "requests: pass a requests.Session, or leave http_client out)"
                    if any(c.__module__.startswith("httpx") for c in type(http_client).__mro__)
                    else ""
                )
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
        for name, flag in (
            ("allow_insecure_http", allow_insecure_http),
            ("allow_local_files", allow_local_files),
        ):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be True or False; got {flag!r}")
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
        self.base_url = check_base_url(
            base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
            allow_insecure_http,
            DEFAULT_BASE_URL,
        )
        self.timeout = check_timeout(timeout) or (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT)
        self.max_retries = max_retries
        self.app_source = app_source
        self.tool_timeout = float(tool_timeout)
        self.model_aliases = aliases
        self.response_types = response_types
        self.max_response_bytes = _check_size(max_response_bytes, "max_response_bytes")
        self.max_event_bytes = _check_size(max_event_bytes, "max_event_bytes")
        self.allow_local_files = allow_local_files
        self._default_headers = dict(default_headers or {})
        self._default_query = dict(default_query or {})
        self._sleep = sleep or time.sleep
        self._retry = RetryPolicy(max_retries, self._sleep)
        self._pacer = Pacer(rate, self._sleep) if rate is not None else None
        self._owns_session = http_client is None
        self._session = (
            http_client if http_client is not None else new_session(DEFAULT_MAX_CONNECTIONS)
        )
        self._closed = False
        # Proxies and CA bundle from the environment, read once (requests re-reads them, and
        # scans every environment variable, on each call).
        self._transport: dict[str, Any] | None = None
        self._headers = self._build_headers()
        # Errors and log lines mask the key while a client holds it.
        register_secret(api_key)
        weakref.finalize(self, forget_secret, str(api_key))
        self.chat = Chat(self)
        self.beta = Beta(self.chat)
        self.models = Models(self)

    def _refresh_key(self) -> None:
        """Ask ``api_key``'s function for the key again (it may rotate); rebuild the header."""
        assert self._key_source is not None
        fresh = self._key_source()
        if fresh != self.api_key:
            key = _check_api_key(Secret(fresh) if isinstance(fresh, str) else fresh)
            register_secret(key)
            weakref.finalize(self, forget_secret, str(key))
            self.api_key = key
            self._headers = self._build_headers()

    def _build_headers(self) -> dict[str, str]:
        headers = {
            "Authorization": Secret(f"Bearer {self.api_key}"),
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
        api_key: str | Callable[[], str] | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        set_default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        set_default_query: Mapping[str, Any] | None = None,
        http_client: requests.Session | None = None,
        app_source: str | NotGiven | None = NOT_GIVEN,
        sleep: Callable[[float], None] | None = None,
        tool_timeout: float | None = None,
        requests_per_minute: float | NotGiven | None = NOT_GIVEN,
        allow_insecure_http: bool | None = None,
        model_aliases: Mapping[str, str] | None = None,
        response_types: Literal["sogni", "openai"] | None = None,
        max_response_bytes: int | None = None,
        max_event_bytes: int | None = None,
        allow_local_files: bool | None = None,
        organization: str | None = None,
        project: str | None = None,
        webhook_secret: str | None = None,
        websocket_base_url: str | None = None,
    ) -> OpenAI:
        """A new client with some options changed, sharing this client's connection pool.

        ``default_headers`` and ``default_query`` are merged over this client's;
        ``set_default_headers`` and ``set_default_query`` replace them (as in the openai SDK).
        ``http_client`` gives the copy a session of its own. With the same
        ``requests_per_minute`` the copy also shares this client's pacing.
        """
        if not is_absent(default_headers) and not is_absent(set_default_headers):
            raise ValueError("pass default_headers or set_default_headers, not both")
        if not is_absent(default_query) and not is_absent(set_default_query):
            raise ValueError("pass default_query or set_default_query, not both")
        headers = (
            dict(set_default_headers or {})
            if not is_absent(set_default_headers)
            else {**self._default_headers, **(_given(default_headers) or {})}
        )
        query = (
            dict(set_default_query or {})
            if not is_absent(set_default_query)
            else {**self._default_query, **(_given(default_query) or {})}
        )
        rate = self.requests_per_minute if requests_per_minute is NOT_GIVEN else requests_per_minute
        key: str | Callable[[], str] = (
            api_key if api_key and not is_absent(api_key) else self._key_source or self.api_key
        )
        copy = OpenAI(
            api_key=key,
            base_url=_given(base_url) or self.base_url,
            timeout=self.timeout if timeout is NOT_GIVEN else timeout,
            max_retries=self.max_retries if is_absent(max_retries) else max_retries,  # type: ignore[arg-type]
            default_headers=headers,
            default_query=query,
            app_source=self.app_source if app_source is NOT_GIVEN else app_source,
            http_client=_given(http_client) or self._session,
            sleep=sleep or self._sleep,
            tool_timeout=self.tool_timeout if tool_timeout is None else tool_timeout,
            requests_per_minute=rate,
            allow_insecure_http=(
                self.allow_insecure_http if allow_insecure_http is None else allow_insecure_http
            ),
            model_aliases=self.model_aliases if model_aliases is None else model_aliases,
            response_types=self.response_types if response_types is None else response_types,
            max_response_bytes=(
                self.max_response_bytes if max_response_bytes is None else max_response_bytes
            ),
            max_event_bytes=self.max_event_bytes if max_event_bytes is None else max_event_bytes,
            allow_local_files=(
                self.allow_local_files if allow_local_files is None else allow_local_files
            ),
            organization=organization,
            project=project,
            webhook_secret=webhook_secret,
            websocket_base_url=websocket_base_url,
        )
        if self._pacer is not None and copy.requests_per_minute == self.requests_per_minute:
            copy._pacer = self._pacer
        return copy

    copy = with_options

    def as_openai(self) -> Any:
        """A genuine ``openai.OpenAI`` that talks to this client's Sogni base URL and no other.

        For libraries that demand the openai package's own client (``instructor.from_openai``,
        ``outlines.from_openai``, LangChain's ``root_client``). Its requests are checked and
        translated as this client's are: Sogni's keywords go through ``extra_body`` (either
        spelling), ``sogni_tools`` stays off unless asked, model aliases apply; a request to
        any other URL is answered 403 without being sent. Needs the ``openai`` package.
        """
        from ._openai_client import openai_client  # noqa: PLC0415 - imports openai

        return openai_client(self)

    def as_async_openai(self) -> Any:
        """A genuine ``openai.AsyncOpenAI`` bound to this client's Sogni base URL.

        As :meth:`as_openai`, for async code and libraries' async paths.
        """
        from ._openai_client import async_openai_client  # noqa: PLC0415 - imports openai

        return async_openai_client(self)

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
            "max_response_bytes": self.max_response_bytes,
            "max_event_bytes": self.max_event_bytes,
            "allow_local_files": self.allow_local_files,
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
        self.__init__(  # type: ignore[misc]
            api_key=Secret(bytes(a ^ b for a, b in zip(masked, pad, strict=True)).decode()),
            **state["options"],
        )

    def close(self) -> None:
        """Close the connection pool (a ``with_options`` copy leaves the shared pool open)."""
        self._closed = True
        if self._owns_session:
            close_session(self._session)

    def is_closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def __enter__(self) -> OpenAI:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        # Only for names normal lookup misses: the Responses resource, made on first use, and
        # why an openai resource is not here.
        if name == "responses":
            from .resources.responses import Responses  # noqa: PLC0415 - on first use

            self.__dict__["responses"] = resource = Responses(self)
            return resource
        if name == "media":
            from .resources.media import Media  # noqa: PLC0415 - on first use

            self.__dict__["media"] = media = Media(self)
            return media
        if name == "images":
            from .resources.images import Images  # noqa: PLC0415 - on first use

            self.__dict__["images"] = images = Images(self)
            return images
        if name == "workflows":
            from .resources.workflows import Workflows  # noqa: PLC0415 - on first use

            self.__dict__["workflows"] = workflows = Workflows(self)
            return workflows
        reason = _NOT_SERVED.get(name)
        if reason is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        raise AttributeError(f"client.{name}: {reason}")

    def __repr__(self) -> str:
        # getattr: a traceback may show a client whose __init__ raised before these were set.
        base_url, retries = getattr(self, "base_url", None), getattr(self, "max_retries", None)
        return f"<{type(self).__name__} base_url={base_url!r} max_retries={retries}>"

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

    def _put_presigned(
        self, url: str, data: bytes, content_type: str, timeout: Timeout, deadline: float
    ) -> None:
        """PUT ``data`` to a presigned upload ``url``: one attempt, without the key.

        The URL carries its own credential, so only ``Content-Type`` and the User-Agent go
        with it; a redirect is not followed. Raises this package's errors.
        """
        if self._closed:
            raise OpenAIError("This client has been closed; create a new one")
        headers = {"Content-Type": content_type, "User-Agent": self._headers["User-Agent"]}
        prepared = self._session.prepare_request(
            requests.Request("PUT", url, headers=headers, data=data, auth=_keep_headers)
        )
        token = DEADLINE.set(deadline)
        try:
            settings = transport_settings(self._session, url)
            response = self._attempt(prepared, settings, timeout, False, deadline)
        except OpenAIError as exc:
            scrub(exc)
            raise
        finally:
            DEADLINE.reset(token)
        if 300 <= response.status_code < 400:
            where = response.headers.get("location")
            raise APIStatusError(
                f"Error code: {response.status_code} - the presigned upload URL redirected "
                f"{'to ' + repr(where[:200]) if where else 'without a Location'}; uploads do "
                "not follow redirects",
                response=response,
            )
        if response.status_code >= 300:
            raise error_from_response(response)

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


#: Sogni's name for the same client.
Sogni = OpenAI
