"""The libraries that take an OpenAI client, driving this package against the emulator.

Each test uses the real third-party package (the optional "integrations" group) and a fresh
``LocalSogniServer``; the genuine openai clients come from ``as_openai()`` /
``as_async_openai()``, whose transport refuses every URL but the emulator's, so a request
that went elsewhere would fail the test.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pydantic
import pytest

from sogni_compat import OpenAI
from sogni_compat.testing import DEFAULT_MODEL, LocalSogniServer

pytestmark = pytest.mark.optional


class Person(pydantic.BaseModel):
    """Someone to extract."""

    name: str
    age: int


def get_weather(city: str) -> str:
    """Weather in a city.

    Args:
        city: The city.

    """
    return f"sunny in {city}"


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """A fresh emulator: every test counts its requests."""
    with LocalSogniServer() as running:
        yield running


@pytest.fixture
def sogni(server: LocalSogniServer) -> Iterator[OpenAI]:
    """A client of this package for the emulator."""
    with server.client() as client:
        yield client


@pytest.fixture
def genuine() -> Iterator[Any]:
    """Make genuine openai clients (async ones with ``asynchronous=True``); closed afterwards."""
    made: list[Any] = []

    def make(client: OpenAI, *, asynchronous: bool = False) -> Any:
        made.append(client.as_async_openai() if asynchronous else client.as_openai())
        return made[-1]

    yield make
    for client in made:
        closing = client.close()
        if asyncio.iscoroutine(closing):
            asyncio.run(closing)


def langchain_llm(genuine: Any, sogni: OpenAI, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The README's recipe: ChatOpenAI on genuine openai clients bound to Sogni."""
    langchain_openai = pytest.importorskip("langchain_openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-never-be-used")
    root, root_async = genuine(sogni), genuine(sogni, asynchronous=True)
    return langchain_openai.ChatOpenAI(
        model=DEFAULT_MODEL,
        client=root.chat.completions,
        root_client=root,
        async_client=root_async.chat.completions,
        root_async_client=root_async,
    )


