"""client.responses: the openai package's Responses examples, with the import swapped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from sogni_compat import NotFoundError, OpenAI
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types.responses import (
    FunctionToolParam,
    ParsedResponse,
    Response,
    ResponseOutputMessage,
    ResponseReasoningItem,
)

WEATHER: FunctionToolParam = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather in a given location",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
}


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSogniServer]:
    """One emulator for the module."""
    with LocalSogniServer() as running:
        yield running


@pytest.fixture
def client(server: LocalSogniServer) -> Iterator[OpenAI]:
    """A client of the emulator."""
    with server.client() as c:
        yield c


def last_body(server: LocalSogniServer) -> Any:
    """The JSON body of the last chat request."""
    return [r for r in server.requests if r.path == "/v1/chat/completions"][-1].json


def test_text_with_instructions(server: LocalSogniServer, client: OpenAI) -> None:
    """The README example of the openai package: instructions become a system message."""
    response = client.responses.create(
        model="qwen3.6-35b-a3b-gguf-iq4xs",
        instructions="You are a coding assistant that talks like a pirate.",
        input="How do I check if a Python object is an instance of a class?",
    )
    assert isinstance(response, Response)
    assert response.output_text == "How do I check if a Python object is an instance of a class?"
    assert response.status == "completed"
    assert response.id.startswith("resp_")
    assert response.usage is not None
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    body = last_body(server)
    assert body["messages"] == [
        {"role": "system", "content": "You are a coding assistant that talks like a pirate."},
        {"role": "user", "content": "How do I check if a Python object is an instance of a class?"},
    ]
    assert body["model"] == "qwen3.6-35b-a3b-gguf-iq4xs"
    assert body["sogni_tools"] is False


def test_request_keywords_map_to_chat(server: LocalSogniServer, client: OpenAI) -> None:
    """max_output_tokens, reasoning, text.format and Sogni's keywords reach the chat body."""
    response = client.responses.create(
        input=[{"role": "user", "content": [{"type": "input_text", "text": "one two three"}]}],
        max_output_tokens=2,
        reasoning={"effort": "low"},
        text={"format": {"type": "json_schema", "name": "N", "schema": {"type": "object"}}},
        temperature=0.2,
        metadata={"k": "v"},
        taskProfile="coding",
    )
    body = last_body(server)
    assert body["max_tokens"] == 2
    assert body["chat_template_kwargs"] == {"enable_thinking": True}
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "N", "schema": {"type": "object"}},
    }
    assert body["task_profile"] == "coding"
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "one two three"}]}
    ]
    assert response.metadata == {"k": "v"}
    assert response.temperature == 0.2


def test_length_stop_is_incomplete(client: OpenAI) -> None:
    """A cut-off answer is status incomplete with reason max_output_tokens."""
    response = client.responses.create(input="one two three four", max_output_tokens=2)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.output_text == "one two"


def test_streaming_event_sequence(client: OpenAI) -> None:
    """stream=True yields openai's event sequence with increasing sequence numbers."""
    stream = client.responses.create(input="stream me please", stream=True)
    events = list(stream)
    kinds = [e.type for e in events]
    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == (
        "stream me please"
    )
    assert events[-1].response.output[0].content[0].text == "stream me please"
    assert events[2].item.type == "message"
    assert events[3].part.type == "output_text"
    assert events[-1].response.usage.output_tokens_details.reasoning_tokens == 0
    ids = {e.item_id for e in events if hasattr(e, "item_id")}
    assert len(ids) == 1


def test_stream_context_manager_and_final_response(client: OpenAI) -> None:
    """responses.stream(...) gives the events and get_final_response()."""
    with client.responses.stream(input="final please") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == "final please"
    assert final.output_text == "final please"


