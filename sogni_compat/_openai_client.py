"""Genuine ``openai.OpenAI`` / ``openai.AsyncOpenAI`` clients that talk to Sogni and only Sogni.

For libraries that insist on the ``openai`` package's own client (``instructor.from_openai``,
``outlines.from_openai``, LangChain's async paths): :meth:`OpenAI.as_openai` and
:meth:`OpenAI.as_async_openai` build one whose transport is this package's client:

- a request for any URL that is not under the client's ``base_url`` is answered 403 without
  being sent (nothing, and no key, ever goes elsewhere: not to OpenAI's default URL); the
  path is judged as a server would read it, percent-decoded (again while it changes, a few
  times) with backslashes as slashes, ``;`` parameters of each segment dropped and
  ``.``/``..`` segments removed, so neither ``/%2e%2e/admin`` nor ``/..;/admin`` can climb out
  of a path-prefixed gateway's base path;
- each ``chat/completions`` body is rewritten with this package's rules: Sogni's keywords
  (given through ``extra_body``, in either spelling) are translated as ``create()`` translates
  them (``think`` -> ``chat_template_kwargs``, ``sogni_tools`` off unless asked,
  ``max_completion_tokens`` -> ``max_tokens``, model aliases, the client's ``app_source``); a
  body that ``create()`` would refuse is answered 400 without being sent;
- the request then goes through the client's own session and bounds: its key (the openai
  client holds only a placeholder), proxies and CA settings, pacing, the deadline on the status
  line, headers and body, ``max_response_bytes`` (a larger answer is answered 502),
  ``max_event_bytes`` and the per-event idle timeout of a stream; keys a server echoes are
  masked in error bodies, headers and stream error events. A ``MockSogni`` intercepts it.

The ``openai`` package (and the HTTP library it uses) are imported only here. The async
client runs each blocking step in a worker thread (``anyio``, which openai brings).
"""

from __future__ import annotations

import functools
import importlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import requests

from ._errors import TRANSPORT_ERRORS, APIError, APITimeoutError, translate_error
from ._openai_routes import CALL_ONLY, Local, ResponsesServer, route, served
from ._params import ALIASES, KNOWN_KEYWORDS, REFUSED_KEYWORDS, chat_request, request_body
from ._secrets import mask, masking, scrub
from ._sse import EventTooLargeError, ServerSentEvent, SSEDecoder
from ._transport import DEADLINE, BodyTooLargeError, byte_chunks, read_body

if TYPE_CHECKING:
    from ._requester import Requester

__all__ = ["async_openai_client", "openai_client"]

#: The key the genuine client holds: the real one is added by this package's transport.
_PLACEHOLDER_KEY = "sogni-compat-sends-the-key"
#: Headers of the genuine client's request that are not forwarded (ours, or the transport's).
_DROPPED = frozenset(
    {"authorization", "host", "content-length", "accept-encoding", "connection", "user-agent"}
)

#: Keys the transport leaves alone: the legacy forms would need their answers translated.
_PASSED_THROUGH = frozenset({"functions", "function_call"})


def _openai() -> Any:
    try:
        return importlib.import_module("openai")
    except ImportError:
        raise ImportError(
            "as_openai()/as_async_openai() build a client of the openai package, which is not "
            "installed: pip install openai"
        ) from None


def _http_library(openai: Any) -> Any:
    """The HTTP package the installed openai uses (httpx, or its successor)."""
    base = next(c for c in openai.DefaultHttpxClient.__mro__ if c.__name__ == "Client")
    return importlib.import_module(base.__module__.split(".")[0])


#: Times a path is percent-decoded for the base-path check (``%252e`` is decoded twice).
_DECODINGS = 4


def _as_served(path: str) -> str:
    """``path`` as a lenient server may read it: decoded, backslashes as ``/``, no dot segments.

    A segment's ``;`` parameters are dropped first, as Tomcat and Jetty drop them (``..;x``
    is ``..`` there).
    """
    for _ in range(_DECODINGS):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    kept: list[str] = []
    for part in path.replace("\\", "/").split("/")[1:]:
        segment = part.split(";", 1)[0]
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    return "/" + "/".join(kept)


