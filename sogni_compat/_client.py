"""The public client: its configuration, its namespaces, copies, pickling and closing.

:class:`OpenAI` checks every constructor option before anything is sent, builds the
namespaces (``chat``, ``models``; ``responses``, ``images``, ``media`` and ``workflows`` on
first use) and inherits the one request path from :class:`~sogni_compat._base_client.BaseClient`.
Only the package's fronts import this module.
"""

from __future__ import annotations

import importlib.util
import os
import time
import warnings
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import requests

from ._base_client import BaseClient, encode_json
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
    NOT_GIVEN,
    NotGiven,
    is_absent,
    unused_openai_key_note,
)
from ._errors import OpenAIError
from ._options import Timeout, check_app_source, check_headers, check_timeout
from ._pacing import Pacer, check_rate
from ._retry import RetryPolicy
from ._secrets import Secret, check_api_key, forget_secret, register_secret
from ._transport import check_base_url, close_session, new_session
from .resources._base import Resource, listing
from .resources.chat import Beta, Chat
from .resources.models import Models

if TYPE_CHECKING:
    from ._requester import Requester
    from .resources.images import Images
    from .resources.media import Media
    from .resources.responses import Responses
    from .resources.workflows import Workflows

#: ``encode_json`` is re-exported: it was defined here once, and code imports it from here.
__all__ = ["OpenAI", "Sogni", "encode_json"]


_T = TypeVar("_T")

#: Constructor keywords of the openai SDK that mean nothing for Sogni: ignored with a warning.
_MEANINGLESS = ("organization", "project", "webhook_secret", "websocket_base_url")
#: Keywords of the openai SDK that would change how requests are authenticated or routed.
_UNSUPPORTED = ("admin_api_key", "workload_identity", "provider", "data_residency")


#: The openai SDK's resources that are not here (see the README's compatibility table).
_NOT_SERVED = frozenset(
    {
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
    }
)


def _responses() -> type[Any]:
    from .resources.responses import Responses  # noqa: PLC0415 - on first use

    return Responses


def _media() -> type[Any]:
    from .resources.media import Media  # noqa: PLC0415 - on first use

    return Media


def _images() -> type[Any]:
    from .resources.images import Images  # noqa: PLC0415 - on first use

    return Images


def _workflows() -> type[Any]:
    from .resources.workflows import Workflows  # noqa: PLC0415 - on first use

    return Workflows


#: The namespaces made on first use, each by a function importing its class.
_LAZY_NAMESPACES: dict[str, Callable[[], type[Any]]] = {
    "responses": _responses,
    "media": _media,
    "images": _images,
    "workflows": _workflows,
}


def served_namespaces() -> list[str]:
    """The client's namespaces, read from the class: those it makes at once and on first use.

    ``beta`` is left out: it only holds ``beta.chat``, which is ``chat``.
    """
    made = [
        name
        for name, annotation in OpenAI.__annotations__.items()
        if isinstance(cls := globals().get(str(annotation)), type) and issubclass(cls, Resource)
    ]
    return sorted({*made, *_LAZY_NAMESPACES})


def not_served(where: str) -> str:
    """Why ``where`` (an openai resource) is missing, naming what this client does serve."""
    served = listing("this client serves", served_namespaces())
    return f"{where}: Sogni serves no such endpoint; {served}"


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


class OpenAI(BaseClient):
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

    chat: Chat
    beta: Beta
    models: Models
    if TYPE_CHECKING:  # made on first use (see _missing_attribute), typed for checkers and IDEs
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
            note = unused_openai_key_note()
            raise OpenAIError(
                "The api_key client option must be set either by passing api_key to the "
                f"client or by setting the {ENV_API_KEY} environment variable"
                + (f". {note}" if note else "")
            )
        # From here on the key is a Secret, so tracebacks that show locals show '***'.
        if isinstance(api_key, str):
            api_key = Secret(api_key)
        api_key = check_api_key(api_key)
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

        return openai_client(self, self.responses, served_namespaces())

    def as_async_openai(self) -> Any:
        """A genuine ``openai.AsyncOpenAI`` bound to this client's Sogni base URL.

        As :meth:`as_openai`, for async code and libraries' async paths.
        """
        from ._openai_client import async_openai_client  # noqa: PLC0415 - imports openai

        return async_openai_client(self, self.responses, served_namespaces())

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

    def _missing_attribute(self, name: str) -> Any:
        # Only for names normal lookup misses: the namespaces made on first use, and why an
        # openai resource is not here.
        made = _LAZY_NAMESPACES.get(name)
        if made is not None:
            # setdefault: threads that arrive together all get the first one stored (the
            # Responses store lives in it), never one each.
            namespace: Any = self.__dict__.setdefault(name, made()(self))
            return namespace
        if name in _NOT_SERVED:
            raise AttributeError(not_served(f"client.{name}"))
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # Out of type checkers' sight: they see the declared namespaces only, so code using an
    # endpoint Sogni lacks (``client.embeddings``) is flagged before it runs.
    if not TYPE_CHECKING:
        __getattr__ = _missing_attribute

    def __repr__(self) -> str:
        # getattr: a traceback may show a client whose __init__ raised before these were set.
        base_url, retries = getattr(self, "base_url", None), getattr(self, "max_retries", None)
        return f"<{type(self).__name__} base_url={base_url!r} max_retries={retries}>"


#: Sogni's name for the same client.
Sogni = OpenAI


if TYPE_CHECKING:

    def _conforms(client: OpenAI) -> Requester:
        """Type-checked only: the client offers everything :class:`Requester` promises."""
        return client
