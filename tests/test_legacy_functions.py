"""The legacy functions= / function_call= API, both ways, against the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sogni_compat import OpenAI
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types.chat import ChatCompletionMessageParam

FUNCTIONS = [
    {
        "name": "get_weather",
        "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
]
ASK: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": 'call get_weather({"city": "Oslo"})'}
]


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """A fresh emulator (its requests are inspected)."""
    with LocalSogniServer() as running:
        yield running


@pytest.mark.parametrize("response_types", ["sogni", "openai"])
def test_answer_comes_back_as_function_call(server: LocalSogniServer, response_types: Any) -> None:
    """With functions=, the call is message.function_call and finish_reason "function_call"."""
    client = server.client(response_types=response_types)
    answer = client.chat.completions.create(messages=ASK, functions=FUNCTIONS)
    choice = answer.choices[0]
    assert choice.finish_reason == "function_call"
    assert choice.message.tool_calls is None
    assert choice.message.function_call is not None
    assert choice.message.function_call.name == "get_weather"
    assert json.loads(choice.message.function_call.arguments) == {"city": "Oslo"}
    assert server.requests[-1].json["tools"][0]["function"]["name"] == "get_weather"


def test_history_goes_forward_as_tool_turns(server: LocalSogniServer) -> None:
    """The legacy turn pair (function_call, role="function") is sent as tool_calls and tool."""
    client = server.client()
    first = client.chat.completions.create(messages=ASK, functions=FUNCTIONS)
    history: list[Any] = [*ASK, first.choices[0].message]
    history.append({"role": "function", "name": "get_weather", "content": "-3 C, snow"})
    final = client.chat.completions.create(messages=history, functions=FUNCTIONS)
    assert final.choices[0].message.content == "Tool results: get_weather: -3 C, snow"
    assert final.choices[0].finish_reason == "stop"
    sent = server.requests[-1].json["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assert "function_call" not in sent[1]
    assert sent[2]["tool_call_id"] == sent[1]["tool_calls"][0]["id"]


def test_streamed_legacy_answer(server: LocalSogniServer) -> None:
    """Streamed, the fragments arrive as delta.function_call and merge into function_call."""
    client = server.client()
    stream = client.chat.completions.create(messages=ASK, functions=FUNCTIONS, stream=True)
    chunks = list(stream.accumulate())
    assert any(c.choices and c.choices[0].delta.function_call for c in chunks)
    assert not any(c.choices and c.choices[0].delta.tool_calls for c in chunks)
    final = stream.get_final_completion()
    call = final.choices[0].message.function_call
    assert call is not None
    assert call.name == "get_weather"
    assert json.loads(call.arguments) == {"city": "Oslo"}
    assert final.choices[0].finish_reason == "function_call"


def test_plain_dict_history_without_functions(server: LocalSogniServer) -> None:
    """A history written by hand with function_call dicts is translated even without functions=."""
    client = OpenAI(api_key="k", base_url=server.base_url)
    history: list[ChatCompletionMessageParam] = [
        *ASK,
        {"role": "assistant", "content": None, "function_call": {"name": "w", "arguments": "{}"}},
        {"role": "function", "name": "w", "content": "sunny"},
    ]
    answer = client.chat.completions.create(messages=history)
    assert answer.choices[0].message.content == "Tool results: w: sunny"
