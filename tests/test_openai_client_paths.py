"""as_openai(): a path that climbs out of a path-prefixed gateway's base path is never sent."""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import pytest

from sogni_compat import OpenAI

from ._hostile import Exchange, HostileServer, json_response

KEY = "sk-gateway-test-key-0123"


def answer(exchange: Exchange) -> None:
    """Every request: a small JSON object naming the path it reached."""
    exchange.send(json_response(200, {"object": "list", "data": [], "path": exchange.target}))


def gateway_client(server: HostileServer) -> OpenAI:
    """A client of a gateway that serves Sogni's API under /sogni/v1."""
    return OpenAI(api_key=KEY, base_url=f"{server.root_url}/sogni/v1", max_retries=0)


@pytest.mark.parametrize(
    "path",
    [
        "/%2e%2e/%2e%2e/admin/keys",
        "/%2E%2E/%2E%2E/admin/keys",
        "/models/%2e%2e/%2e%2e/%2e%2e/admin",
        "/..%2f..%2fadmin/keys",
        "/%252e%252e/%252e%252e/admin/keys",
        "/%5c..%5c..%5cadmin",
        "/.%2e/.%2e/admin",
        "/..;/..;/admin/keys",
        "/models/..;/..;/..;/admin",
        "/%2e%2e;/%2e%2e;/admin",
        "/..;x/..;jsessionid=1/admin",
        "/..%3b/..%3B/admin",
    ],
)
def test_dot_segments_cannot_leave_the_base_path(path: str) -> None:
    """Encoded .. segments that leave /sogni/v1 are answered 403 and nothing is sent."""
    with HostileServer(answer) as server, gateway_client(server).as_openai() as genuine:
        with pytest.raises(openai.PermissionDeniedError, match="refused to send"):
            genuine.get(path, cast_to=object)
        assert server.requests == []


def test_the_async_client_refuses_them_too() -> None:
    """as_async_openai() applies the same reading of the path."""

    async def attempt(genuine: openai.AsyncOpenAI) -> None:
        async with genuine:
            await genuine.get("/%2e%2e/%2e%2e/admin/keys", cast_to=object)

    with HostileServer(answer) as server:
        genuine = gateway_client(server).as_async_openai()
        with pytest.raises(openai.PermissionDeniedError, match="refused to send"):
            asyncio.run(attempt(genuine))
        assert server.requests == []


def test_paths_that_stay_inside_are_sent() -> None:
    """A plain path, and one whose dot segments stay under the base path, reach the gateway."""
    with HostileServer(answer) as server, gateway_client(server).as_openai() as genuine:
        plain: Any = genuine.get("/models", cast_to=object)
        inside: Any = genuine.get("/models/%2e%2e/models", cast_to=object)
    assert plain["path"] == "/sogni/v1/models"
    assert inside["path"].startswith("/sogni/v1/models/")
    assert [r.headers["authorization"] for r in server.requests] == [f"Bearer {KEY}"] * 2


def test_a_chat_body_behind_path_parameters_is_still_checked() -> None:
    """POST chat/completions;x is read as chat/completions: its body is rewritten as usual."""
    with HostileServer(answer) as server, gateway_client(server).as_openai() as genuine:
        genuine.post(
            "/chat/completions;x",
            body={
                "model": "m",
                "messages": [{"role": "user", "content": "hi"}],
                "max_completion_tokens": 5,
            },
            cast_to=object,
        )
    (sent,) = server.requests
    assert sent.json()["max_tokens"] == 5
    assert "max_completion_tokens" not in sent.json()


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/media/upload", "no multipart or streamed request bodies"),
        ("/chat/completions", "no multipart or streamed request bodies"),
        ("/responses", "no multipart or streamed request bodies"),
        ("/images/edits", "client.images.generate() or .edit()"),
    ],
)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_multipart_requests_are_refused_before_sending(path: str, reason: str, mode: str) -> None:
    """A file upload (multipart body) is answered 404 here, never sent, never a raw httpx error."""
    files = {"file": ("a.png", b"\x89PNG", "image/png")}

    async def attempt() -> None:
        async with gateway_client(server).as_async_openai() as genuine:
            await genuine.post(path, files=files, body={"a": "b"}, cast_to=object)

    with HostileServer(answer) as server:
        with pytest.raises(openai.NotFoundError, match="Sogni serves no such endpoint") as caught:
            if mode == "sync":
                with gateway_client(server).as_openai() as genuine:
                    genuine.post(path, files=files, body={"a": "b"}, cast_to=object)
            else:
                asyncio.run(attempt())
        assert server.requests == []
    assert reason in str(caught.value)
