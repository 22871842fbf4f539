"""Under the one request path: deadlines that hold, bounded reads, URL and proxy rules.

**Deadlines.** ``requests`` applies its read timeout to each socket read, so a server that
sends one byte a second (of the status line, the headers or the body) holds a call for ever.
Here every read made while :data:`DEADLINE` is set waits at most until that moment: the
client's own adapter, :class:`HTTPAdapter`, reads each response through a socket reader that
shrinks the socket's timeout to what is left of the deadline before every ``recv``. The
request path sets :data:`DEADLINE` for each attempt (status line, headers and body) and a
stream sets it for each event. With an adapter of the caller's own, the deadline is checked
after every read instead (it may then overshoot by one read timeout).

**Sizes.** :func:`read_body` stops at a limit counted in *decoded* bytes (a gzip body is
counted after inflating; urllib3 2.6+ inflates at most one read's worth at a time).

**Addresses.** While :data:`PEER_CHECK` is set, every new connection the client's adapter
opens is handed to it once connected, before anything (a TLS greeting included) is sent: a
check that raises :class:`PeerRefusedError` closes the connection. Names are resolved by
the system, so this is the address the request would really go to.
"""

from __future__ import annotations

import datetime
import http.client
import inspect
import io
import ipaddress
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

import requests
import requests.adapters
import requests.cookies
import requests.models
import urllib3
import urllib3.connection
import urllib3.util
from requests.structures import CaseInsensitiveDict

from ._errors import APITimeoutError
from ._version import __version__

__all__ = [
    "DEADLINE",
    "PEER_CHECK",
    "USER_AGENT",
    "BodyTooLargeError",
    "HTTPAdapter",
    "PeerRefusedError",
    "byte_chunks",
    "check_base_url",
    "close_session",
    "is_loopback",
    "new_session",
    "plain_session",
    "prepare",
    "read_body",
    "transmit",
]

#: The moment (``time.monotonic()``) by which the current read must return, or ``None``.
DEADLINE: ContextVar[float | None] = ContextVar("sogni_compat_deadline", default=None)

#: Called with the address each new connection reached, before anything is sent on it.
PEER_CHECK: ContextVar[Callable[[str], None] | None] = ContextVar(
    "sogni_compat_peer_check", default=None
)

#: The ``User-Agent`` of every request the client makes (its presigned uploads too).
USER_AGENT = (
    f"sogni-compat/{__version__} python/{'.'.join(map(str, sys.version_info[:3]))} "
    f"requests/{requests.__version__}"
)

#: Bytes asked of the transport per read.
READ_SIZE = 65536
#: A socket's timeout is shrunk only when the deadline is at least this much nearer than the
#: timeout it has (saves a system call per read; the bound may be late by this much).
_SLACK = 0.05


class PeerRefusedError(ValueError):
    """A :data:`PEER_CHECK` refused the address a connection reached; nothing was sent."""


class BodyTooLargeError(Exception):
    """A body passed its size limit; ``size`` is how much had been read."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


# -- sockets that honour DEADLINE ------------------------------------------------------------


_socket_readinto = socket.SocketIO.readinto


class _DeadlineIO(socket.SocketIO):
    """A socket reader whose every ``recv`` ends by :data:`DEADLINE` when it is set."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock, "rb")
        self._socket = sock
        # The read timeout urllib3 gave the socket for this response.
        self._base = sock.gettimeout()
        self._current = self._base

    def readinto(self, buffer: Any) -> int | None:
        """Read into ``buffer``; raise ``TimeoutError`` once the deadline has passed."""
        deadline = DEADLINE.get()
        base = self._base
        if deadline is None:
            wanted = base
        else:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("timed out: the call's deadline passed")
            wanted = left if base is None or left < base else base
        current = self._current
        # Shrunk as the deadline nears, grown back when it moves on (a stream's next chunk),
        # but only when off by more than the slack: usually no system call at all.
        if current != wanted and (
            current is None
            or wanted is None
            or current > wanted + _SLACK
            or current < wanted - _SLACK
        ):
            self._socket.settimeout(wanted)
            self._current = wanted
        return _socket_readinto(self, buffer)


class _SocketFiles:
    """Hands ``http.client.HTTPResponse`` a deadline-aware file instead of ``makefile``."""

    __slots__ = ("_sock",)

    def __init__(self, sock: Any) -> None:
        self._sock = sock

    def makefile(self, mode: str) -> Any:
        sock = self._sock
        if not isinstance(sock, socket.socket):  # e.g. TLS inside a TLS proxy tunnel
            return sock.makefile(mode)
        # What socket.makefile("rb") does, with our reader: the count keeps the socket open
        # until the response is closed, even when the connection closes first.
        sock._io_refs += 1  # type: ignore[attr-defined]
        return io.BufferedReader(_DeadlineIO(sock))


class _DeadlineHTTPResponse(http.client.HTTPResponse):
    """``http.client``'s response, reading through :class:`_DeadlineIO`."""

    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(_SocketFiles(sock), *args, **kwargs)  # type: ignore[arg-type]


