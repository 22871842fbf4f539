"""What the genuine openai clients' transports answer here instead of sending to Sogni.

Sogni serves ``chat/completions`` and ``models`` (and its own ``chat/runs``,
``creative-agent``, ``image`` and ``media`` routes). For a request of a genuine client made by
``as_openai()``/``as_async_openai()``, :func:`route` decides, before anything is sent:

- ``POST responses`` (plain or streamed), ``GET``/``DELETE responses/{id}`` and
  ``GET responses/{id}/input_items`` are answered by the client's own ``client.responses``
  (translated to chat completions, with the same checks, store and bounds); a stream is the
  Responses API's server-sent events, each ``event: <type>`` and ``data: <the event's JSON>``;
- an endpoint Sogni does not serve (``embeddings``, ``moderations``, legacy ``completions``,
  ``audio``, OpenAI's ``images``, ``files``, stored chat completions, ``models.delete``,
  background and compaction routes of the Responses API, ...) is answered 404 naming what it
  serves (read from the namespaces of the ``sogni_compat`` client, see :func:`served`),
  without being sent; so is any request whose body is a stream (a multipart file upload),
  on any route;
- everything else goes to Sogni (``None``).

Errors of a request answered here become the HTTP answers the openai client expects: a bad
request 400, Sogni's error status with its (masked) message and headers, a failure with no
status 502, a timeout or connection failure the HTTP library's exception; the call makes one
attempt, so the openai client's retries are the only ones.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.parse
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    OpenAIError,
)
from ._params import ALIASES, KNOWN_KEYWORDS, REFUSED_KEYWORDS
from ._secrets import mask, masking, scrub
from .types.responses import Response

if TYPE_CHECKING:
    from ._responses_stream import ResponseStream
    from .types.responses import ResponseItemList

__all__ = ["AGENTS_TRACING_WARNING", "CALL_ONLY", "Local", "ResponsesServer", "route", "served"]

#: Keywords that only make sense in a Python call (functions), never in a JSON body.
CALL_ONLY = frozenset(
    {
        "extra_headers",
        "extra_query",
        "extra_body",
        "timeout",
        "auto_execute_tools",
        "on_tool_call",
        "on_tool_progress",
        "tool_handlers",
        "max_tool_rounds",
        "max_tool_calls_per_round",
        "text_format",
    }
)

#: The Responses API's own keywords (``client.responses.create`` takes them).
_RESPONSES_KEYWORDS = frozenset(
    {
        "input",
        "instructions",
        "tools",
        "tool_choice",
        "text",
        "reasoning",
        "max_output_tokens",
        "temperature",
        "top_p",
        "parallel_tool_calls",
        "metadata",
        "user",
        "stream",
        "previous_response_id",
        "store",
        "truncation",
        "include",
        "model",
        "max_tool_calls",
        "background",
        "conversation",
        "prompt",
    }
)

#: Sogni's own route families, passed on as they are (besides ``chat/completions`` and
#: ``models``, which are checked more closely).
_SOGNI_ROUTES = frozenset({"chat", "models", "creative-agent", "image", "media"})

#: openai's resources whose routes this transport passes to Sogni or answers itself.
_OPENAI_RESOURCES = frozenset({"chat", "models", "responses"})


def served(namespaces: Sequence[str]) -> str:
    """What Sogni serves, for a refusal: ``namespaces`` are the sogni_compat client's own.

    Those a genuine client reaches (:data:`_OPENAI_RESOURCES`) come first; the rest only
    sogni_compat's client offers.
    """
    reached = [name for name in namespaces if name in _OPENAI_RESOURCES]
    own = [name for name in namespaces if name not in reached]
    said = f"through this client Sogni serves {_listed(reached)}"
    if "responses" in reached:
        said += " (responses translated to chat completions)"
    return f"{said}; sogni_compat.OpenAI also serves {_listed(own)}" if own else said


def _listed(names: Sequence[str]) -> str:
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


#: Why some OpenAI routes are not served, by their first path segment.
_WHY = {
    "images": "for images, use sogni_compat's client.images.generate() or .edit(), which run "
    "Sogni's image tools",
    "completions": "legacy completions: use chat.completions",
    "conversations": "OpenAI's conversations: continue a response with previous_response_id",
}

_STATUS_PREFIX = re.compile(r"^Error code: \d+ - ")

_HTTP_LIBRARY_HEADERS = frozenset(
    {
        "authorization",
        "host",
        "content-length",
        "content-type",
        "accept",
        "accept-encoding",
        "connection",
        "user-agent",
    }
)


class ResponsesServer(Protocol):
    """What the transports use of ``client.responses`` (always this package's own types)."""

    def _served(self, kwargs: dict[str, Any]) -> Response | ResponseStream:
        """``create()`` for a genuine client: one attempt."""
        ...

    def _stored(self, response_id: str) -> Response:
        """A stored response (``NotFoundError`` otherwise)."""
        ...

    def delete(self, response_id: str) -> None:
        """Forget a stored response."""
        ...

    def _input_page(
        self, response_id: str, *, after: str | None, limit: int, order: str
    ) -> ResponseItemList:
        """A page of a stored response's input items."""
        ...


#: Wraps an event source (``__iter__`` of bytes, ``close()``) as the HTTP library's stream.
MakeStream = Callable[[Any, Any], Any]


class Local:
    """A request answered in this process: ``answer(make_stream)`` gives the HTTP response.

    Blocking (it may send chat requests): the async transport runs it in a worker thread.
    """

    def __init__(self, http: Any, request: Any, serve: Callable[[MakeStream], Any]) -> None:
        self._http = http
        self._request = request
        self._serve = serve

    def answer(self, make_stream: MakeStream) -> Any:
        """The HTTP response of the request (errors answered as the openai client expects)."""
        failure: BaseException | None = None
        try:
            return self._serve(make_stream)
        except (TypeError, ValueError) as exc:
            return _error(self._http, 400, scrubbed(exc), "invalid_request_error")
        except (APITimeoutError, APIConnectionError) as exc:
            failure = exc
        except APIStatusError as exc:
            return _status_error(self._http, exc)
        except OpenAIError as exc:
            return _error(self._http, 502, scrubbed(exc), "api_error")
        # Outside the handler: the HTTP library's own exception, without our chained text.
        kind = (
            self._http.ReadTimeout
            if isinstance(failure, APITimeoutError)
            else self._http.ConnectError
        )
        raise kind(scrubbed(failure), request=self._request)


def scrubbed(error: BaseException | None) -> str:
    """An error's text with keys masked."""
    text = str(error)
    return mask(text) if masking() else text


def _error(http: Any, status: int, message: str, kind: str, code: str | None = None) -> Any:
    return http.Response(
        status,
        json={"error": {"message": message, "type": kind, "code": code, "param": None}},
        headers={"x-should-retry": "false"},
    )


def _status_error(http: Any, error: APIStatusError) -> Any:
    """Sogni's error status, as the openai client would have read it from Sogni."""
    headers = [
        (name, mask(value) if masking() else value)
        for name, value in error.response.headers.items()
        if name.lower()
        not in ("content-length", "content-encoding", "content-type", "transfer-encoding")
    ]
    message = _STATUS_PREFIX.sub("", error.message, count=1)  # openai adds its own
    body = {
        "error": {
            "message": message,
            "type": error.type,
            "code": error.code,
            "param": error.param,
        }
    }
    return http.Response(error.status_code, headers=headers, json=body)


def _refused(http: Any, request: Any, path: str, said: str, why: str | None = None) -> Any:
    reason = why or _WHY.get(path.split("/", 1)[0])
    where = f"{request.method} {request.url.path}"
    message = f"sogni_compat refused {where} without sending it: Sogni serves no such "
    message += f"endpoint ({reason}); {said}" if reason else f"endpoint; {said}"
    return _error(http, 404, message, "invalid_request_error", "unsupported_endpoint")


def route(
    responses: ResponsesServer,
    http: Any,
    request: Any,
    path: str,
    timeout: tuple[float, float],
    *,
    said: str,
) -> Any:
    """``None`` to send ``request`` to Sogni, else an HTTP response or a :class:`Local`.

    ``path`` is the request's path under the client's ``base_url`` (no leading ``/``);
    ``timeout`` the (connect, read) seconds the genuine client asked for; ``said`` what Sogni
    serves (:func:`served`), for a refusal.
    """
    _warn_if_traced(request)
    method = request.method
    segments = path.split("/")
    first = segments[0]
    if (first == "responses" or first in _SOGNI_ROUTES) and _unread(http, request):
        return _refused(http, request, path, said, _UNREAD)
    if first == "responses":
        return _responses_route(responses, http, request, segments[1:], timeout, said=said)
    if first == "chat" and len(segments) >= 2 and segments[1] == "completions":
        if len(segments) == 2 and method == "POST":
            return None
        return _refused(
            http, request, path, said, "Sogni keeps no chat completions to list or change"
        )
    if first == "models" and method != "GET":
        return _refused(http, request, path, said, "Sogni's models are not yours to delete")
    if first in _SOGNI_ROUTES:
        return None
    return _refused(http, request, path, said)


#: Why a request with a streamed body (a multipart file upload) is refused.
_UNREAD = (
    "it takes no multipart or streamed request bodies: upload files with sogni_compat's "
    "client.media.upload()"
)


def _unread(http: Any, request: Any) -> bool:
    """Whether the request's body is a stream not read yet (a multipart upload: a file)."""
    try:
        request.content  # noqa: B018 - raises for a body not read
    except http.RequestNotRead:
        return True
    return False


#: Said (once per process, by the warnings machinery) when the OpenAI Agents SDK traces a run
#: that reaches Sogni through a genuine client.
AGENTS_TRACING_WARNING = (
    "The OpenAI Agents SDK is tracing this run, and its default exporter sends each trace, "
    "prompts and answers included, to OpenAI (api.openai.com/v1/traces/ingest), not to Sogni. "
    "Pass run_config=RunConfig(tracing_disabled=True) to the Runner, or call "
    "agents.set_tracing_disabled(True) (or set OPENAI_AGENTS_DISABLE_TRACING=1) before the "
    "first run. If you send traces to your own processors on purpose, ignore this warning."
)


def _warn_if_traced(request: Any) -> None:
    """Warn when the OpenAI Agents SDK is tracing the run that sends ``request``.

    Its requests say ``User-Agent: Agents/Python ...``; its current trace (a context variable
    of the run) is a real one unless tracing is off. Nothing is changed.
    """
    if not request.headers.get("user-agent", "").startswith("Agents/"):
        return
    tracing = sys.modules.get("agents.tracing")
    current = getattr(tracing, "get_current_trace", None)
    if current is None:
        return
    try:
        trace = current()
    except Exception:
        return
    if trace is not None and type(trace).__name__ != "NoOpTrace":
        warnings.warn(AGENTS_TRACING_WARNING, UserWarning, stacklevel=1)


def _responses_route(
    responses: ResponsesServer,
    http: Any,
    request: Any,
    rest: list[str],
    timeout: tuple[float, float],
    *,
    said: str,
) -> Any:
    method = request.method
    query = dict(urllib.parse.parse_qsl(request.url.query.decode("ascii", "replace")))
    path = "/".join(["responses", *rest])
    if not rest and method == "POST":
        return Local(http, request, lambda make: _create(responses, http, request, timeout, make))
    if len(rest) == 1 and rest[0] not in ("compact", "input_tokens"):
        response_id = urllib.parse.unquote(rest[0])
        if method == "GET":
            if query.get("stream", "false").lower() == "true":
                return _error(
                    http,
                    400,
                    "retrieve(stream=True) resumes a background response; Sogni has none, so a "
                    "stored response is retrieved whole (leave stream out)",
                    "invalid_request_error",
                )
            return Local(
                http, request, lambda _: _json(http, responses._stored(response_id).model_dump())
            )
        if method == "DELETE":
            return Local(http, request, lambda _: _deleted(http, responses, response_id))
    if len(rest) == 2 and rest[1] == "input_items" and method == "GET":
        response_id = urllib.parse.unquote(rest[0])
        return Local(http, request, lambda _: _items(http, responses, response_id, query))
    why = {
        "cancel": "background responses need OpenAI's server",
        "compact": "OpenAI's compaction runs on its server",
        "input_tokens": "OpenAI counts input tokens on its server",
    }.get(
        rest[-1] if rest else "",
        "the Responses API here is responses, responses/{id} and responses/{id}/input_items",
    )
    return _refused(http, request, path, said, why)


def _json(http: Any, data: dict[str, Any], request_id: str | None = None) -> Any:
    headers = {"content-type": "application/json"}
    if request_id:
        headers["x-request-id"] = request_id
    content = json.dumps(data, ensure_ascii=False).encode()
    return http.Response(200, headers=headers, content=content)


def _deleted(http: Any, responses: ResponsesServer, response_id: str) -> Any:
    responses.delete(response_id)
    return http.Response(200, json={"id": response_id, "object": "response", "deleted": True})


def _items(http: Any, responses: ResponsesServer, response_id: str, query: dict[str, str]) -> Any:
    limit_text = query.get("limit", "20")
    try:
        limit = int(limit_text)
    except ValueError:
        raise ValueError(
            f"limit must be a whole number from 1 to 100; got {limit_text!r}"
        ) from None
    page = responses._input_page(
        response_id,
        after=query.get("after"),
        limit=limit,
        order=query.get("order", "desc"),
    )
    return _json(http, page.to_dict())


def _keywords(request: Any, timeout: tuple[float, float]) -> dict[str, Any]:
    """``client.responses.create`` keywords for a genuine client's JSON body."""
    try:
        body = json.loads(request.content or b"{}")
    except ValueError:
        raise ValueError("the request body is not JSON") from None
    if not isinstance(body, dict):
        raise TypeError("the request body must be a JSON object")
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in body.items():
        known = (
            key in _RESPONSES_KEYWORDS
            or ALIASES.get(key, key) in KNOWN_KEYWORDS
            or key in REFUSED_KEYWORDS
        )
        if known and ALIASES.get(key, key) not in CALL_ONLY:
            kwargs[key] = value
        else:  # sent to Sogni as it is, as the chat path passes unknown keys
            extra[key] = value
    if extra:
        kwargs["extra_body"] = extra
    headers = {
        name: value
        for name, value in request.headers.items()
        if name.lower() not in _HTTP_LIBRARY_HEADERS
    }
    if headers:
        kwargs["extra_headers"] = headers
    query = [
        (name, value)
        for name, value in urllib.parse.parse_qsl(request.url.query.decode("ascii", "replace"))
        if name != "beta"
    ]
    if query:
        kwargs["extra_query"] = dict(query)
    kwargs["timeout"] = timeout
    return kwargs


def _create(
    responses: ResponsesServer,
    http: Any,
    request: Any,
    timeout: tuple[float, float],
    make_stream: MakeStream,
) -> Any:
    created = responses._served(_keywords(request, timeout))
    if isinstance(created, Response):
        return _json(http, created.model_dump(), getattr(created._loop, "_request_id", None))
    return http.Response(
        200,
        headers={"content-type": "text/event-stream"},
        stream=make_stream(http, _Events(created)),
    )


class _Events:
    """A streamed response's events as server-sent events (bytes, one event each)."""

    def __init__(self, stream: ResponseStream) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        events = iter(self._stream)
        try:
            while True:
                failure: APIError | None = None
                try:
                    event = next(events, None)
                except APIError as exc:
                    failure = exc
                if failure is not None:
                    scrub(failure)
                    failure.__cause__ = failure.__context__ = None
                    raise failure  # outside the handler: no chained text
                if event is None:
                    return
                data = json.dumps(event.model_dump(), ensure_ascii=False)
                yield f"event: {event.type}\ndata: {data}\n\n".encode()
        finally:
            self._stream.close()

    def close(self) -> None:
        """Close the chat stream under it."""
        self._stream.close()