def test_function_calling_round_trip(server: LocalSogniServer, client: OpenAI) -> None:
    """The openai example: the call, then function_call_output, then the answer."""
    tools = [WEATHER]
    input_list: list[Any] = [{"role": "user", "content": "What's the weather like in Paris today?"}]
    response = client.responses.create(tools=tools, input=input_list)
    (call,) = [item for item in response.output if item.type == "function_call"]
    assert call.name == "get_weather"
    assert json.loads(call.arguments) == {"location": "Paris"}
    input_list += response.output
    input_list.append(
        {"type": "function_call_output", "call_id": call.call_id, "output": '{"temp": 21}'}
    )
    final = client.responses.create(tools=tools, input=input_list)
    assert final.output_text == 'Tool results: get_weather: {"temp": 21}'
    body = last_body(server)
    assert body["tools"] == [
        {
            "type": "function",
            "function": {k: WEATHER[k] for k in ("name", "description", "parameters")},
        }
    ]
    assert body["messages"][1]["tool_calls"][0]["id"] == call.call_id
    assert body["messages"][2] == {
        "role": "tool",
        "tool_call_id": call.call_id,
        "content": '{"temp": 21}',
    }


def test_streaming_tool_call_events(client: OpenAI) -> None:
    """A streamed tool call has function_call_arguments delta/done events."""
    events = list(
        client.responses.create(
            input="What's the weather like in Paris today?", tools=[WEATHER], stream=True
        )
    )
    kinds = [e.type for e in events]
    assert "response.function_call_arguments.delta" in kinds
    (done,) = [e for e in events if e.type == "response.function_call_arguments.done"]
    assert json.loads(done.arguments) == {"location": "Paris"}
    assert done.name == "get_weather"


class CalendarEvent(BaseModel):
    """The openai parse example's model."""

    name: str
    date: str
    participants: list[str]


def test_parse_with_text_format(client: OpenAI) -> None:
    """responses.parse(text_format=Model) gives output_parsed."""
    response = client.responses.parse(
        input=[
            {"role": "system", "content": "Extract the event information."},
            {"role": "user", "content": "Alice and Bob are going to a Science Fair on Friday."},
        ],
        text_format=CalendarEvent,
    )
    event = response.output_parsed
    assert isinstance(event, CalendarEvent)
    assert all(isinstance(p, str) for p in event.participants)
    assert json.loads(response.output_text) == event.model_dump()


def test_parse_answers_a_parsed_response_create_a_plain_one(client: OpenAI) -> None:
    """parse() gives the ParsedResponse its type says (a Response), create() a plain Response."""
    parsed = client.responses.parse(input="Alice meets Bob on Friday.", text_format=CalendarEvent)
    assert type(parsed) is ParsedResponse
    assert isinstance(parsed, Response)
    assert isinstance(parsed.output_parsed, CalendarEvent)
    plain = client.responses.create(input="Alice meets Bob on Friday.")
    assert type(plain) is Response
    with client.responses.stream(input="Alice meets Bob.", text_format=CalendarEvent) as stream:
        assert type(stream.get_final_response()) is ParsedResponse


def test_previous_response_id_sends_the_history(server: LocalSogniServer, client: OpenAI) -> None:
    """A follow-up continues the stored conversation; instructions are not carried over."""
    first = client.responses.create(instructions="Be brief.", input="Hello there")
    second = client.responses.create(previous_response_id=first.id, input="And now?")
    assert second.previous_response_id == first.id
    assert last_body(server)["messages"] == [
        {"role": "user", "content": "Hello there"},
        {"role": "assistant", "content": "Hello there"},
        {"role": "user", "content": "And now?"},
    ]
    assert client.responses.retrieve(first.id).id == first.id
    client.responses.delete(first.id)
    with pytest.raises(NotFoundError, match="store=True"):
        client.responses.retrieve(first.id)
    with pytest.raises(NotFoundError, match=r"256 most recently used"):
        client.responses.create(previous_response_id="resp_unknown", input="x")
    unstored = client.responses.create(input="not kept", store=False)
    with pytest.raises(NotFoundError):
        client.responses.retrieve(unstored.id)


