"""chat.completions.parse(): schemas from types, parsed answers, and the ways it refuses."""

from __future__ import annotations

import dataclasses
import enum
import json
import pickle
from typing import Any, Literal

import attrs
import pydantic
import pytest
import responses

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat._structured import response_format_for
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types.chat import ChatCompletionToolParam

from ._helpers import CHAT_URL, USER, completion, sent_json


class Colour(enum.Enum):
    """An enum field."""

    RED = "red"
    BLUE = "blue"


@attrs.define
class Address:
    """Where someone lives."""

    city: str
    zip: str | None = None


@attrs.define
class Person:
    """A person, with nested and optional fields."""

    name: str
    age: int
    tags: list[str]
    address: Address
    favourite: Colour
    mood: Literal["happy", "sad"]
    friends: list[Address] = attrs.field(factory=list)
    nickname: str | None = None


@dataclasses.dataclass
class Point:
    """A dataclass output type."""

    x: float
    y: float
    label: str = ""


class Movie(pydantic.BaseModel):
    """A pydantic output type."""

    title: str
    year: int
    genres: list[str]


PERSON = {
    "name": "Ada",
    "age": 36,
    "tags": ["math"],
    "address": {"city": "London", "zip": None},
    "favourite": "blue",
    "mood": "happy",
    "friends": [{"city": "Paris", "zip": "75001"}],
    "nickname": None,
}


