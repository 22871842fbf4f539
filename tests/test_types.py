"""Response objects: lenient parsing, extras, dumps that round-trip, repr, copying."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any, cast

import attrs
import pytest
import responses

from sogni_compat import (
    ChatCompletion,
    ChatCompletionMessage,
    ChatCompletionMessageToolCall,
    OpenAI,
)
from sogni_compat.types import BaseObject
from sogni_compat.types._base import response_type

from ._helpers import CHAT_URL, USER, completion

WIRE: dict[str, Any] = {
    "id": "chatcmpl-6c1f",
    "object": "chat.completion",
    "created": 1767225600,
    "model": "qwen3.6-35b-a3b-gguf-iq4xs",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": None,
                "reasoning_content": "The user wants weather.",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                    }
                ],
            },
        }
    ],
    "usage": {
        "prompt_tokens": 1843,
        "completion_tokens": 212,
        "total_tokens": 2055,
        "completion_tokens_details": {"reasoning_tokens": 100},
    },
    "sogni_tool_results": [
        {"tool": "generate_image", "success": True, "urls": ["https://x/1.png"]}
    ],
    "creative_workflows": [{"workflowId": "wf_1", "status": "completed"}],
    "server_extra": {"nested": [1, 2]},
}


@pytest.fixture
def answer(client: OpenAI, mock: responses.RequestsMock) -> ChatCompletion:
    """The WIRE completion as parsed by the client."""
    mock.post(CHAT_URL, json=WIRE, headers={"x-request-id": "req_42"})
    return client.chat.completions.create(messages=USER)


def test_fields_and_nested_types(answer: ChatCompletion) -> None:
    """Known fields are typed objects: choices, message, tool calls, usage."""
    message = answer.choices[0].message
    assert isinstance(message, ChatCompletionMessage)
    assert message.content is None
    assert answer.choices[0].finish_reason == "tool_calls"
    call = message.tool_calls[0] if message.tool_calls else None
    assert isinstance(call, ChatCompletionMessageToolCall)
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Oslo"}
    assert answer.usage is not None
    assert answer.usage.total_tokens == 2055
    assert answer.usage.completion_tokens_details is not None
    assert answer.usage.completion_tokens_details.reasoning_tokens == 100
    assert answer.sogni_tool_results == WIRE["sogni_tool_results"]
    assert answer.creative_workflows == WIRE["creative_workflows"]
    assert answer._request_id == "req_42"


def test_unknown_fields_are_attributes(answer: ChatCompletion) -> None:
    """Fields the server adds are kept and readable as attributes."""
    assert getattr(answer, "server_extra") == {"nested": [1, 2]}
    assert answer.choices[0].message.reasoning_content == "The user wants weather."
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        getattr(answer, "missing")


def test_optional_fields_read_none(answer: ChatCompletion) -> None:
    """Optional fields the server did not send read None."""
    message = answer.choices[0].message
    assert message.refusal is None
    assert message.function_call is None
    assert message.annotations is None
    assert message.audio is None
    assert answer.system_fingerprint is None
    assert answer.service_tier is None
    assert answer.choices[0].logprobs is None


def test_to_dict_round_trips_the_wire(answer: ChatCompletion) -> None:
    """to_dict()/to_json() give back exactly what the server sent."""
    assert answer.to_dict() == WIRE
    assert json.loads(answer.to_json()) == WIRE


def test_explicit_null_is_kept(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A field sent as null is dumped as null; a field not sent is left out."""
    mock.post(CHAT_URL, json=completion(system_fingerprint=None))
    dumped = client.chat.completions.create(messages=USER).to_dict()
    assert dumped["system_fingerprint"] is None
    assert "service_tier" not in dumped


def test_model_dump_includes_every_field(answer: ChatCompletion) -> None:
    """model_dump() lists every field, absent ones as None, plus the extras."""
    dumped = answer.model_dump()
    assert dumped["system_fingerprint"] is None
    assert dumped["choices"][0]["message"]["refusal"] is None
    assert dumped["server_extra"] == {"nested": [1, 2]}
    assert json.loads(answer.model_dump_json()) == dumped
    assert "refusal" not in answer.model_dump(exclude_none=True)["choices"][0]["message"]


def test_pickle_and_deepcopy(answer: ChatCompletion) -> None:
    """Objects survive pickle and deepcopy with fields and extras intact."""
    for clone in (pickle.loads(pickle.dumps(answer)), copy.deepcopy(answer)):
        assert clone == answer
        assert clone.to_dict() == WIRE
        assert getattr(clone, "server_extra") == {"nested": [1, 2]}