def _checked(sock: socket.socket) -> socket.socket:
    """``sock``, once :data:`PEER_CHECK` (when set) accepts the address it reached."""
    check = PEER_CHECK.get()
    if check is not None:
        try:
            check(str(sock.getpeername()[0]))
        except BaseException:
            sock.close()
            raise
    return sock


class _HTTPConnection(urllib3.connection.HTTPConnection):
    response_class = _DeadlineHTTPResponse

    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn())


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    response_class = _DeadlineHTTPResponse

    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn())


class _HTTPConnectionPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOL_CLASSES = {"http": _HTTPConnectionPool, "https": _HTTPSConnectionPool}


class HTTPAdapter(requests.adapters.HTTPAdapter):
    """A ``requests`` adapter whose reads honour the client's deadlines.

    The client mounts one on the session it creates. Mount one on a session you pass as
    ``http_client`` to keep the bounds on the status line and headers exact::

        session.mount("https://", sogni_compat.HTTPAdapter())
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Create the pool manager, with connections that read through deadline sockets."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOL_CLASSES

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        """The proxy's pool manager, with deadline sockets too (SOCKS proxies keep theirs)."""
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _POOL_CLASSES
        return manager


def new_session(max_connections: int) -> requests.Session:
    """A session with :class:`HTTPAdapter` mounted, keeping ``max_connections`` per host."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_maxsize=max_connections)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def close_session(session: requests.Session) -> None:
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


# -- bounded reads ---------------------------------------------------------------------------


def _past(request: requests.PreparedRequest | None) -> APITimeoutError:
    return APITimeoutError(
        "Request timed out: the answer was still arriving when the timeout ran out.", request
    )


def read_body(
    response: requests.Response, deadline: float, limit: int, *, truncate: bool = False
) -> None:
    """Read the whole body now, at most ``limit`` decoded bytes, by ``deadline``.

    Raises :class:`APITimeoutError` past the deadline and :class:`BodyTooLargeError` past the
    limit (or, with ``truncate``, keeps the first ``limit`` bytes and closes the connection);
    on an error the connection is closed. ``DEADLINE`` should be set by the caller so that
    each read, not only the loop, ends in time.
    """
    raw = response.raw
    read1 = getattr(raw, "read1", None)
    chunks = []
    size = 0
    try:
        if read1 is None:  # not a urllib3 response: one bounded read
            data = raw.read(limit + 1)
            if len(data) > limit and not truncate:
                raise BodyTooLargeError(len(data))
            chunks.append(data[:limit])
        else:
            # read1 returns after one socket read, so the deadline is checked as bytes arrive.
            while chunk := read1(READ_SIZE, decode_content=True):
                size += len(chunk)
                if size > limit:
                    if not truncate:
                        raise BodyTooLargeError(size)
                    chunks.append(chunk[: len(chunk) - (size - limit)])
                    response.close()
                    break
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _past(response.request)
    except BaseException:
        response.close()
        raise
    response._content = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    setattr(response, "_content_consumed", True)  # noqa: B010 - not in the type stubs


def idempotency_key() -> str:
    """A random (version 4) UUID as text, as ``str(uuid.uuid4())`` gives.

    Made here so that a process making one call does not import :mod:`uuid` for it.
    """
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def byte_chunks(raw: Any) -> Iterator[bytes]:
    """The body's bytes as they arrive: one HTTP chunk (at most 64 KiB) or one socket read.

    Past :data:`DEADLINE`, raises ``TimeoutError`` (for transports that do not honour it
    themselves).
    """
    if getattr(raw, "chunked", False) and raw.supports_chunked_reads():
        # An amount, so one huge chunk is delivered in pieces instead of read whole first.
        chunks: Iterator[bytes] = raw.read_chunked(READ_SIZE, decode_content=True)
    else:
        read1 = raw.read1
        chunks = iter(lambda: read1(READ_SIZE, decode_content=True), b"")
    for data in chunks:
        deadline = DEADLINE.get()
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError("timed out: the call's deadline passed")
        yield data


# -- URLs ------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this machine."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(
    url: object,
    allow_insecure_http: bool,
    example: str,
    allow_hint: str = "pass allow_insecure_http=True",
) -> str:
    """``url`` without a trailing slash, or a ``ValueError`` saying what is wrong with it.

    The URL is read by urllib3's parser, the one that connects, and the standard library's
    must agree with it. A URL with a user name or password is refused (and not echoed).
    ``allow_hint`` says how the caller permits plain http (the command line has a flag).
    """
    if not isinstance(url, str):
        raise TypeError(f"base_url must be a string; got {type(url).__name__}")
    if "\\" in url or any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise ValueError(
            "base_url must not contain backslashes, spaces or control characters; "
            f"use a URL such as {example!r}"
        )
    try:
        parts = urllib3.util.parse_url(url)
    except urllib3.exceptions.LocationParseError:
        parts = None
    from urllib.parse import urlsplit  # noqa: PLC0415 - only when a client is made

    split = urlsplit(url)
    if parts is not None and (parts.auth or "@" in split.netloc):
        raise ValueError(
            "base_url must not contain a user name or password (the API key goes in "
            "api_key, and a URL is printed in logs and errors)"
        )
    host = (parts.host or "") if parts is not None else ""
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not host
        or split.scheme != parts.scheme
        or (split.hostname or "").lower() != host.strip("[]").lower()
    ):
        raise ValueError(f"base_url must be an http(s) URL such as {example!r}; got {url!r}")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(host):
        raise ValueError(
            f"base_url {url!r} is plain http:// to another machine: the API key would cross "
            f"the network unencrypted. Use https://, or {allow_hint} if the network is yours"
        )
    return url.rstrip("/")


def transport_settings(session: requests.Session, url: str) -> dict[str, Any]:
    """Proxies, CA bundle and client certificate for ``url``, read from the environment once.

    A loopback address is never sent through a proxy (``HTTP_PROXY`` would otherwise carry
    the key, in clear text, to the proxy).
    """
    settings = dict(session.merge_environment_settings(url, {}, True, None, None))
    host = urllib3.util.parse_url(url).host or ""
    if is_loopback(host):
        settings["proxies"] = {}
    return settings


# -- a lighter path through requests --------------------------------------------------------

_NO_BODY_METHODS = frozenset({"GET", "HEAD"})
#: requests' own query encoding (``None`` values left out, sequences repeated).
_encode_params = requests.models.RequestEncodingMixin._encode_params  # type: ignore[attr-defined]


def _unchanged(function: object, name: str) -> bool:
    """Whether ``function`` is requests' own ``Session.<name>``, not a patch or a wrapper."""
    return (
        inspect.isfunction(function)
        and function.__module__ == "requests.sessions"
        and function.__qualname__ == f"Session.{name}"
        and not hasattr(function, "__wrapped__")
    )


