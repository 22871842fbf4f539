"""The genuine openai clients of as_openai()/as_async_openai() reach the Responses API.

Sogni has no ``/responses`` route: the clients' transport answers ``POST /responses`` (plain
and streamed), ``GET``/``DELETE /responses/{id}`` and ``GET /responses/{id}/input_items``
through ``client.responses`` (its store, checks and bounds), and refuses, without sending,
the OpenAI endpoints Sogni does not serve. Driven by the real ``openai`` package against the
emulator.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from sogni_compat import OpenAI
from sogni_compat.testing import DEFAULT_MODEL, LocalSogniServer

openai = pytest.importorskip("openai")

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


class Movie(BaseModel):
    """What the structured-output tests extract."""

    title: str
    year: int


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """A fresh emulator: the tests count its requests."""
    with LocalSogniServer() as running:
        yield running


@pytest.fixture
def sogni(server: LocalSogniServer) -> Iterator[OpenAI]:
    """A client of this package for the emulator, retrying nothing itself."""
    with server.client(max_retries=1, sleep=lambda _: None) as client:
        yield client


@pytest.fixture
def genuine(sogni: OpenAI) -> Iterator[Any]:
    """A genuine openai.OpenAI bound to the emulator through ``sogni``."""
    with sogni.as_openai() as client:
        yield client


def chat_bodies(server: LocalSogniServer) -> list[Any]:
    """The JSON bodies of the chat requests the emulator received."""
    return [r.json for r in server.requests if r.path == "/v1/chat/completions"]


def test_create_is_an_openai_response_made_from_one_chat_completion(
    server: LocalSogniServer, genuine: Any
) -> None:
    """responses.create answers with openai's Response; one chat request reaches Sogni."""
    response = genuine.responses.create(
        model=DEFAULT_MODEL, instructions="Be brief.", input="Hello there", max_output_tokens=50
    )
    assert isinstance(response, openai.types.responses.Response)
    assert response.output_text == "Hello there"
    assert response.status == "completed"
    assert response.usage.total_tokens > 0
    assert response._request_id is not None  # Sogni's x-request-id, as openai reads it
    (body,) = chat_bodies(server)
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello there"},
    ]
    assert body["max_tokens"] == 50
    assert [r.path for r in server.requests] == ["/v1/chat/completions"]


def test_sogni_keywords_in_extra_body_are_translated(
    server: LocalSogniServer, genuine: Any
) -> None:
    """Sogni's keywords given through extra_body (either spelling) reach the chat body."""
    genuine.responses.create(
        model=DEFAULT_MODEL,
        input="hi",
        extra_body={"think": False, "taskProfile": "coding", "vendor_flag": 1},
    )
    (body,) = chat_bodies(server)
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    assert body["task_profile"] == "coding"
    assert body["vendor_flag"] == 1  # unknown keys are sent as they are, as chat does


def test_stream_helper_and_raw_events(genuine: Any) -> None:
    """Openai's responses.stream() accumulates our events; a raw stream is openai's events."""
    with genuine.responses.stream(model=DEFAULT_MODEL, input="one two three") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == "one two three"
    assert final.output_text == "one two three"
    events = list(genuine.responses.create(model=DEFAULT_MODEL, input="a b", stream=True))
    assert isinstance(events[0], openai.types.responses.ResponseCreatedEvent)
    assert isinstance(events[-1], openai.types.responses.ResponseCompletedEvent)
    assert events[-1].response.id == events[0].response.id
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_function_call_round_trip_with_previous_response_id(
    server: LocalSogniServer, genuine: Any
) -> None:
    """Openai's documented round trip: the call, then its output with previous_response_id."""
    first = genuine.responses.create(
        model=DEFAULT_MODEL, input='call get_weather({"city": "Paris"})', tools=[WEATHER]
    )
    (call,) = [item for item in first.output if item.type == "function_call"]
    assert json.loads(call.arguments) == {"city": "Paris"}
    second = genuine.responses.create(
        model=DEFAULT_MODEL,
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}],
        tools=[WEATHER],
    )
    assert second.output_text == "Tool results: get_weather: sunny"
    assert second.previous_response_id == first.id
    assert chat_bodies(server)[-1]["messages"][-1] == {
        "role": "tool",
        "tool_call_id": call.call_id,
        "content": "sunny",
    }


