"""The pydantic-style surface that code and libraries read works in both response_types."""

from __future__ import annotations

import json
import re
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


@pytest.fixture(params=["sogni", "openai"])
def extras(request: pytest.FixtureRequest, mock: responses.RequestsMock) -> tuple[Any, Any]:
    """An answer and a chunk whose server added undocumented fields, in either response_types."""
    answer = completion("Hi", x_vendor=1)
    answer["choices"][0]["message"]["x_note"] = "n"
    chunk = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "x_shard": 7,
        "choices": [{"index": 0, "delta": {"content": "Hi", "x_part": True}}],
    }
    mock.post(CHAT_URL, json=answer)
    mock.post(
        CHAT_URL,
        body=f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n",
        content_type="text/event-stream",
    )
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, response_types=request.param)
    made = client.chat.completions.create(messages=USER)
    (streamed,) = client.chat.completions.create(messages=USER, stream=True)
    return made, streamed


def test_model_extra_on_answers_and_chunks(extras: tuple[Any, Any]) -> None:
    """model_extra is the dict of undocumented fields ({} when none), as pydantic's is."""
    answer, chunk = extras
    assert answer.model_extra == {"x_vendor": 1}
    assert answer.choices[0].message.model_extra == {"x_note": "n"}
    assert answer.choices[0].model_extra == {}
    assert answer.usage.model_extra == {}
    assert chunk.model_extra == {"x_shard": 7}
    assert chunk.choices[0].delta.model_extra == {"x_part": True}
    assert (chunk.choices[0].model_extra or {}).get("missing") is None
    answer.choices[0].model_extra["added"] = 1  # the dict itself, as in pydantic
    assert answer.choices[0].added == 1


def test_model_json_schema_describes_the_fields() -> None:
    """model_json_schema() lists every documented field, nested classes as resolvable $defs."""
    schema = ChatCompletion.model_json_schema()
    assert schema["title"] == "ChatCompletion"
    assert set(schema["properties"]) == set(ChatCompletion.model_fields)
    assert schema["properties"]["created"]["type"] == "integer"
    assert schema["properties"]["choices"]["items"] == {"$ref": "#/$defs/Choice"}
    refs = re.findall(r'"\$ref": "#/\$defs/(\w+)"', json.dumps(schema))
    assert refs
    assert set(refs) <= set(schema["$defs"])
    message = schema["$defs"]["ChatCompletionMessage"]["properties"]
    assert message["content"]["anyOf"] == [{"type": "string"}, {"type": "null"}]


@pytest.mark.optional
def test_answers_validate_against_their_own_schema(mock: responses.RequestsMock) -> None:
    """Dumps of real answers validate against model_json_schema() (checked by jsonschema)."""
    jsonschema = pytest.importorskip("jsonschema")
    from sogni_compat.types.responses import Response

    body = completion("Hi")
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": "t1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    ]
    mock.post(CHAT_URL, json=body)
    mock.post(CHAT_URL, json=completion("Hey"))
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    answer = client.chat.completions.create(messages=USER)
    jsonschema.validate(answer.model_dump(), ChatCompletion.model_json_schema())
    response = client.responses.create(input="Hey")
    jsonschema.validate(response.model_dump(), Response.model_json_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"created": "noon"}, ChatCompletion.model_json_schema())