@pytest.mark.parametrize(
    ("tools", "message"),
    [
        ([{"type": "web_search"}], "built-in 'web_search'"),
        ([{"type": "file_search", "vector_store_ids": ["v"]}], "built-in 'file_search'"),
        ([{"type": "code_interpreter", "container": {}}], "built-in 'code_interpreter'"),
        ([{"type": "computer_use_preview"}], "built-in 'computer_use_preview'"),
    ],
)
def test_built_in_tools_are_refused_before_sending(
    server: LocalSogniServer, client: OpenAI, tools: list[Any], message: str
) -> None:
    """OpenAI's built-in tools fail with a clear error and no request."""
    before = len(server.requests)
    with pytest.raises(ValueError, match=message):
        client.responses.create(input="hi", tools=tools)
    assert len(server.requests) == before


def test_auto_tool_loop_works_with_responses(client: OpenAI) -> None:
    """auto_execute_tools runs the caller's tools, as for chat; the history is kept."""
    response = client.responses.create(
        input="What's the weather like in Paris today?",
        tools=[WEATHER],
        auto_execute_tools=True,
        tool_handlers={"get_weather": lambda location: {"location": location, "temp": 21}},
    )
    assert response.output_text == ('Tool results: get_weather: {"location": "Paris", "temp": 21}')
    assert len(response.tool_history) == 1


def test_openai_types_field_by_field(server: LocalSogniServer) -> None:
    """With response_types="openai" responses and events are openai.types.responses objects."""
    from openai.types import responses as types

    with server.client(response_types="openai") as client:
        response = client.responses.create(instructions="x", input="hello", tools=[WEATHER])
        assert isinstance(response, types.Response)
        assert response.output_text == "hello"
        assert response.usage is not None
        assert isinstance(response.output[0], types.ResponseOutputMessage)
        events = list(client.responses.create(input="hi there", stream=True))
        assert isinstance(events[0], types.ResponseCreatedEvent)
        assert isinstance(events[4], types.ResponseTextDeltaEvent)
        assert isinstance(events[-1], types.ResponseCompletedEvent)
        called = client.responses.create(input="What's the weather in Paris?", tools=[WEATHER])
        assert isinstance(called.output[0], types.ResponseFunctionToolCall)


class GetWeather(BaseModel):
    """Get the weather of a city."""

    city: str


def test_parse_tools_built_from_models(client: OpenAI) -> None:
    """responses.parse(tools=[function_tool(Model)]) gives parsed_arguments instances."""
    from sogni_compat import function_tool

    response = client.responses.parse(
        input="What's the weather in Paris?", tools=[function_tool(GetWeather)]
    )
    (call,) = [item for item in response.output if item.type == "function_call"]
    assert call.parsed_arguments == GetWeather(city="Paris")
    assert response.tools[0]["name"] == "GetWeather"


def test_reasoning_item_when_the_model_thinks(client: OpenAI) -> None:
    """With thinking on, the output starts with a reasoning item holding the thinking."""
    response = client.responses.create(input="a b c", reasoning={"effort": "high"})
    assert [item.type for item in response.output] == ["reasoning", "message"]
    thought = response.output[0]
    assert isinstance(thought, ResponseReasoningItem)
    assert thought.content is not None
    assert thought.content[0].text == "The user wrote 3 tokens; I echo them."
    assert thought.to_dict()["content"] == [
        {"type": "reasoning_text", "text": "The user wrote 3 tokens; I echo them."}
    ]