def test_streamed_tool_call_is_accumulated_by_openai(genuine: Any) -> None:
    """A streamed function call passes openai's stream state (item identities, indices)."""
    with genuine.responses.stream(
        model=DEFAULT_MODEL, input='call get_weather({"city": "Oslo"})', tools=[WEATHER]
    ) as stream:
        final = stream.get_final_response()
    (call,) = final.output
    assert call.type == "function_call"
    assert json.loads(call.arguments) == {"city": "Oslo"}


def test_parse_with_text_format(server: LocalSogniServer, genuine: Any) -> None:
    """Openai's responses.parse(text_format=Model) sends the schema and parses our answer."""
    parsed = genuine.responses.parse(
        model=DEFAULT_MODEL, input='{"title": "Heat", "year": 1995}', text_format=Movie
    )
    assert parsed.output_parsed == Movie(title="Heat", year=1995)
    (body,) = chat_bodies(server)
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Movie"
    assert parsed.text.format.schema_["required"] == ["title", "year"]


def test_retrieve_input_items_and_delete_use_the_clients_store(
    server: LocalSogniServer, sogni: OpenAI, genuine: Any
) -> None:
    """GET/DELETE /responses/{id} and input_items answer from the store, sending nothing."""
    first = genuine.responses.create(model=DEFAULT_MODEL, input="first turn")
    second = sogni.responses.create(previous_response_id=first.id, input="second turn")
    sent = len(server.requests)
    assert genuine.responses.retrieve(first.id).output_text == "first turn"
    assert genuine.responses.retrieve(second.id).previous_response_id == first.id
    page = genuine.responses.input_items.list(second.id, order="asc", limit=2)
    assert [item.type for item in page.data] == ["message", "message"]
    assert page.data[0].content[0].text == "first turn"
    assert page.has_more
    everything = list(genuine.responses.input_items.list(second.id, order="asc", limit=2))
    assert [getattr(i, "role", None) for i in everything] == ["user", "assistant", "user"]
    assert everything[-1].content[0].text == "second turn"
    newest = genuine.responses.input_items.list(second.id)
    assert newest.data[0].content[0].text == "second turn"
    genuine.responses.delete(first.id)
    with pytest.raises(openai.NotFoundError, match="store=True"):
        genuine.responses.retrieve(first.id)
    assert len(server.requests) == sent
    with pytest.raises(openai.BadRequestError, match="limit must be"):
        genuine.responses.input_items.list(second.id, limit=500)


def test_async_client_creates_streams_and_retrieves(sogni: OpenAI) -> None:
    """as_async_openai() serves the same routes, each blocking step in a worker thread."""

    async def run() -> tuple[str, str, str]:
        client = sogni.as_async_openai()
        try:
            made = await client.responses.create(model=DEFAULT_MODEL, input="async hello")
            pieces = [
                event.delta
                async for event in await client.responses.create(
                    model=DEFAULT_MODEL, input="async stream", stream=True
                )
                if event.type == "response.output_text.delta"
            ]
            again = await client.responses.retrieve(made.id)
            return made.output_text, "".join(pieces), again.id
        finally:
            await client.close()

    text, streamed, again = asyncio.run(run())
    assert (text, streamed) == ("async hello", "async stream")
    assert again.startswith("resp_")


def test_bad_requests_are_refused_before_sending(server: LocalSogniServer, genuine: Any) -> None:
    """What client.responses refuses is a 400 BadRequestError, and nothing is sent."""
    with pytest.raises(openai.BadRequestError, match="built-in 'web_search'"):
        genuine.responses.create(model=DEFAULT_MODEL, input="hi", tools=[{"type": "web_search"}])
    with pytest.raises(openai.BadRequestError, match="background responses"):
        genuine.responses.create(model=DEFAULT_MODEL, input="hi", background=True)
    with pytest.raises(openai.NotFoundError, match="most recently used"):
        genuine.responses.create(model=DEFAULT_MODEL, input="hi", previous_response_id="resp_x")
    with pytest.raises(openai.BadRequestError, match="background response"):
        genuine.responses.retrieve("resp_x", stream=True)
    assert server.requests == []


