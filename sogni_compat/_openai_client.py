"""Genuine ``openai.OpenAI`` / ``openai.AsyncOpenAI`` clients that talk to Sogni and only Sogni.

For libraries that insist on the ``openai`` package's own client (``instructor.from_openai``,
``outlines.from_openai``, LangChain's async paths): :meth:`OpenAI.as_openai` and
:meth:`OpenAI.as_async_openai` build one configured like this package's client (base URL, key,
``X-App-Source``, retries, timeouts) whose transport

- refuses any request that is not under the client's ``base_url`` (answering 403 without
  sending it, so nothing, and no key, ever goes elsewhere: not to OpenAI's default URL);
- rewrites each ``chat/completions`` body with this package's rules: Sogni's keywords (given
  through ``extra_body``, in either spelling) are translated as ``create()`` translates them
  (``think`` -> ``chat_template_kwargs``, ``sogni_tools`` off unless asked,
  ``max_completion_tokens`` -> ``max_tokens``, model aliases, the client's ``app_source``); a
  body that ``create()`` would refuse is answered 400 without being sent.

The ``openai`` package (and the HTTP library it uses) are imported only here.
"""

from __future__ import annotations

import importlib
import json
from typing import TYPE_CHECKING, Any

from ._convert import converter
from ._params import ALIASES, KNOWN_KEYWORDS, REFUSED_KEYWORDS, chat_request
from ._transport import is_loopback

if TYPE_CHECKING:
    from ._client import OpenAI

__all__ = ["ACTIVE_MOCKS", "async_openai_client", "openai_client"]

#: ``MockSogni`` instances intercepting now. They patch ``requests``, which genuine openai
#: clients do not use, so while one is active those clients refuse to send (a unit test
#: would otherwise reach the real service, with its key).
ACTIVE_MOCKS: list[Any] = []

#: Keys the transport leaves alone: the legacy forms would need their answers translated.
_PASSED_THROUGH = frozenset({"functions", "function_call"})
#: Keywords that only make sense in a Python call (functions), never in a JSON body.
_CALL_ONLY = frozenset(
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
    }
)


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


class _Rules:
    """What both transports do to a request before it leaves."""

    def __init__(self, client: OpenAI, http: Any) -> None:
        self.client = client
        self.http = http
        self.prefix = client.base_url.rstrip("/") + "/"

    def check(self, request: Any) -> Any:
        """The request to send, or a response to give instead of sending it."""
        url = str(request.url)
        where = url.split("?", maxsplit=1)[0]
        if ACTIVE_MOCKS:
            return self._refusal(
                503,
                "sogni_compat refused to send: a MockSogni is active, and it cannot intercept "
                "clients made by as_openai()/as_async_openai(); test them against a "
                "LocalSogniServer instead",
                "mock_active",
            )
        if not (where + "/").startswith(self.prefix):
            return self._refusal(
                403,
                f"sogni_compat refused to send a request to {where}: this client is bound to "
                f"{self.client.base_url}",
                "permission_denied",
            )
        if request.method == "POST" and url.split("?", maxsplit=1)[0].endswith("/chat/completions"):
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
            and ALIASES.get(key, key) not in _CALL_ONLY
        }
        extra = {key: value for key, value in body.items() if key not in known}
        try:
            params, _, _ = chat_request(known, app_source=self.client.app_source)
        except (TypeError, ValueError) as exc:
            return self._refusal(400, str(exc), "invalid_request_error")
        wire = converter.unstructure(params)
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
        return self.http.Response(
            status,
            json={"error": {"message": message, "type": kind, "code": None, "param": None}},
            headers={"x-should-retry": "false"},
        )


def _client_options(client: OpenAI, openai: Any, http: Any) -> dict[str, Any]:
    connect, read = client.timeout
    headers = dict(client._default_headers)
    if client.app_source is not None:
        headers.setdefault("X-App-Source", client.app_source)
    return {
        "api_key": str(client.api_key),
        "base_url": client.base_url,
        "max_retries": client.max_retries,
        "timeout": http.Timeout(read, connect=connect),
        "default_headers": headers or None,
        "default_query": dict(client._default_query) or None,
    }


def openai_client(client: OpenAI) -> Any:
    """An ``openai.OpenAI`` bound to ``client``'s Sogni base URL (see the module doc)."""
    openai = _openai()
    http = _http_library(openai)
    rules = _Rules(client, http)

    class SogniTransport(http.BaseTransport):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            self._inner = http.HTTPTransport()

        def handle_request(self, request: Any) -> Any:
            checked = rules.check(request)
            if isinstance(checked, http.Response):
                checked.request = request
                return checked
            return self._inner.handle_request(checked)

        def close(self) -> None:
            self._inner.close()

    session = http.Client(
        transport=SogniTransport(),
        trust_env=not is_loopback(http.URL(client.base_url).host),
    )
    return openai.OpenAI(http_client=session, **_client_options(client, openai, http))


def async_openai_client(client: OpenAI) -> Any:
    """An ``openai.AsyncOpenAI`` bound to ``client``'s Sogni base URL (see the module doc)."""
    openai = _openai()
    http = _http_library(openai)
    rules = _Rules(client, http)

    class AsyncSogniTransport(http.AsyncBaseTransport):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            self._inner = http.AsyncHTTPTransport()

        async def handle_async_request(self, request: Any) -> Any:
            checked = rules.check(request)
            if isinstance(checked, http.Response):
                checked.request = request
                return checked
            return await self._inner.handle_async_request(checked)

        async def aclose(self) -> None:
            await self._inner.aclose()

    session = http.AsyncClient(
        transport=AsyncSogniTransport(),
        trust_env=not is_loopback(http.URL(client.base_url).host),
    )
    return openai.AsyncOpenAI(http_client=session, **_client_options(client, openai, http))