def test_openai_mode_validates_every_event_of_a_tool_stream(server: LocalSogniServer) -> None:
    """Each event of a streamed tool call is a valid openai.types.responses event."""
    from openai.types import responses as types

    with server.client(response_types="openai") as client:
        events = list(
            client.responses.create(
                input="What's the weather in Paris?", tools=[WEATHER], stream=True, think=True
            )
        )
    kinds = {type(e).__name__ for e in events}
    assert {"ResponseFunctionCallArgumentsDeltaEvent", "ResponseReasoningTextDeltaEvent"} <= kinds
    assert isinstance(events[-1], types.ResponseCompletedEvent)
    assert events[-1].response.output[-1].type == "function_call"


def test_parsed_results_serialise(client: OpenAI) -> None:
    """A parsed response dumps to JSON; parsed values stay attributes (content[0].parsed too)."""
    response = client.responses.parse(
        input="Alice and Bob meet on Friday at the Science Fair.", text_format=CalendarEvent
    )
    dumped = json.loads(response.to_json())
    assert "output_parsed" not in dumped
    message = response.output[0]
    assert isinstance(message, ResponseOutputMessage)
    assert message.content[0].parsed == response.output_parsed
    assert response.text is not None
    assert response.text.format.type == "json_schema"


def test_stream_positions_hold_when_a_call_comes_before_text(hostile_stream: Any) -> None:
    """Each item keeps its output_index from added to done, in stream order."""
    events = hostile_stream
    added = {e.item.id: e.output_index for e in events if e.type == "response.output_item.added"}
    done = {e.item.id: e.output_index for e in events if e.type == "response.output_item.done"}
    assert added == done
    final = events[-1].response
    assert [item.id for item in final.output] == sorted(added, key=added.__getitem__)
    assert [item.type for item in final.output] == ["function_call", "message"]


@pytest.fixture
def hostile_stream() -> list[Any]:
    """The events of a chat stream that sends a tool call first and text after it."""
    import responses as mock_library

    from ._helpers import BASE_URL

    chunks = [
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_1",
                                "type": "function",
                                "function": {
                                    "name": "get_weather",
                                    "arguments": '{"location": "Paris"}',
                                },
                            }
                        ]
                    },
                }
            ]
        },
        {"choices": [{"index": 0, "delta": {"content": "Checking."}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ]
    base = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    body = "".join(f"data: {json.dumps({**base, **c})}\n\n" for c in chunks) + "data: [DONE]\n\n"
    with mock_library.RequestsMock() as mock:
        mock.post(f"{BASE_URL}/chat/completions", body=body, content_type="text/event-stream")
        client = OpenAI(api_key="k", base_url=BASE_URL)
        return list(client.responses.create(input="x", tools=[WEATHER], stream=True))


def test_bad_input_is_refused_before_sending(server: LocalSogniServer, client: OpenAI) -> None:
    """Items and settings the translation cannot honour raise, and nothing is sent."""
    before = len(server.requests)
    bad: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"input": "x", "messages": []}, TypeError, "not messages="),
        ({"input": [{"type": "function_call", "call_id": "c"}]}, ValueError, "needs a name"),
        (
            {"input": [{"type": "function_call_output", "call_id": "nope", "output": "x"}]},
            ValueError,
            "call_id of a function_call",
        ),
        ({"input": [{"role": "user", "content": 5}]}, TypeError, "content must be a string"),
        ({"input": "x", "reasoning": "high"}, TypeError, "reasoning must be a dict"),
        ({"input": "x", "truncation": "sometimes"}, ValueError, "truncation"),
        ({"input": "x", "store": "no"}, TypeError, "store must be"),
        ({"input": "x", "text": {"fmt": {}}}, ValueError, "text takes"),
        ({"input": "x", "max_tool_calls": 3}, ValueError, "max_tool_calls_per_round"),
    ]
    for kwargs, error, message in bad:
        with pytest.raises(error, match=message):
            client.responses.create(**kwargs)
    assert len(server.requests) == before