class _Rules:
    """What both transports do to a request before it leaves."""

    def __init__(self, client: Requester, http: Any, responses: ResponsesServer, said: str) -> None:
        self.client = client
        self.http = http
        self.responses = responses
        #: What Sogni serves, for a refusal (see _openai_routes.served).
        self.said = said
        self.prefix = client.base_url.rstrip("/") + "/"
        base = http.URL(client.base_url)
        self.origin = (base.scheme, base.host, base.port)
        self.base_path = base.path.rstrip("/") + "/"

    def _inside(self, request: Any) -> bool:
        """Whether the request stays under the base URL, read as a server would read it."""
        url = request.url
        if not (str(url).split("?", maxsplit=1)[0] + "/").startswith(self.prefix):
            return False
        if (url.scheme, url.host, url.port) != self.origin:
            return False
        raw = url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
        return (_as_served(raw) + "/").startswith(self.base_path)

    def check(self, request: Any) -> Any:
        """The request to send, or a response to give instead of sending it."""
        url = str(request.url)
        where = url.split("?", maxsplit=1)[0]
        if not self._inside(request):
            return self._refusal(
                403,
                f"sogni_compat refused to send a request to {where}: this client is bound to "
                f"{self.client.base_url}",
                "permission_denied",
            )
        # The Responses API and refusals of what Sogni does not serve (see _openai_routes),
        # decided on the path as the server would read it.
        served = _as_served(request.url.raw_path.split(b"?", 1)[0].decode("ascii", "replace"))
        routed = route(
            self.responses,
            self.http,
            request,
            served[len(self.base_path) :],
            _timeout_of(request, self.client),
            said=self.said,
        )
        if routed is not None:
            return routed
        if request.method == "POST" and served.endswith("/chat/completions"):
            return self._chat(request)
        return request

    def _chat(self, request: Any) -> Any:
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            return request
        if not isinstance(body, dict):
            return request
        known = {
            key: value
            for key, value in body.items()
            if (ALIASES.get(key, key) in KNOWN_KEYWORDS or key in REFUSED_KEYWORDS)
            and key not in _PASSED_THROUGH
            and ALIASES.get(key, key) not in CALL_ONLY
        }
        extra = {key: value for key, value in body.items() if key not in known}
        try:
            params, _, _ = chat_request(known, app_source=self.client.app_source)
        except (TypeError, ValueError) as exc:
            return self._refusal(400, str(exc), "invalid_request_error")
        wire = request_body(params)
        model = wire.get("model")
        if model is not None and model in self.client.model_aliases:
            wire["model"] = self.client.model_aliases[model]
        wire.update(extra)
        content = json.dumps(wire, separators=(",", ":"), ensure_ascii=False).encode()
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"content-length"]
        return self.http.Request(
            request.method,
            request.url,
            headers=headers,
            content=content,
            extensions=request.extensions,
        )

    def _refusal(self, status: int, message: str, kind: str) -> Any:
        return _refused(self.http, status, message, kind)


def _client_options(client: Requester, http: Any) -> dict[str, Any]:
    connect, read = client.timeout
    return {
        "api_key": _PLACEHOLDER_KEY,
        "base_url": client.base_url,
        "max_retries": client.max_retries,
        "timeout": http.Timeout(read, connect=connect),
        "default_query": dict(client._default_query) or None,
    }


def _timeout_of(request: Any, client: Requester) -> tuple[float, float]:
    """The (connect, read) seconds the genuine client asked for, else the client's."""
    asked = request.extensions.get("timeout") or {}
    connect, read = client.timeout
    return (asked.get("connect") or connect, asked.get("read") or read)