def plain_session(session: requests.Session) -> bool:
    """Whether ``session`` adds nothing per request that :func:`prepare` would skip.

    That is: a ``requests.Session`` itself (not a subclass), whose ``send`` and
    ``prepare_request`` are requests' own (tracing tools and ``requests_mock`` patch them),
    with no cookies, hooks or default query parameters. Any other session goes through
    ``Session.prepare_request`` and ``Session.send`` as usual.
    """
    return (
        type(session) is requests.Session
        and _unchanged(requests.Session.send, "send")
        and _unchanged(requests.Session.prepare_request, "prepare_request")
        and not session.cookies
        and not any(session.hooks.values())
        and not session.params
    )


def prepare(
    session: requests.Session,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    params: Mapping[str, Any] | None,
    data: bytes | None,
    auth: Any,
) -> requests.PreparedRequest:
    """A ``PreparedRequest`` for a request this package builds itself.

    ``Session.prepare_request`` merges cookies, hooks, parameters and authentication and
    re-parses the URL on every call (a third of a small call's CPU); for a plain session and
    an ASCII URL this package made from a checked base URL, the same request is built
    directly: the session's default headers under ours, the query encoded, ``Content-Length``
    as requests sets it. Anything else takes requests' own path.
    """
    if not (url.isascii() and "?" not in url and "#" not in url and plain_session(session)):
        return session.prepare_request(
            requests.Request(method, url, headers=headers, params=params, data=data, auth=auth)
        )
    prepared = requests.PreparedRequest()
    prepared.method = method
    query = _encode_params(params) if params else ""
    prepared.url = f"{url}?{query}" if query else url
    merged: CaseInsensitiveDict[str] = CaseInsensitiveDict(session.headers)  # type: ignore[arg-type]
    merged.update(headers)
    for name in [name for name, value in merged.items() if value is None]:
        del merged[name]
    if data is not None:
        merged["Content-Length"] = str(len(data))
    elif method not in _NO_BODY_METHODS:
        merged["Content-Length"] = "0"
    prepared.headers = merged
    prepared.body = data
    # An empty jar, as prepare_cookies leaves: a retry that goes through Session.send (once
    # the session holds a cookie) reads it when it handles a redirect.
    prepared._cookies = requests.cookies.RequestsCookieJar()  # type: ignore[attr-defined]
    return prepared


def transmit(
    session: requests.Session,
    prepared: requests.PreparedRequest,
    timeout: Any,
    settings: Mapping[str, Any],
) -> requests.Response:
    """Send ``prepared`` once, redirects not followed, through the mounted adapter.

    For a plain session this calls the adapter's ``send`` directly (what ``responses`` and
    other test tools intercept), sets ``elapsed`` and keeps any cookie the server sets in the
    session, as ``Session.send`` does, without its per-call dispatch; otherwise it is
    ``Session.send``.
    """
    if not plain_session(session):
        return session.send(prepared, timeout=timeout, allow_redirects=False, **settings)
    adapter = session.get_adapter(prepared.url or "")
    started = time.perf_counter()
    response = adapter.send(
        prepared,
        stream=True,
        timeout=timeout,
        verify=settings.get("verify", True),
        cert=settings.get("cert"),
        proxies=settings.get("proxies") or {},
    )
    response.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)
    if "set-cookie" in response.headers:
        requests.cookies.extract_cookies_to_jar(  # type: ignore[no-untyped-call]
            session.cookies, prepared, response.raw
        )
    return response
