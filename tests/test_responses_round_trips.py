"""client.responses: openai's documented round trips through the client's own store.

The function-call round trip continued with ``previous_response_id``, ``parse(text_format=)``
answered as openai's own types, and the input items of a stored response.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from sogni_compat import NotFoundError, OpenAI
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types.create_params import ResponseCreateParamsBase
from sogni_compat.types.responses import FunctionToolParam, Response, ResponseItemList

WEATHER: FunctionToolParam = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


class Movie(BaseModel):
    """What parse() extracts."""

    title: str
    year: int


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSogniServer]:
    """One emulator for the module."""
    with LocalSogniServer() as running:
        yield running


@pytest.fixture(params=["sogni", "openai"])
def client(server: LocalSogniServer, request: pytest.FixtureRequest) -> Iterator[OpenAI]:
    """A client of the emulator, answering with this package's types or openai's."""
    with server.client(response_types=request.param) as c:
        yield c


def last_messages(server: LocalSogniServer) -> Any:
    """The messages of the last chat request."""
    return [r for r in server.requests if r.path == "/v1/chat/completions"][-1].json["messages"]


@pytest.mark.parametrize("stream", [False, True])
def test_function_call_output_continues_the_previous_response(
    server: LocalSogniServer, client: OpenAI, stream: bool
) -> None:
    """The call id is found in the stored response previous_response_id names."""
    response = client.responses.create(input='call get_weather({"city": "Rome"})', tools=[WEATHER])
    (call,) = [item for item in response.output if item.type == "function_call"]
    follow_up: ResponseCreateParamsBase = {
        "previous_response_id": response.id,
        "input": [{"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}],
        "tools": [WEATHER],
    }
    if stream:
        with client.responses.stream(**follow_up) as events:
            final = events.get_final_response()
    else:
        final = client.responses.create(**follow_up)
    assert final.output_text == "Tool results: get_weather: sunny"
    assert last_messages(server)[1:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call.call_id,
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call.call_id, "content": "sunny"},
    ]


def test_an_output_for_a_call_nobody_made_is_still_refused(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """A call id in neither the input nor the previous response is refused before sending."""
    first = client.responses.create(input="no tools here")
    before = len(server.requests)
    with pytest.raises(ValueError, match=r"input\[0\]: function_call_output needs the call_id"):
        client.responses.create(
            previous_response_id=first.id,
            input=[{"type": "function_call_output", "call_id": "call_nobody", "output": "x"}],
        )
    assert len(server.requests) == before


@pytest.mark.parametrize("streamed", [False, True])
def test_parse_shows_the_schema_it_sent(
    server: LocalSogniServer, client: OpenAI, streamed: bool
) -> None:
    """parse(text_format=Model) works in both modes; text.format holds the schema sent."""
    given = '{"title": "Heat", "year": 1995}'
    response: Response
    if streamed:
        with client.responses.stream(input=given, text_format=Movie) as events:
            response = events.get_final_response()
    else:
        response = client.responses.parse(input=given, text_format=Movie)
    assert response.output_parsed == Movie(title="Heat", year=1995)
    sent = [r for r in server.requests if r.path == "/v1/chat/completions"][-1].json
    # The schema's fields are extras of ResponseTextFormat (openai's names them): getattr.
    shown = getattr(response.text, "format")
    schema = shown.schema_ if client.response_types == "openai" else getattr(shown, "schema")
    assert schema == sent["response_format"]["json_schema"]["schema"]
    assert (shown.type, shown.name, shown.strict) == ("json_schema", "Movie", True)


def test_input_items_of_a_conversation(client: OpenAI) -> None:
    """input_items.list shows the conversation a response answered, newest first by default."""
    first = client.responses.create(input='call get_weather({"city": "Oslo"})', tools=[WEATHER])
    (call,) = [item for item in first.output if item.type == "function_call"]
    second = client.responses.create(
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "rain"}],
    )
    page = client.responses.input_items.list(second.id)
    assert [item.type for item in page.data] == ["function_call_output", "function_call", "message"]
    assert page.first_id == page.data[0].id
    assert page.has_more is False
    assert all(item.id for item in page.data)
    oldest = client.responses.input_items.list(second.id, order="asc", limit=1)
    assert oldest.has_more is True
    assert oldest.data[0].type == "message"
    after = client.responses.input_items.list(second.id, order="asc", after=oldest.last_id)
    assert [item.type for item in after.data] == ["function_call", "function_call_output"]
    if client.response_types == "sogni":
        assert isinstance(page, ResponseItemList)
        assert [item.type for item in oldest] == [item.type for item in reversed(page.data)]
        assert oldest.data[0].to_dict()["content"] == [
            {"type": "input_text", "text": 'call get_weather({"city": "Oslo"})'}
        ]
        assert json.loads(page.to_json())["object"] == "list"


def test_input_items_bad_arguments(client: OpenAI) -> None:
    """Bad limit/order/after are ValueErrors naming them; an unknown response is a 404."""
    made = client.responses.create(input="hi")
    with pytest.raises(ValueError, match="limit must be a whole number from 1 to 100"):
        client.responses.input_items.list(made.id, limit=0)
    with pytest.raises(ValueError, match="order must be 'asc' or 'desc'"):
        client.responses.input_items.list(made.id, order="newest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="after: 'msg_nope'"):
        client.responses.input_items.list(made.id, after="msg_nope")
    with pytest.raises(NotFoundError, match="store=True"):
        client.responses.input_items.list("resp_unknown")
