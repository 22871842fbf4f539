"""Awaiting a blocking call is refused before anything is sent, with the cause and the fix."""

from __future__ import annotations

import ast
import asyncio
from typing import Any

import pytest

from sogni_compat import OpenAI
from sogni_compat.testing import MockSogni
from sogni_compat.types.chat import ChatCompletionMessageParam

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]


def test_awaited_create_is_refused_before_sending() -> None:
    """`await client.chat.completions.create(...)` raises a TypeError naming the fix; no request."""

    async def misuse(client: OpenAI) -> Any:
        return await client.chat.completions.create(messages=USER)  # type: ignore[misc]

    with MockSogni() as sogni:  # nothing queued: a request would fail differently
        with pytest.raises(TypeError, match=r"blocking.*nothing was sent.*as_async_openai"):
            asyncio.run(misuse(OpenAI(api_key="k")))
        assert sogni.requests == []


def test_awaited_models_list_is_refused() -> None:
    """The same holds for client.models.list()."""

    async def misuse(client: OpenAI) -> Any:
        return await client.models.list()  # type: ignore[misc]

    with pytest.raises(TypeError, match=r"client\.models\.list\(\) is blocking"):
        asyncio.run(misuse(OpenAI(api_key="k")))


def test_blocking_call_inside_a_coroutine_still_works() -> None:
    """A coroutine that calls the client without await gets the answer (it blocks its loop)."""

    async def inside(client: OpenAI) -> str | None:
        return client.chat.completions.create(messages=USER).choices[0].message.content

    with MockSogni() as sogni:
        sogni.add_completion("Hello")
        assert asyncio.run(inside(OpenAI(api_key="k"))) == "Hello"


def test_top_level_await_as_in_a_notebook_is_refused() -> None:
    """Code compiled with top-level await, as Jupyter runs a cell, is refused the same way."""
    source = "await client.chat.completions.create(messages=USER)"
    code = compile(source, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    namespace = {"client": OpenAI(api_key="k"), "USER": USER}

    async def cell() -> None:
        await eval(code, namespace)

    with MockSogni() as sogni:
        with pytest.raises(TypeError, match="nothing was sent"):
            asyncio.run(cell())
        assert sogni.requests == []
