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
