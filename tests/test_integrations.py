"""response_types="openai", and the libraries that take an OpenAI client: LangChain, instructor."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pydantic
import pytest

from sogni_compat import OpenAI
from sogni_compat.testing import DEFAULT_MODEL, LocalSogniServer
from sogni_compat.types.chat import ChatCompletionMessageParam

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hello there"}]


class Person(pydantic.BaseModel):
    """What the structured-output tests extract."""

    name: str
    age: int


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSogniServer]:
    """One emulator for the module."""
    with LocalSogniServer(workflow_seconds=0.05) as running:
        yield running


@pytest.fixture
def client(server: LocalSogniServer) -> Iterator[OpenAI]:
    """A client returning genuine openai objects."""
    with server.client(response_types="openai") as c:
        yield c


def test_openai_objects_everywhere(client: OpenAI) -> None:
    """Completions, chunks, final completions, parsed completions and models are openai's."""
    openai = pytest.importorskip("openai")
    answer = client.chat.completions.create(messages=USER)
    assert type(answer) is openai.types.chat.ChatCompletion
    assert answer.choices[0].message.content == "hello there"
    assert answer._request_id is not None
    stream = client.chat.completions.create(messages=USER, stream=True).accumulate()
    chunks = list(stream)
    assert all(type(c) is openai.types.chat.ChatCompletionChunk for c in chunks)
    assert type(stream.get_final_completion()) is openai.types.chat.ChatCompletion
    parsed = client.chat.completions.parse(
        messages=[{"role": "user", "content": '{"name": "Ada", "age": 36}'}],
        response_format=Person,
    )
    assert isinstance(parsed, openai.types.chat.ParsedChatCompletion)
    assert parsed.choices[0].message.parsed == Person(name="Ada", age=36)
    assert all(type(m) is openai.types.Model for m in client.models.list())
    assert type(client.models.retrieve(DEFAULT_MODEL)) is openai.types.Model


def test_tool_loop_in_openai_mode(client: OpenAI) -> None:
    """The tool loop's answer is an openai object that still carries tool_history."""
    openai = pytest.importorskip("openai")
    answer = client.chat.completions.create(
        messages=[{"role": "user", "content": "call clock()"}],
        tools=[{"type": "function", "function": {"name": "clock"}}],
        auto_execute_tools=True,
        tool_handlers={"clock": lambda: "noon"},
    )
    assert type(answer) is openai.types.chat.ChatCompletion
    assert answer.tool_history[0].tool_results[0].content == "noon"
    assert "tool_history" not in answer.model_dump()


def test_openai_mode_needs_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the openai package, response_types='openai' is a clear ImportError."""
    monkeypatch.setitem(sys.modules, "openai", None)
    with pytest.raises(ImportError, match="pip install openai"):
        OpenAI(api_key="k", response_types="openai")


def test_default_import_does_not_load_openai() -> None:
    """Only response_types='openai' imports the openai package."""
    import subprocess

    code = (
        "import sys, sogni_compat; sogni_compat.OpenAI(api_key='k'); print('openai' in sys.modules)"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "False"


@pytest.mark.optional
@pytest.mark.parametrize("response_types", ["openai", "sogni"])
def test_instructor_patch(server: LocalSogniServer, response_types: str) -> None:
    """instructor.patch(client) extracts a model through a forced tool call."""
    instructor = pytest.importorskip("instructor")
    patched = instructor.patch(server.client(response_types=response_types))
    person = patched.chat.completions.create(
        model=DEFAULT_MODEL,
        response_model=Person,
        messages=[{"role": "user", "content": 'call Person({"name": "Cy", "age": 7})'}],
    )
    assert isinstance(person, Person)
    assert (person.name, person.age) == ("Cy", 7)