def _forward(
    client: Requester, http: Any, request: Any, make_stream: Callable[[Any, _Events], Any]
) -> Any:
    """Send ``request`` through ``client``; answer with an HTTP response of ``http``.

    ``make_stream`` wraps an event stream as the HTTP library's (sync or async) byte stream.
    """
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROPPED}
    failure: BaseException | None = None
    try:
        response, deadline = client._forward(
            request.method,
            str(request.url),
            headers=headers,
            content=request.content or None,
            timeout=_timeout_of(request, client),
        )
    except TRANSPORT_ERRORS as exc:  # urllib3/requests failures not yet ours
        failure = translate_error(exc)
    except APIError as exc:
        failure = exc
    if failure is not None:
        raise _http_error(http, failure, request)  # outside the handler: no chained text
    fields = [(k, mask(v) if masking() else v) for k, v in response.headers.items()]
    fields = [(k, v) for k, v in fields if k.lower() not in ("content-encoding", "content-length")]
    reason = {"reason_phrase": mask(response.reason or "").encode("latin-1", "replace")}
    if response.status_code >= 300:
        body = response.content
        if masking():
            body = mask(body.decode("utf-8", "replace")).encode()
        return http.Response(response.status_code, headers=fields, content=body, extensions=reason)
    kind = response.headers.get("content-type", "")
    if "event-stream" in kind:
        events = _Events(client, response, deadline, _timeout_of(request, client)[1])
        return http.Response(
            response.status_code,
            headers=fields,
            stream=make_stream(http, events),
            extensions=reason,
        )
    token = DEADLINE.set(deadline)
    try:
        read_body(response, deadline, client.max_response_bytes)
    except BodyTooLargeError:
        return _refused(
            http,
            502,
            f"sogni_compat: the answer is larger than max_response_bytes="
            f"{client.max_response_bytes:,} bytes",
            "response_too_large",
        )
    except TRANSPORT_ERRORS as exc:
        failure = translate_error(exc)
    except APIError as exc:
        failure = exc
    finally:
        DEADLINE.reset(token)
    if failure is not None:
        raise _http_error(http, failure, request)
    return http.Response(
        response.status_code, headers=fields, content=response.content, extensions=reason
    )


def _http_error(http: Any, error: BaseException, request: Any) -> Exception:
    """The HTTP library's exception for one of ours, so the openai client classifies it.

    Raised without a chain: the transport's own exceptions may quote what a server echoed.
    """
    kind = http.ReadTimeout if isinstance(error, APITimeoutError) else http.ConnectError
    return kind(str(error), request=request)  # type: ignore[no-any-return]


def _refused(http: Any, status: int, message: str, kind: str) -> Any:
    return http.Response(
        status,
        json={"error": {"message": message, "type": kind, "code": None, "param": None}},
        headers={"x-should-retry": "false"},
    )


#: The events that count as progress of a forwarded stream: chunks and errors, as on the
#: native path; a keep-alive (``event: ping``, any other named event, a comment) does not.
_COUNTED = frozenset({"message", "error"})


class _Events:
    """A success's event stream, re-emitted event by event within the client's bounds.

    Each chunk must arrive within the read timeout of the one before (the first by the
    attempt's deadline; comments, ``event: ping`` and other named events are passed on but do
    not count) and each event be at most ``max_event_bytes``; an error event has echoed keys
    masked. A failure raises this package's error, which is also the openai package's class.
    """

    def __init__(
        self, client: Requester, response: requests.Response, first: float, idle: float
    ) -> None:
        self._client = client
        self._response = response
        self._due = first
        self._idle = idle

    def __iter__(self) -> Iterator[bytes]:
        decoder = SSEDecoder(self._client.max_event_bytes)
        chunks = byte_chunks(self._response.raw)
        try:
            while True:
                failure: BaseException | None = None
                token = DEADLINE.set(self._due)
                try:
                    data = next(chunks, None)
                    events = decoder.feed(data) if data else []
                except EventTooLargeError as exc:
                    failure = APIError(str(exc))
                except TRANSPORT_ERRORS as exc:
                    failure = translate_error(exc)
                finally:
                    DEADLINE.reset(token)
                if failure is not None:
                    scrub(failure)
                    failure.__cause__ = failure.__context__ = None
                    raise failure  # outside the handler: no chained text
                if data is None:
                    return
                for event in events:
                    yield _serialize(event)
                if any(event.event in _COUNTED for event in events):
                    self._due = time.monotonic() + self._idle
        finally:
            self._response.close()

    def close(self) -> None:
        """Close the connection."""
        self._response.close()