def test_text_and_call_round_trip_is_one_assistant_turn(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """An answer's text and its call go back as one assistant message."""
    items: list[Any] = [
        {"role": "user", "content": "weather?"},
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Let me check."}],
        },
        {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
    ]
    client.responses.create(input=items, tools=[WEATHER])
    assert last_body(server)["messages"][1] == {
        "role": "assistant",
        "content": "Let me check.",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
        ],
    }


def test_follow_up_after_a_tool_loop_keeps_the_rounds_and_media(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """previous_response_id after a hosted-tool loop: the turns and the media numbering carry on."""
    first = client.responses.create(
        input='call generate_image({"prompt": "a cat"})', sogni_tools=True, auto_execute_tools=True
    )
    (cat,) = first.media.urls
    second = client.responses.create(
        previous_response_id=first.id,
        input='call animate_photo({"prompt": "walk", "sourceImageIndex": 0})',
        sogni_tools=True,
        auto_execute_tools=True,
    )
    result = second.tool_history[0].tool_results[0]
    assert result.success is True, result.error
    roles = [m["role"] for m in last_body(server)["messages"]]
    assert roles[:4] == ["user", "assistant", "tool", "assistant"]
    assert second.media.images[0].url == cat


def test_retrieve_in_openai_mode_is_openai_type(server: LocalSogniServer) -> None:
    """retrieve() answers with the same type create() does."""
    from openai.types.responses import Response as OpenAIResponse

    with server.client(response_types="openai") as client:
        made = client.responses.create(input="keep me")
        assert isinstance(client.responses.retrieve(made.id), OpenAIResponse)
        assert made.output_parsed is None


def test_module_level_responses(server: LocalSogniServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The module as a client: openai.responses.create() uses the module-level client."""
    import sogni_compat as openai

    monkeypatch.setattr(openai, "api_key", "module-key", raising=False)
    monkeypatch.setattr(openai, "base_url", server.base_url, raising=False)
    response = openai.responses.create(input="from the module")
    assert response.output_text == "from the module"


def test_stream_with_text_format_parses_the_end(client: OpenAI) -> None:
    """responses.stream(text_format=Model): the final response has output_parsed."""
    with client.responses.stream(
        input="Alice meets Bob on Friday at the Science Fair.", text_format=CalendarEvent
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[-1] == "response.completed"
    assert isinstance(final.output_parsed, CalendarEvent)


def test_a_chat_shaped_tool_sends_what_the_responses_shape_sends(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """{"type", "function": {...}} and the Responses shape give the same chat request."""
    parameters = {"type": "object", "properties": {"city": {"type": "string"}}}
    flat: Any = {"type": "function", "name": "get_weather", "parameters": parameters}
    nested: Any = {
        "type": "function",
        "function": {"name": "get_weather", "parameters": parameters},
    }
    before = len(server.requests)
    answers = [
        client.responses.create(input="What's the weather in Paris?", tools=[tool])
        for tool in (flat, nested)
    ]
    sent = [
        r.json["tools"] for r in server.requests[before:] if r.path.endswith("/chat/completions")
    ]
    assert sent == [[nested], [nested]]
    assert [a.output[0].type for a in answers] == ["function_call", "function_call"]
    assert answers[1].tools == answers[0].tools  # shown in the Responses shape either way


def test_not_given_means_absent_for_every_keyword(client: OpenAI) -> None:
    """NOT_GIVEN (and openai's omit) for any keyword of responses.create means "not set"."""
    from sogni_compat import NOT_GIVEN
    from sogni_compat.types.create_params import ResponseCreateParamsBase

    names = set(ResponseCreateParamsBase.__optional_keys__) - {"timeout"}
    given: dict[str, Any] = dict.fromkeys(names, NOT_GIVEN)
    response = client.responses.create(input="a b c", **given)
    assert response.output_text == client.responses.create(input="a b c").output_text
    openai = pytest.importorskip("openai")
    marked: dict[str, Any] = dict.fromkeys(names, openai.omit)
    assert client.responses.create(input="a b c", **marked).output_text == response.output_text