def test_readable_repr(answer: ChatCompletion) -> None:
    """The repr names the class and shows the fields that have values."""
    text = repr(answer.choices[0].message)
    assert text.startswith("ChatCompletionMessage(role='assistant'")
    assert "get_weather" in text
    assert "refusal" not in text


def test_objects_built_in_code_dump_their_values() -> None:
    """An object constructed directly dumps the fields that were given values."""
    message = ChatCompletionMessage(role="assistant", content="hi")
    assert message.to_dict() == {"role": "assistant", "content": "hi"}
    message.content = "changed"
    assert message.to_dict()["content"] == "changed"


def test_wrong_nested_shapes_are_kept_not_rejected(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """An unexpected shape in an optional field is kept as sent rather than failing the call."""
    mock.post(CHAT_URL, json=completion(usage="n/a", created="yesterday"))
    answer = client.chat.completions.create(messages=USER)
    assert cast(object, answer.usage) == "n/a"
    assert cast(object, answer.created) == "yesterday"


def test_structure_keeps_extras_defaults_and_sent_names() -> None:
    """Objects built from JSON keep unknown keys, default the absent ones, remember the sent."""
    from sogni_compat._convert import converter
    from sogni_compat.types import ChatCompletionChunk

    plain = {"id": "c1", "choices": [{"index": 0, "delta": {"content": "hi"}}]}
    chunk = converter.structure(plain, ChatCompletionChunk)
    assert chunk.choices[0].delta.content == "hi"
    assert chunk.model_fields_set == {"id", "choices"}
    assert chunk.to_dict() == plain
    assert chunk.choices[0].finish_reason is None
    odd = {"id": "c2", "choices": [], "sogni_extra": {"x": 1}, "created": "soon"}
    other = converter.structure(odd, ChatCompletionChunk)
    assert getattr(other, "sogni_extra") == {"x": 1}
    created: object = other.created
    assert created == "soon"  # kept, not coerced
    assert other.to_dict() == odd


def test_server_keys_never_shadow_methods_or_internals() -> None:
    """Keys named like methods or private attributes stay extras; the object keeps working."""
    hostile = {
        **completion(),
        "to_dict": 1,
        "model_dump": 2,
        "_extra": 3,
        "_fields_set": 4,
        "_request_id": 5,
        "__class__": 6,
    }
    answer = ChatCompletion.model_validate(hostile)
    assert type(answer) is ChatCompletion
    assert answer.to_dict() == hostile
    assert answer.model_dump()["model_dump"] == 2
    assert answer._request_id is None
    assert answer.choices[0].message.content == completion()["choices"][0]["message"]["content"]


def test_reading_leaves_the_given_dict_alone() -> None:
    """Building an object from a dict copies it: the caller's dict and its nesting are unchanged."""
    given = copy.deepcopy(WIRE)
    answer = ChatCompletion.model_validate(given)
    assert given == WIRE
    assert type(given["choices"][0]["message"]) is dict
    answer.choices[0].message.content = "changed"
    answer.model = "other"
    assert given == WIRE


def test_objects_read_from_the_server_do_not_share_state() -> None:
    """Two objects read from JSON keep separate fields and extras, however they are changed."""
    first = ChatCompletion.model_validate(completion())
    second = ChatCompletion.model_validate(completion())
    first.choices.append(first.choices[0])
    changed = first.model_copy(update={"brand_new": 1})
    assert len(second.choices) == 1
    assert getattr(changed, "brand_new") == 1
    assert "brand_new" not in second.model_dump()
    assert "brand_new" not in first.model_dump()
    assert second == ChatCompletion.model_validate(completion())


@response_type
class Inner(BaseObject):
    """A response class declared outside the package."""

    value: int = 0


@response_type
class Outer(ChatCompletion):
    """A subclass in another module: inherited fields resolve where they were declared."""

    inner: Inner | None = None
    inners: list[Inner] = attrs.field(factory=list)
    by_name: dict[str, Inner] | None = None  # not a simple annotation: typing evaluates it


def test_subclasses_elsewhere_structure_their_fields() -> None:
    """A user's subclass gets nested objects for its own and inherited fields, read once each."""
    from sogni_compat._convert import converter

    wire = {
        **completion(),
        "inner": {"value": 3},
        "inners": [{"value": 1}, {"value": 2}],
        "by_name": {"a": {"value": 1}},
    }
    made = converter.structure(wire, Outer)
    assert type(made.choices[0].message) is ChatCompletionMessage
    assert type(made.inner) is Inner
    assert made.inner.value == 3
    assert [type(i) for i in made.inners] == [Inner, Inner]
    assert cast(object, made.by_name) == {"a": {"value": 1}}  # dicts of objects: kept as sent
    assert made.to_dict() == wire
    assert converter.structure(completion(), Outer).inners == []


def test_absent_list_fields_are_fresh_and_not_sent() -> None:
    """A list field the server left out is a new empty list per object, not counted as sent."""
    first = ChatCompletion.model_validate({"id": "x"})
    second = ChatCompletion.model_validate({"id": "x"})
    first.choices.append(second)  # type: ignore[arg-type]
    assert second.choices == []
    assert second.model_fields_set == {"id"}
    assert second.to_dict() == {"id": "x"}
    assert second.model_dump()["choices"] == []


def test_dotted_annotations_are_resolved() -> None:
    """Fields annotated as ``module.Class`` still get nested objects."""
    from ._dotted_types import Dotted

    message = {"role": "assistant", "content": "hi"}
    made = Dotted.model_validate({**completion(), "msgs": [message], "one": message})
    assert made.msgs is not None
    assert type(made.msgs[0]) is ChatCompletionMessage
    assert type(made.one) is ChatCompletionMessage


def test_subclasses_made_with_plain_attrs_read_their_fields() -> None:
    """A user's subclass made with attrs.define (slotted or not) is read through its __init__."""
    from ._dotted_types import PlainCompletion, PlainSlotted

    slotted = PlainSlotted.model_validate({"a": 1})
    assert (slotted.a, slotted.b) == (1, "x")
    assert slotted.to_dict() == {"a": 1}
    assert pickle.loads(pickle.dumps(slotted)) == slotted
    plain = PlainCompletion.model_validate(completion())
    assert plain.note == "n"
    assert type(plain.choices[0].message) is ChatCompletionMessage
    assert copy.deepcopy(plain) == plain


def test_attrs_asdict_of_an_answer_serialises() -> None:
    """attrs.asdict of an object read from the server is plain data: JSON, pickle, deepcopy."""
    answer = ChatCompletion.model_validate(completion())
    plain = attrs.asdict(answer)
    json.dumps(plain)
    assert pickle.loads(pickle.dumps(plain)) == copy.deepcopy(plain)
    assert plain["choices"][0]["message"]["content"] == answer.choices[0].message.content


@pytest.mark.parametrize(
    "wire",
    [
        {"role": "assistant"},
        {"role": "assistant", "x_vendor": 1},  # an extra: read by the general path
    ],
)
def test_an_assignment_counts_as_set_however_the_object_was_read(wire: dict[str, Any]) -> None:
    """Assigning a field makes it set and dumped, with or without extras, as pydantic does."""
    message = ChatCompletionMessage.model_validate(wire)
    message.content = "from code"
    assert message.to_dict() == {**wire, "content": "from code"}
    assert "content" in message.model_fields_set
    answer = ChatCompletion.model_validate({"id": "x"})  # choices absent: a fresh list
    answer.model = "m"
    assert answer.to_dict() == {"id": "x", "model": "m"}


def test_unknown_attributes_become_extras() -> None:
    """Setting a name that is not a field keeps it as an extra field, dumped like the others."""
    message = ChatCompletionMessage.model_validate({"role": "assistant", "x_vendor": 1})
    setattr(message, "brand_new", 2)
    setattr(message, "x_vendor", 3)
    assert getattr(message, "brand_new") == 2
    assert message.to_dict() == {"role": "assistant", "x_vendor": 3, "brand_new": 2}
    assert {"brand_new", "x_vendor"} <= message.model_fields_set
    other = ChatCompletionMessage.model_validate({"role": "assistant"})
    with pytest.raises(AttributeError):
        getattr(other, "brand_new")  # nothing shared between objects


def test_absent_list_field_does_not_alias_the_given_dict() -> None:
    """Changing the dict an object was read from afterwards changes nothing in the object."""
    wire: dict[str, Any] = {"id": "x", "model": "m"}
    answer = ChatCompletion.model_validate(wire)
    wire["system_fingerprint"] = "z"
    del wire["id"]
    assert answer.to_dict() == {"id": "x", "model": "m"}