def test_langchain_invoke_stream_and_async(
    server: LocalSogniServer, genuine: Any, sogni: OpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """invoke, stream, ainvoke and astream all reach the emulator, and only it."""
    llm = langchain_llm(genuine, sogni, monkeypatch)
    assert llm.invoke("hello langchain").content == "hello langchain"
    assert "".join(c.content for c in llm.stream("one two three")) == "one two three"

    async def run() -> tuple[str, str]:
        answer = await llm.ainvoke("async hello")
        pieces = [c.content async for c in llm.astream("async stream")]
        return answer.content, "".join(pieces)

    assert asyncio.run(run()) == ("async hello", "async stream")
    assert len(server.requests) == 4
    assert all(
        r.headers["Authorization"] != "Bearer sk-must-never-be-used" for r in server.requests
    )


# LangChain's streamed json_schema path dumps openai's own parsed chunks, which pydantic warns
# about; the warning is between those two packages.
@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")
def test_langchain_tools_and_structured_output(
    genuine: Any, sogni: OpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bind_tools, and with_structured_output by every method, plainly and streamed."""
    llm = langchain_llm(genuine, sogni, monkeypatch)
    message = llm.bind_tools([get_weather]).invoke('call get_weather({"city": "Oslo"})')
    assert message.tool_calls[0]["name"] == "get_weather"
    assert message.tool_calls[0]["args"] == {"city": "Oslo"}
    extract = 'Extract {"name": "Ada", "age": 36} call Person({"name": "Ada", "age": 36})'
    for method in ("json_schema", "function_calling", "json_mode"):
        structured = llm.with_structured_output(Person, method=method)
        assert structured.invoke(extract) == Person(name="Ada", age=36), method
        streamed = list(structured.stream(extract))
        assert streamed[-1] == Person(name="Ada", age=36), method


def test_langchain_error_mapping_and_retry(
    server: LocalSogniServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Errors are openai's classes, so LangChain's retry on openai.RateLimitError retries."""
    openai = pytest.importorskip("openai")
    langchain_openai = pytest.importorskip("langchain_openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-never-be-used")
    client = server.client(response_types="openai", max_retries=0)
    llm = langchain_openai.ChatOpenAI(
        model=DEFAULT_MODEL, client=client.chat.completions, root_client=client, max_retries=0
    )
    server.fail_next(status=429)
    with pytest.raises(openai.RateLimitError):
        llm.invoke("once")
    server.fail_next(status=429)
    retrying = llm.with_retry(
        retry_if_exception_type=(openai.RateLimitError,),
        wait_exponential_jitter=False,
        stop_after_attempt=2,
    )
    assert retrying.invoke("twice").content == "twice"


def test_langchain_with_default_types_says_what_to_do(
    sogni: OpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Handing LangChain a client that returns this package's types fails with advice."""
    langchain_openai = pytest.importorskip("langchain_openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-never-be-used")
    llm = langchain_openai.ChatOpenAI(
        model=DEFAULT_MODEL, client=sogni.chat.completions, root_client=sogni
    )
    with pytest.raises(TypeError, match="response_types='openai'"):
        llm.invoke("hello")


def test_instructor_from_openai(server: LocalSogniServer, genuine: Any, sogni: OpenAI) -> None:
    """instructor.from_openai takes the genuine client and extracts through a tool call."""
    instructor = pytest.importorskip("instructor")
    client = instructor.from_openai(genuine(sogni))
    person = client.chat.completions.create(
        model=DEFAULT_MODEL,
        response_model=Person,
        messages=[{"role": "user", "content": 'call Person({"name": "Cy", "age": 7})'}],
    )
    assert isinstance(person, Person)
    assert person.model_dump() == {"name": "Cy", "age": 7}
    assert len(server.requests) == 1


@pytest.mark.parametrize("kind", ["ours", "genuine"])
def test_instructor_patch(server: LocalSogniServer, genuine: Any, sogni: OpenAI, kind: str) -> None:
    """instructor.patch wraps our client and the genuine one alike; both extract a model."""
    instructor = pytest.importorskip("instructor")
    client = instructor.patch(sogni if kind == "ours" else genuine(sogni))
    person = client.chat.completions.create(
        model=DEFAULT_MODEL,
        response_model=Person,
        messages=[{"role": "user", "content": 'call Person({"name": "Bo", "age": 3})'}],
    )
    assert isinstance(person, Person)
    assert person.model_dump() == {"name": "Bo", "age": 3}
    assert server.requests[-1].json["tool_choice"]["function"]["name"] == "Person"


def test_outlines_from_openai(server: LocalSogniServer, genuine: Any, sogni: OpenAI) -> None:
    """outlines.from_openai takes the genuine client; a typed output comes back as JSON."""
    outlines = pytest.importorskip("outlines")
    model = outlines.from_openai(genuine(sogni), DEFAULT_MODEL)
    result = model('Describe {"name": "Di", "age": 41}', Person)
    assert Person.model_validate_json(result) == Person(name="Di", age=41)
    sent = server.requests[-1].json
    assert sent["response_format"]["type"] == "json_schema"


def test_haystack_chat_generator_with_a_json_schema(
    server: LocalSogniServer, genuine: Any, sogni: OpenAI
) -> None:
    """Haystack's OpenAIChatGenerator, its clients swapped, with a json_schema format dict."""
    haystack_openai = pytest.importorskip("haystack.components.generators.chat")
    from haystack.dataclasses import ChatMessage
    from haystack.utils import Secret

    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "Person", "schema": Person.model_json_schema(), "strict": True},
    }
    generator = haystack_openai.OpenAIChatGenerator(
        api_key=Secret.from_token("unused"),
        model=DEFAULT_MODEL,
        generation_kwargs={"response_format": fmt},
    )
    generator.client = genuine(sogni)
    generator.async_client = genuine(sogni, asynchronous=True)
    reply = generator.run([ChatMessage.from_user('{"name": "Eve", "age": 30}')])["replies"][0]
    assert json.loads(reply.text) == {"name": "Eve", "age": 30}
    assert server.requests[-1].json["response_format"] == fmt


def test_smolagents_model_with_a_tool(
    server: LocalSogniServer, genuine: Any, sogni: OpenAI
) -> None:
    """Smolagents' OpenAIServerModel, on the genuine client, asks for a tool call."""
    smolagents = pytest.importorskip("smolagents")
    weather = smolagents.tool(get_weather)
    model = smolagents.OpenAIServerModel(model_id=DEFAULT_MODEL, api_key="unused")
    model.client = genuine(sogni)
    text = {"type": "text", "text": 'call get_weather({"city": "Rome"})'}
    message = model.generate([{"role": "user", "content": [text]}], tools_to_call_from=[weather])
    call = message.tool_calls[0]
    assert call.function.name == "get_weather"
    arguments = call.function.arguments
    assert (json.loads(arguments) if isinstance(arguments, str) else arguments) == {"city": "Rome"}
    assert len(server.requests) == 1
    assert server.requests[0].json["sogni_tools"] is False  # translated by sogni_compat


def test_haystack_with_default_types_says_what_to_do(sogni: OpenAI) -> None:
    """Haystack handed this package's client with default types fails with advice."""
    haystack_openai = pytest.importorskip("haystack.components.generators.chat")
    from haystack.dataclasses import ChatMessage
    from haystack.utils import Secret

    generator = haystack_openai.OpenAIChatGenerator(
        api_key=Secret.from_token("unused"), model=DEFAULT_MODEL
    )
    generator.client = sogni
    with pytest.raises(TypeError, match="as_openai"):
        generator.run([ChatMessage.from_user("hello")])
