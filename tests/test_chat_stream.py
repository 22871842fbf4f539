"""chat.completions.stream(): typed events and a parsed final answer, as the openai helper."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pydantic
import pytest

import sogni_compat
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types import ChunkEvent, ContentDoneEvent
from sogni_compat.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam


@dataclasses.dataclass
class City:
    """A city."""

    name: str
    people: int


class Lookup(pydantic.BaseModel):
    """Find a city."""

    city: str


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSogniServer]:
    """One emulator for the module."""
    with LocalSogniServer() as running:
        yield running


def ask(text: str) -> list[ChatCompletionMessageParam]:
    """A one-message conversation."""
    return [{"role": "user", "content": text}]


def test_content_events_and_parsed_final(server: LocalSogniServer) -> None:
    """Content streams as deltas; content.done and the final completion carry the parsed City."""
    client = server.client()
    with client.chat.completions.stream(
        messages=ask('{"name": "Oslo", "people": 700000}'), response_format=City
    ) as stream:
        events = list(stream)
        final = stream.get_final_completion()
    kinds = [e.type for e in events]
    assert kinds[0] == "chunk"
    assert "content.delta" in kinds
    assert kinds[-1] == "content.done"
    deltas = [e for e in events if e.type == "content.delta"]
    assert "".join(e.delta for e in deltas) == deltas[-1].snapshot
    last = events[-1]
    assert isinstance(last, ContentDoneEvent)
    assert last.parsed == City("Oslo", 700000)
    assert final.choices[0].message.parsed == City("Oslo", 700000)
    chunk_event = events[0]
    assert isinstance(chunk_event, ChunkEvent)
    assert chunk_event.chunk.object == "chat.completion.chunk"


def test_tool_call_events(server: LocalSogniServer) -> None:
    """Tool-call argument fragments stream as events; .done and the final answer are parsed."""
    client = server.client()
    with client.beta.chat.completions.stream(
        messages=ask('call Lookup({"city": "Rome"})'),
        tools=[sogni_compat.pydantic_function_tool(Lookup)],
    ) as stream:
        events = [e for e in stream if e.type.startswith("tool_calls")]
        final = stream.get_final_completion()
    assert events[0].type == "tool_calls.function.arguments.delta"
    done = events[-1]
    assert done.type == "tool_calls.function.arguments.done"
    assert (done.name, done.index) == ("Lookup", 0)
    assert json.loads(done.arguments) == {"city": "Rome"}
    assert done.parsed_arguments == Lookup(city="Rome")
    call = (final.choices[0].message.tool_calls or [])[0]
    assert call.function.parsed_arguments == Lookup(city="Rome")


def test_openai_types_mode_yields_openai_events(server: LocalSogniServer) -> None:
    """With response_types="openai", the events and final answer are openai's own."""
    from openai.lib.streaming.chat import ChunkEvent, ContentDeltaEvent
    from openai.types.chat import ParsedChatCompletion

    class Answer(pydantic.BaseModel):
        a: int

    client = server.client(response_types="openai")
    with client.chat.completions.stream(messages=ask('{"a": 1}'), response_format=Answer) as s:
        events = list(s)
        final = s.get_final_completion()
    assert isinstance(events[0], ChunkEvent)
    assert any(isinstance(e, ContentDeltaEvent) for e in events)
    assert isinstance(final, ParsedChatCompletion)
    assert final.choices[0].message.parsed == Answer(a=1)
    with client.chat.completions.stream(
        messages=ask('call Lookup({"city": "Rome"})'),
        tools=[sogni_compat.function_tool(Lookup)],
    ) as tools:
        done = [e for e in tools if e.type == "tool_calls.function.arguments.done"]
    assert done[0].parsed_arguments == Lookup(city="Rome")


def test_until_done_and_refusals_of_bad_input(server: LocalSogniServer) -> None:
    """until_done() reads everything; stream= and non-strict tools are refused."""
    client = server.client()
    with client.chat.completions.stream(messages=ask("plain words")) as stream:
        final = stream.until_done().get_final_completion()
    assert final.choices[0].message.content == "plain words"
    assert final.choices[0].message.parsed is None
    with pytest.raises(TypeError, match="always streams"):
        client.chat.completions.stream(messages=ask("x"), stream=True)  # type: ignore[call-arg]
    tool: ChatCompletionToolParam = {
        "type": "function",
        "function": {"name": "f", "parameters": {}},
    }
    with pytest.raises(ValueError, match="not strict"):
        client.chat.completions.stream(messages=ask("x"), tools=[tool])


def test_leaving_the_block_early_closes_the_stream(server: LocalSogniServer) -> None:
    """Breaking out of the events and leaving the block closes the connection."""
    client = server.client()
    with client.chat.completions.stream(messages=ask("one two three four")) as stream:
        for event in stream:
            if event.type == "content.delta":
                break
    assert stream._stream._closed


def test_openai_example_with_the_import_swapped(server: LocalSogniServer) -> None:
    """The openai package's parsing-stream example, with only the client import changed."""
    from sogni_compat import OpenAI

    class MathResponse(pydantic.BaseModel):
        steps: list[str]
        final_answer: str

    client = OpenAI(api_key="any", base_url=server.base_url)
    text: list[str] = []
    with client.beta.chat.completions.stream(
        model="qwen3.6-35b-a3b-gguf-iq4xs",
        messages=[
            {"role": "system", "content": "You are a helpful math tutor."},
            {"role": "user", "content": '{"steps": ["x = 2"], "final_answer": "2"}'},
        ],
        response_format=MathResponse,
    ) as stream:
        for event in stream:
            if event.type == "content.delta" and event.parsed is None:
                text.append(event.delta)
            elif event.type == "content.done":
                assert event.parsed is not None
    parsed: Any = stream.get_final_completion().choices[0].message.parsed
    assert parsed.final_answer == "2"
    assert text