def _serialize(event: ServerSentEvent) -> bytes:
    data = event.data
    if masking() and (event.event == "error" or '"error"' in data):
        data = mask(data)
    lines = []
    if event.event != "message":
        lines.append(f"event: {event.event}")
    if event.id is not None:
        lines.append(f"id: {event.id}")
    lines.extend(f"data: {line}" for line in data.split("\n"))
    return ("\n".join(lines) + "\n\n").encode()


def _SyncStream(http: Any, events: _Events) -> Any:
    class Stream(http.SyncByteStream):  # type: ignore[misc]
        def __iter__(self) -> Iterator[bytes]:
            return iter(events)

        def close(self) -> None:
            events.close()

    return Stream()


def _AsyncStream(http: Any, events: _Events) -> Any:
    import anyio.to_thread  # noqa: PLC0415 - the openai package brings anyio

    class Stream(http.AsyncByteStream):  # type: ignore[misc]
        async def __aiter__(self) -> Any:
            pieces = iter(events)
            while True:
                piece = await anyio.to_thread.run_sync(next, pieces, None)
                if piece is None:
                    return
                yield piece

        async def aclose(self) -> None:
            await anyio.to_thread.run_sync(events.close)

    return Stream()


def openai_client(client: Requester, responses: ResponsesServer, namespaces: Sequence[str]) -> Any:
    """An ``openai.OpenAI`` bound to ``client``'s Sogni base URL (see the module doc).

    ``responses`` (the client's ``client.responses``) answers the Responses API's routes;
    ``namespaces`` (the client's own) say what Sogni serves when a route is refused.
    """
    openai = _openai()
    http = _http_library(openai)
    rules = _Rules(client, http, responses, served(namespaces))

    class SogniTransport(http.BaseTransport):  # type: ignore[name-defined,misc]
        def handle_request(self, request: Any) -> Any:
            checked = rules.check(request)
            if isinstance(checked, Local):
                checked = checked.answer(_SyncStream)
            if isinstance(checked, http.Response):
                checked.request = request
                return checked
            return _forward(client, http, checked, _SyncStream)

    session = http.Client(transport=SogniTransport(), trust_env=False)
    return openai.OpenAI(http_client=session, **_client_options(client, http))


def async_openai_client(
    client: Requester, responses: ResponsesServer, namespaces: Sequence[str]
) -> Any:
    """An ``openai.AsyncOpenAI`` bound to ``client``'s Sogni base URL (see the module doc).

    ``responses`` (the client's ``client.responses``) answers the Responses API's routes;
    ``namespaces`` (the client's own) say what Sogni serves when a route is refused.
    """
    import anyio.to_thread  # noqa: PLC0415 - the openai package brings anyio

    openai = _openai()
    http = _http_library(openai)
    rules = _Rules(client, http, responses, served(namespaces))

    class AsyncSogniTransport(http.AsyncBaseTransport):  # type: ignore[name-defined,misc]
        async def handle_async_request(self, request: Any) -> Any:
            checked = rules.check(request)
            if isinstance(checked, Local):  # it may send chat requests: in a worker thread
                checked = await anyio.to_thread.run_sync(checked.answer, _AsyncStream)
            if isinstance(checked, http.Response):
                checked.request = request
                return checked
            send = functools.partial(_forward, client, http, checked, _AsyncStream)
            return await anyio.to_thread.run_sync(send)

    session = http.AsyncClient(transport=AsyncSogniTransport(), trust_env=False)
    return openai.AsyncOpenAI(http_client=session, **_client_options(client, http))