def test_schema_of_an_attrs_class() -> None:
    """Nested classes go to $defs; lists, optionals, enums and literals are described."""
    fmt = response_format_for(Person)
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "Person"
    assert fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["required"] == list(PERSON)
    props = schema["properties"]
    assert props["name"] == {"type": "string"}
    assert props["age"] == {"type": "integer"}
    assert props["tags"] == {"type": "array", "items": {"type": "string"}}
    assert props["address"] == {"$ref": "#/$defs/Address"}
    assert props["favourite"] == {"enum": ["red", "blue"]}
    assert props["mood"] == {"enum": ["happy", "sad"]}
    assert props["friends"] == {"type": "array", "items": {"$ref": "#/$defs/Address"}}
    assert props["nickname"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    address = schema["$defs"]["Address"]
    assert address["required"] == ["city", "zip"]
    assert address["description"] == "Where someone lives."


def test_schema_of_a_dataclass_and_a_pydantic_model() -> None:
    """Dataclasses are described like attrs classes; pydantic schemas are made strict."""
    point = response_format_for(Point)["json_schema"]["schema"]
    assert point["properties"] == {
        "x": {"type": "number"},
        "y": {"type": "number"},
        "label": {"type": "string"},
    }
    movie = response_format_for(Movie)["json_schema"]["schema"]
    assert movie["additionalProperties"] is False
    assert movie["required"] == ["title", "year", "genres"]


def test_unsupported_field_types_are_named() -> None:
    """A field type with no JSON form is a TypeError naming the field."""

    @attrs.define
    class Bad:
        when: complex

    with pytest.raises(TypeError, match=r"Bad\.when"):
        response_format_for(Bad)


def answer(content: str, finish: str = "stop") -> dict[str, Any]:
    """A completion whose message is ``content``."""
    body = completion(content)
    body["choices"][0]["finish_reason"] = finish
    return body


def test_parse_into_an_attrs_class(client: OpenAI, mock: responses.RequestsMock) -> None:
    """The answer is structured into the class; the schema went on the wire."""
    mock.post(CHAT_URL, json=answer(json.dumps(PERSON)))
    result = client.chat.completions.parse(messages=USER, response_format=Person)
    person = result.choices[0].message.parsed
    assert isinstance(person, Person)
    assert person.address == Address(city="London")
    assert person.favourite is Colour.BLUE
    assert person.friends == [Address(city="Paris", zip="75001")]
    sent = sent_json(mock.calls[0])
    assert sent["response_format"] == response_format_for(Person)
    assert result.to_dict()["choices"][0]["message"] == {
        "role": "assistant",
        "content": json.dumps(PERSON),
    }  # parsed is not part of the wire object


def test_parse_into_a_dataclass_and_a_pydantic_model(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """Dataclasses and pydantic models are built too."""
    mock.post(CHAT_URL, json=answer('{"x": 1, "y": 2.5, "label": "p"}'))
    mock.post(CHAT_URL, json=answer('{"title": "Heat", "year": 1995, "genres": ["crime"]}'))
    point = client.chat.completions.parse(messages=USER, response_format=Point)
    assert point.choices[0].message.parsed == Point(x=1, y=2.5, label="p")
    movie = client.chat.completions.parse(messages=USER, response_format=Movie)
    assert movie.choices[0].message.parsed == Movie(title="Heat", year=1995, genres=["crime"])


def test_answer_that_does_not_fit_names_the_field(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """A missing or wrong field raises APIResponseValidationError naming it."""
    wrong = {**PERSON, "address": {"zip": "1"}}
    mock.post(CHAT_URL, json=answer(json.dumps(wrong)))
    with pytest.raises(sogni_compat.APIResponseValidationError) as caught:
        client.chat.completions.parse(messages=USER, response_format=Person)
    assert "does not fit Person" in str(caught.value)
    assert "$.address.city" in str(caught.value)
    mock.post(CHAT_URL, json=answer('{"title": "Heat", "year": "soon", "genres": []}'))
    with pytest.raises(sogni_compat.APIResponseValidationError, match="year"):
        client.chat.completions.parse(messages=USER, response_format=Movie)


def test_answer_that_is_not_json(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Prose instead of JSON is an APIResponseValidationError."""
    mock.post(CHAT_URL, json=answer("Sure! Here it is."))
    with pytest.raises(sogni_compat.APIResponseValidationError, match="not JSON"):
        client.chat.completions.parse(messages=USER, response_format=Point)


@pytest.mark.parametrize(
    ("finish", "error"),
    [
        ("length", sogni_compat.LengthFinishReasonError),
        ("content_filter", sogni_compat.ContentFilterFinishReasonError),
    ],
)
def test_cut_off_answers_raise(
    client: OpenAI, mock: responses.RequestsMock, finish: str, error: type[Exception]
) -> None:
    """An answer stopped by the length limit or the content filter raises like the SDK."""
    mock.post(CHAT_URL, json=answer('{"x": 1', finish))
    with pytest.raises(error) as caught:
        client.chat.completions.parse(messages=USER, response_format=Point)
    assert isinstance(caught.value, sogni_compat.OpenAIError)
    if finish == "length":
        assert caught.value.completion.choices[0].finish_reason == "length"  # type: ignore[attr-defined]


def test_refusal_leaves_parsed_empty(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A refusal is not parsed: parsed stays None and the refusal is readable."""
    body = completion("")
    body["choices"][0]["message"] = {"role": "assistant", "content": None, "refusal": "No."}
    mock.post(CHAT_URL, json=body)
    result = client.chat.completions.parse(messages=USER, response_format=Point)
    assert result.choices[0].message.parsed is None
    assert result.choices[0].message.refusal == "No."


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"response_format": dict}, TypeError, "pydantic model, an attrs class, a dataclass"),
        ({"response_format": {"type": "xml"}}, ValueError, "response_format type must be one"),
        ({"response_format": Point, "stream": True}, TypeError, "does not stream"),
        (
            {"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]},
            ValueError,
            "`f` is not strict",
        ),
    ],
)
def test_parse_refuses_bad_input_before_sending(
    client: OpenAI, mock: responses.RequestsMock, kwargs: dict[str, Any], error: type, message: str
) -> None:
    """Bad parse() input raises before any request."""
    with pytest.raises(error, match=message):
        client.chat.completions.parse(messages=USER, **kwargs)


def test_beta_is_the_same_namespace(client: OpenAI, mock: responses.RequestsMock) -> None:
    """client.beta.chat.completions is client.chat.completions."""
    assert client.beta.chat.completions is client.chat.completions
    mock.post(CHAT_URL, json=answer('{"x": 0, "y": 0, "label": ""}'))
    parsed = client.beta.chat.completions.parse(messages=USER, response_format=Point)
    assert parsed.choices[0].message.parsed == Point(x=0, y=0)


def test_parse_answers_parsed_classes_that_pickle_and_dump_as_before() -> None:
    """parse() gives a ParsedChatCompletion (choices, messages too) as openai's; dumps unchanged."""
    with LocalSogniServer() as server, server.client() as client:
        result = client.chat.completions.parse(
            messages=[{"role": "user", "content": f"Extract: {json.dumps(PERSON)}"}],
            response_format=Person,
        )
        plain = client.chat.completions.create(
            messages=[{"role": "user", "content": f"Extract: {json.dumps(PERSON)}"}]
        )
    assert type(result) is sogni_compat.types.ParsedChatCompletion
    assert type(result.choices[0]) is sogni_compat.types.ParsedChoice
    assert type(result.choices[0].message) is sogni_compat.types.ParsedChatCompletionMessage
    assert isinstance(result, sogni_compat.types.ChatCompletion)
    assert type(plain) is sogni_compat.types.ChatCompletion
    again = pickle.loads(pickle.dumps(result))
    assert type(again) is sogni_compat.types.ParsedChatCompletion
    assert again.to_dict() == result.to_dict()
    assert set(result.to_dict()) == set(plain.to_dict())
    assert "parsed" not in result.to_dict()["choices"][0]["message"]


def test_parse_end_to_end_with_the_emulator() -> None:
    """Against the emulator (which answers the JSON object in the prompt) parse() round-trips."""
    with LocalSogniServer() as server, server.client() as client:
        result = client.chat.completions.parse(
            messages=[{"role": "user", "content": f"Extract: {json.dumps(PERSON)}"}],
            response_format=Person,
        )
        person = result.choices[0].message.parsed
        assert person is not None
        assert person.name == "Ada"
        with pytest.raises(sogni_compat.LengthFinishReasonError):
            client.chat.completions.parse(
                messages=[{"role": "user", "content": f"Extract: {json.dumps(PERSON)}"}],
                response_format=Person,
                max_tokens=2,
            )


def test_unresolvable_annotations_are_a_clear_error() -> None:
    """A class whose field types cannot be resolved is a TypeError saying why."""

    @attrs.define
    class Inner:
        value: int

    @attrs.define
    class Outer:
        inner: Inner  # a local name: invisible to typing.get_type_hints

    with pytest.raises(TypeError, match="define them at module level"):
        response_format_for(Outer)


# -- response format dicts and strict tools, as the openai SDK's parse() takes them -----------


class Query(pydantic.BaseModel):
    """Look something up."""

    topic: str
    limit: int


@dataclasses.dataclass
class Lookup:
    """Find a place."""

    city: str


def tool_answer(name: str, arguments: str, call_id: str = "c1") -> dict[str, Any]:
    """A completion asking for one tool call."""
    body = completion("")
    body["choices"][0]["finish_reason"] = "tool_calls"
    body["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
        ],
    }
    return body