def test_sogni_errors_keep_their_class_and_openai_retries_once_per_attempt(
    server: LocalSogniServer, sogni: OpenAI
) -> None:
    """A 429 from Sogni is openai's RateLimitError; each openai attempt is one request."""
    with sogni.as_openai() as genuine:
        server.fail_next(3, status=429, headers={"Retry-After": "0"})
        with pytest.raises(openai.RateLimitError):
            genuine.with_options(max_retries=2).responses.create(model=DEFAULT_MODEL, input="x")
    assert len(server.requests) == 3  # openai's three attempts, none added by this package


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda c: c.embeddings.create(model="m", input="x"), "POST /v1/embeddings"),
        (lambda c: c.moderations.create(input="x"), "POST /v1/moderations"),
        (lambda c: c.completions.create(model="m", prompt="x"), "POST /v1/completions"),
        (
            lambda c: c.audio.speech.create(model="m", input="x", voice="alloy"),
            "POST /v1/audio/speech",
        ),
        (lambda c: c.images.create_variation(image=b"\x89PNG"), "client.images.generate"),
        (lambda c: c.images.generate(prompt="a cat"), "client.images.generate"),
        (lambda c: c.files.list(), "GET /v1/files"),
        (lambda c: c.batches.list(), "GET /v1/batches"),
        (lambda c: c.chat.completions.list(), "Sogni keeps no chat completions"),
        (lambda c: c.chat.completions.retrieve("c1"), "Sogni keeps no chat completions"),
        (lambda c: c.models.delete("m"), "not yours to delete"),
        (lambda c: c.responses.cancel("resp_1"), "background responses"),
        (lambda c: c.conversations.create(), "previous_response_id"),
    ],
)
@pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")  # newer openai: variations
def test_endpoints_sogni_lacks_are_refused_locally(
    server: LocalSogniServer, genuine: Any, call: Any, says: str
) -> None:
    """Each is a 404 NotFoundError naming what Sogni serves; nothing reaches the server."""
    with pytest.raises(openai.NotFoundError, match=says) as caught:
        call(genuine)
    # What Sogni serves, read from the sogni_compat client's namespaces (one list for both).
    # The server's message, as openai reads it: str() of the error differs between versions.
    body = caught.value.body
    assert isinstance(body, dict)
    message = body.get("error", body).get("message", "")
    assert message.endswith(
        "through this client Sogni serves chat, models and responses (responses translated to "
        "chat completions); sogni_compat.OpenAI also serves images, media and workflows"
    )
    assert server.requests == []


def test_sogni_routes_still_pass(server: LocalSogniServer, genuine: Any) -> None:
    """Models and chat/completions still reach Sogni through the genuine client."""
    assert DEFAULT_MODEL in [m.id for m in genuine.models.list()]
    genuine.chat.completions.create(
        model=DEFAULT_MODEL, messages=[{"role": "user", "content": "x"}]
    )
    assert [r.path for r in server.requests] == ["/v1/models", "/v1/chat/completions"]


def test_routes_are_read_as_the_server_reads_the_path(
    server: LocalSogniServer, genuine: Any
) -> None:
    """A path that reaches another endpoint through encoded dot segments is judged by that one."""
    with pytest.raises(openai.NotFoundError, match=r"refused GET /v1/models/\.\./files"):
        genuine.get("models/%2e%2e/files", cast_to=object)
    assert server.requests == []


def test_a_client_answering_openai_types_serves_the_same(server: LocalSogniServer) -> None:
    """With response_types='openai' the transport still serialises the same events and JSON."""
    with server.client(response_types="openai") as client, client.as_openai() as genuine:
        made = genuine.responses.create(model=DEFAULT_MODEL, input="in openai mode")
        with genuine.responses.stream(model=DEFAULT_MODEL, input="streamed too") as stream:
            final = stream.get_final_response()
        kept = client.responses.retrieve(made.id)
    assert (made.output_text, final.output_text) == ("in openai mode", "streamed too")
    assert isinstance(kept, openai.types.responses.Response)
    assert kept.id == made.id
