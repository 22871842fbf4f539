"""chat.completions.stream(): constant work per event, a cap on tool calls, openai's own events.

The events with ``response_types="openai"`` are compared with those of the openai package's
own ``ChatCompletionStreamState`` fed the same chunks.
"""

from __future__ import annotations

import copy
import gc
import json
import pickle
from collections.abc import Callable
from typing import Any

import openai
import pydantic
import pytest
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletionChunk as OpenAIChunk

import sogni_compat
from sogni_compat import APIError, OpenAI
from sogni_compat._config import MAX_STREAM_TOOL_CALLS

from ._hostile import Exchange, HostileServer, event_stream_head

USER = [{"role": "user", "content": "hi"}]


class Answer(pydantic.BaseModel):
    """A structured answer."""

    city: str
    people: int


class Lookup(pydantic.BaseModel):
    """Find a city."""

    city: str


WEATHER = {
    "type": "function",
    "function": {
        "name": "weather",
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


def chunk(
    delta: dict[str, Any],
    finish: str | None = None,
    index: int = 0,
    logprobs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One chat.completion.chunk with one choice."""
    choice: dict[str, Any] = {"index": index, "delta": delta, "finish_reason": finish}
    if logprobs is not None:
        choice["logprobs"] = logprobs
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [choice],
    }


def call(index: int, arguments: str, name: str | None = None) -> dict[str, Any]:
    """A tool-call delta: its first piece carries the id and the name."""
    function: dict[str, Any] = {"arguments": arguments}
    piece: dict[str, Any] = {"index": index, "function": function}
    if name is not None:
        function["name"] = name
        piece.update(id=f"call_{index}", type="function")
    return piece


def token(text: str) -> dict[str, Any]:
    """A logprob entry for one token."""
    return {"token": text, "logprob": -0.5, "bytes": list(text.encode()), "top_logprobs": []}


def serving(chunks: list[dict[str, Any]]) -> Callable[[Exchange], None]:
    """A server script answering every request with ``chunks`` as an event stream."""
    body = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks)

    def script(exchange: Exchange) -> None:
        exchange.send(event_stream_head() + body + b"data: [DONE]\n\n")
        exchange.close()

    return script


def view(event: Any) -> Any:
    """What an event says, comparable between the two implementations."""
    if event.type != "chunk":
        fields = {name: getattr(event, name) for name in type(event).model_fields}
        return (type(event).__name__, fields)
    snapshot = event.snapshot
    choices = []
    for choice in snapshot.choices:
        message = choice.message
        calls = [
            (c.id, c.function.name, c.function.arguments, c.function.parsed_arguments)
            for c in message.tool_calls or ()
        ]
        parsed = message.parsed
        choices.append(
            (choice.index, choice.finish_reason, message.content, message.refusal, calls, parsed)
        )
    return ("ChunkEvent", event.chunk.choices[0].delta.model_dump(exclude_unset=True), choices)


SCENARIOS: dict[str, tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]] = {
    "structured content": (
        [
            chunk({"role": "assistant", "content": ""}),
            *(chunk({"content": piece}) for piece in ['{"ci', 'ty": "Oslo", ', '"people": 7', "}"]),
            chunk({}, "stop"),
        ],
        {"response_format": Answer},
        {"response_format": Answer},
    ),
    "a refusal": (
        [
            chunk({"role": "assistant", "refusal": ""}),
            chunk({"refusal": "I can't "}),
            chunk({"refusal": "help."}),
            chunk({}, "stop"),
        ],
        {},
        {},
    ),
    "text then two tools": (
        [
            chunk({"role": "assistant", "content": "Checking."}),
            chunk({"tool_calls": [call(0, "", "Lookup")]}),
            chunk({"tool_calls": [call(0, '{"city": ')]}),
            chunk({"tool_calls": [call(0, '"Rome"}')]}),
            chunk({"tool_calls": [call(1, '{"ci', "weather")]}),
            chunk({"tool_calls": [call(1, 'ty": "Oslo"}')]}),
            chunk({}, "tool_calls"),
        ],
        {"tools": [sogni_compat.pydantic_function_tool(Lookup), WEATHER]},
        {"input_tools": [openai.pydantic_function_tool(Lookup), WEATHER]},
    ),
    "logprobs": (
        [
            chunk({"role": "assistant", "content": "Hel"}, logprobs={"content": [token("Hel")]}),
            chunk({"content": "lo"}, logprobs={"content": [token("lo")]}),
            chunk({}, "stop"),
        ],
        {},
        {},
    ),
    "two choices": (
        [
            chunk({"role": "assistant", "content": "A"}, index=0),
            chunk({"role": "assistant", "content": "B"}, index=1),
            chunk({"content": "a"}, index=0),
            chunk({}, "stop", index=1),
            chunk({}, "stop", index=0),
        ],
        {},
        {},
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_openai_mode_gives_what_openais_own_state_gives(name: str) -> None:
    """Each event (type, fields, snapshot when read) equals the openai package's own."""
    chunks, ours_options, theirs_options = SCENARIOS[name]
    state: Any = ChatCompletionStreamState(**theirs_options)
    expected = [
        view(event)
        for raw in chunks
        for event in state.handle_chunk(OpenAIChunk.model_validate(raw))
    ]
    with HostileServer(serving(chunks)) as server:
        client = server.client(response_types="openai")
        with client.chat.completions.stream(messages=USER, **ours_options) as stream:
            got = [view(event) for event in stream]
    assert got == expected


def test_openai_mode_events_are_openais_classes() -> None:
    """The events are instances of openai's classes; repr, model_dump and == hold every field."""
    chunks, options, _ = SCENARIOS["text then two tools"]
    with HostileServer(serving(chunks)) as server:
        client = server.client(response_types="openai")
        with client.chat.completions.stream(messages=USER, **options) as stream:
            events = list(stream)
    delta = next(e for e in events if e.type == "tool_calls.function.arguments.delta")
    assert isinstance(delta, openai.lib.streaming.chat.FunctionToolCallArgumentsDeltaEvent)
    assert "arguments=''" in repr(delta)
    assert delta.model_dump()["parsed_arguments"] is None
    first_content = next(e for e in events if e.type == "content.delta")
    assert first_content.model_dump() == {
        "type": "content.delta",
        "delta": "Checking.",
        "snapshot": "Checking.",
        "parsed": None,
    }
    assert first_content == first_content.model_copy()
    assert copy.deepcopy(delta).arguments == ""
    unpickled = pickle.loads(pickle.dumps(first_content))
    assert isinstance(unpickled, openai.lib.streaming.chat.ContentDeltaEvent)
    assert unpickled.snapshot == "Checking."
    done = [e for e in events if e.type == "tool_calls.function.arguments.done"]
    assert [d.parsed_arguments for d in done] == [Lookup(city="Rome"), {"city": "Oslo"}]


def fragments(count: int, size: int) -> list[dict[str, Any]]:
    """A tool call whose arguments come in ``count`` pieces, then a text of ``count`` pieces."""
    pieces = [chunk({"role": "assistant", "tool_calls": [call(0, "", "f")]})]
    pieces += [chunk({"tool_calls": [call(0, "a" * size)]}) for _ in range(count)]
    pieces += [chunk({"content": "b" * size}) for _ in range(count)]
    return [*pieces, chunk({}, "stop")]


def held_text(events: list[Any]) -> int:
    """Characters of the strings the events themselves hold (not what they refer to)."""
    total = 0
    for event in events:
        holders = [event, *(v for v in gc.get_referents(event) if isinstance(v, dict))]
        for value in gc.get_referents(*holders):
            if isinstance(value, str):
                total += len(value)
    return total


@pytest.mark.parametrize("types", ["sogni", "openai"])
def test_events_hold_a_place_in_the_answer_not_a_copy(types: str) -> None:
    """1,000 pieces of 20 characters: the events hold kilobytes, not the text so far each."""
    with HostileServer(serving(fragments(1000, 20))) as server:
        client = server.client(response_types=types)
        with client.chat.completions.stream(messages=USER) as stream:
            events = list(stream)
    assert len(events) > 4000
    # Copies of the text so far would be 2 x 1000 x 1001 / 2 x 20 characters (20 MB).
    assert held_text(events) < 1_000_000


@pytest.mark.parametrize("types", ["sogni", "openai"])
def test_a_snapshot_read_late_is_as_of_its_event(types: str) -> None:
    """Read after the stream ended, each delta's snapshot is still the text up to it."""
    with HostileServer(serving(fragments(30, 3))) as server:
        client = server.client(response_types=types)
        with client.chat.completions.stream(messages=USER) as stream:
            events = list(stream)
    texts = [e for e in events if e.type == "content.delta"]
    assert [e.snapshot for e in texts] == ["bbb" * n for n in range(1, 31)]
    calls = [e for e in events if e.type == "tool_calls.function.arguments.delta"]
    assert [e.arguments for e in calls][-3:] == ["aaa" * n for n in (28, 29, 30)]


def many_calls(count: int) -> list[dict[str, Any]]:
    """``count`` tool calls in one choice, one chunk each."""
    calls = [chunk({"tool_calls": [call(i, "{}", "f")]}) for i in range(count)]
    return [chunk({"role": "assistant"}), *calls, chunk({}, "tool_calls")]


@pytest.mark.parametrize("types", ["sogni", "openai"])
def test_tool_calls_per_choice_are_capped(types: str) -> None:
    """MAX_STREAM_TOOL_CALLS calls are read; one more is an APIError, in either mode."""
    with HostileServer(serving(many_calls(MAX_STREAM_TOOL_CALLS))) as server:
        client = server.client(response_types=types)
        with client.chat.completions.stream(messages=USER) as stream:
            final = stream.get_final_completion()
        assert len(final.choices[0].message.tool_calls or ()) == MAX_STREAM_TOOL_CALLS
    with HostileServer(serving(many_calls(MAX_STREAM_TOOL_CALLS + 1))) as server:
        client = server.client(response_types=types)
        refused = pytest.raises(APIError, match="more than 1,024 tool calls")
        with client.chat.completions.stream(messages=USER) as stream, refused:
            stream.until_done()


def test_openai_mode_raises_openais_length_error() -> None:
    """An answer cut by the length limit raises LengthFinishReasonError, as openai's state does."""
    chunks = [chunk({"role": "assistant", "content": '{"city": "Os'}), chunk({}, "length")]
    with HostileServer(serving(chunks)) as server:
        client: OpenAI = server.client(response_types="openai")
        cut = pytest.raises(openai.LengthFinishReasonError)
        with client.chat.completions.stream(messages=USER, response_format=Answer) as stream, cut:
            stream.until_done()