@pytest.mark.parametrize(
    "fmt",
    [
        {"type": "json_object"},
        {"type": "json_schema", "json_schema": {"name": "p", "schema": {"type": "object"}}},
    ],
)
def test_parse_passes_a_format_dict_through(
    client: OpenAI, mock: responses.RequestsMock, fmt: dict[str, Any]
) -> None:
    """A response_format dict is sent as it is and parsed stays None, as in the openai SDK."""
    mock.post(CHAT_URL, json=completion('{"a": 1}'))
    result = client.chat.completions.parse(messages=USER, response_format=fmt)
    assert sent_json(mock.calls[0])["response_format"] == fmt
    assert result.choices[0].message.parsed is None
    assert result.choices[0].message.content == '{"a": 1}'
    raw = client.with_options().chat.completions.with_raw_response
    mock.post(CHAT_URL, json=completion('{"a": 2}'))
    assert raw.parse(messages=USER, response_format=fmt).parse().choices[0].message.parsed is None


def test_parse_tools_from_openai_pydantic_function_tool(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """openai.pydantic_function_tool(Model): parsed_arguments is a Model; no format needed."""
    import openai

    mock.post(CHAT_URL, json=tool_answer("Query", '{"topic": "owls", "limit": 3}'))
    result = client.chat.completions.parse(
        messages=USER, tools=[openai.pydantic_function_tool(Query)]
    )
    sent = sent_json(mock.calls[0])
    assert "response_format" not in sent
    assert sent["tools"][0]["function"]["strict"] is True
    call = (result.choices[0].message.tool_calls or [])[0]
    assert call.function.parsed_arguments == Query(topic="owls", limit=3)
    assert result.choices[0].message.parsed is None


def test_function_tool_from_a_dataclass(client: OpenAI, mock: responses.RequestsMock) -> None:
    """sogni_compat.function_tool(dataclass) is strict and its calls parse into instances."""
    tool = sogni_compat.function_tool(Lookup, description="Find a city")
    assert tool["function"]["name"] == "Lookup"
    assert tool["function"]["description"] == "Find a city"
    assert tool["function"]["parameters"]["additionalProperties"] is False
    assert sogni_compat.function_tool(Query)["function"]["description"] == "Look something up."
    mock.post(CHAT_URL, json=tool_answer("Lookup", '{"city": "Oslo"}'))
    result = client.chat.completions.parse(messages=USER, tools=[tool], response_format=Point)
    call = (result.choices[0].message.tool_calls or [])[0]
    assert call.function.parsed_arguments == Lookup(city="Oslo")


def test_strict_dict_tools_parse_to_dicts(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A strict tool given as a plain dict gets its arguments parsed as a dict."""
    tool: ChatCompletionToolParam = {
        "type": "function",
        "function": {"name": "f", "strict": True, "parameters": {"type": "object"}},
    }
    mock.post(CHAT_URL, json=tool_answer("f", '{"x": [1, 2]}'))
    result = client.chat.completions.parse(messages=USER, tools=[tool])
    assert (result.choices[0].message.tool_calls or [])[0].function.parsed_arguments == {
        "x": [1, 2]
    }


def test_bad_tool_arguments_are_a_validation_error(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """Arguments that do not fit the tool's class raise APIResponseValidationError."""
    mock.post(CHAT_URL, json=tool_answer("Query", '{"topic": "owls"}'))
    with pytest.raises(sogni_compat.APIResponseValidationError, match="does not fit Query"):
        client.chat.completions.parse(
            messages=USER, tools=[sogni_compat.pydantic_function_tool(Query)]
        )


def test_parsed_tools_with_openai_types(mock: responses.RequestsMock) -> None:
    """With response_types="openai", parse() returns openai's ParsedChatCompletion."""
    import openai
    from openai.types.chat import ParsedChatCompletion

    mock.post(CHAT_URL, json=tool_answer("Query", '{"topic": "owls", "limit": 3}'))
    client = OpenAI(api_key="k", base_url=CHAT_URL.rsplit("/", 2)[0], response_types="openai")
    result = client.chat.completions.parse(
        messages=USER, tools=[openai.pydantic_function_tool(Query)]
    )
    assert isinstance(result, ParsedChatCompletion)
    call = (result.choices[0].message.tool_calls or [])[0]
    assert call.function.parsed_arguments == Query(topic="owls", limit=3)
