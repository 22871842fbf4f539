"""The pydantic-style surface that code and libraries read works in both response_types."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

from sogni_compat import ChatCompletion, OpenAI

from ._helpers import API_KEY, BASE_URL, CHAT_URL, USER, completion

SENT = {"id", "object", "created", "model", "choices", "usage"}


@pytest.fixture(params=["sogni", "openai"])
def answer(request: pytest.FixtureRequest, mock: responses.RequestsMock) -> Any:
    """One completion, as this package's object or as a genuine openai object."""
    mock.post(CHAT_URL, json=completion("Hi"))
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, response_types=request.param)
    return client.chat.completions.create(messages=USER)


def test_model_fields_set(answer: Any) -> None:
    """model_fields_set names what the server sent."""
    assert answer.model_fields_set == SENT
    assert answer.choices[0].message.model_fields_set == {"role", "content"}


def test_model_dump_options(answer: Any) -> None:
    """model_dump honours exclude_unset, exclude_none, include, exclude and mode."""
    assert set(answer.model_dump(exclude_unset=True)) == SENT
    assert "system_fingerprint" in answer.model_dump()
    assert "system_fingerprint" not in answer.model_dump(exclude_none=True)
    assert answer.model_dump(include={"id", "model"}) == {
        "id": "chatcmpl-1",
        "model": "qwen3.6-35b-a3b-gguf-iq4xs",
    }
    assert "choices" not in answer.model_dump(exclude={"choices"})
    assert answer.model_dump(mode="json", by_alias=True, exclude_unset=True) == completion("Hi")


def test_json_dumps(answer: Any) -> None:
    """model_dump_json(indent=) and to_json() give the same data back."""
    assert json.loads(answer.model_dump_json(indent=2, exclude_unset=True)) == completion("Hi")
    assert json.loads(answer.to_json()) == completion("Hi")
    assert answer.to_dict() == completion("Hi")
    assert "\n" not in answer.model_dump_json()
    assert answer.model_dump_json(include={"id"}) == '{"id":"chatcmpl-1"}'  # compact


def test_model_copy(answer: Any) -> None:
    """model_copy(update=) changes the copy only; deep copies do not share nested objects."""
    changed = answer.model_copy(update={"model": "other"})
    assert changed.model == "other"
    assert answer.model == "qwen3.6-35b-a3b-gguf-iq4xs"
    deep = answer.model_copy(deep=True)
    deep.choices[0].message.content = "changed"
    assert answer.choices[0].message.content == "Hi"


def test_equality(answer: Any) -> None:
    """Objects compare equal by value."""
    assert answer == answer.model_copy()
    assert answer != answer.model_copy(update={"id": "other"})


def test_validate_construct_and_fields() -> None:
    """model_validate builds from a dict, model_construct from keywords; model_fields lists."""
    built = ChatCompletion.model_validate(completion("Hey", sogni_tool_results=[]))
    assert built.choices[0].message.content == "Hey"
    assert built.sogni_tool_results == []
    assert ChatCompletion.model_validate(built) is built
    made = ChatCompletion.model_construct(id="c1", extra_field=1)
    assert made.id == "c1"
    assert getattr(made, "extra_field") == 1
    assert made.model_fields_set == {"id", "extra_field"}
    assert {"id", "choices", "usage"} <= set(ChatCompletion.model_fields)
