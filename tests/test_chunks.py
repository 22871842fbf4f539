"""The one-pass builder of common chunks gives what the general path gives, or steps aside."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sogni_compat._chunks import common_chunk
from sogni_compat._convert import converter
from sogni_compat._streaming import check_chunk
from sogni_compat.types import BaseObject, ChatCompletionChunk

ABSENT: Any = ...


def mostly(valid: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually a valid value, now and then an odd one."""
    return st.one_of(valid, valid, valid, valid, odd)


def rarely(odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually absent, now and then present (an extra field)."""
    return mostly(st.just(ABSENT), odd)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value for a key that may be missing."""
    return st.one_of(st.just(ABSENT), strategy, strategy)


def present(**keys: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A dict of the keys whose drawn value is not absent."""
    return st.fixed_dictionaries(keys).map(
        lambda d: {k: v for k, v in d.items() if v is not ABSENT}
    )


#: Values of the wrong type for some field or other.
ODD_VALUES: list[Any] = [7, ["x"], {"a": 1}, True, "s", None, 1.5, [], {}]
WRONG = st.sampled_from(ODD_VALUES)
TEXT = mostly(st.one_of(st.text(max_size=5), st.none()), WRONG)
INDEX = mostly(st.integers(0, 3), st.sampled_from(["0", None, 1.5]))
FUNCTION = mostly(
    present(name=maybe(TEXT), arguments=maybe(TEXT), extra=rarely(TEXT)),
    st.sampled_from([None, "f", 3]),
)
CALL = mostly(
    present(
        index=mostly(INDEX, st.just(ABSENT)),
        id=maybe(TEXT),
        type=maybe(TEXT),
        function=maybe(FUNCTION),
        extra=rarely(TEXT),
    ),
    WRONG,
)
DELTA = mostly(
    present(
        content=maybe(TEXT),
        role=maybe(TEXT),
        reasoning_content=maybe(TEXT),
        refusal=maybe(TEXT),
        tool_calls=maybe(
            mostly(st.lists(CALL, min_size=1, max_size=1), st.lists(CALL, max_size=3) | WRONG)
        ),
        function_call=rarely(st.sampled_from([None, {"name": "f"}])),
        extra=rarely(TEXT),
    ),
    st.sampled_from([None, "delta", ABSENT]),
)
CHOICE = mostly(
    present(
        index=mostly(INDEX, st.just(ABSENT)),
        delta=DELTA,
        finish_reason=maybe(st.sampled_from([None, "stop", 3])),
        logprobs=rarely(st.sampled_from([None, {"content": []}])),
        extra=rarely(TEXT),
    ),
    WRONG,
)
CHUNK = present(
    id=maybe(TEXT),
    object=maybe(st.just("chat.completion.chunk")),
    created=maybe(mostly(st.integers(0, 9), st.just("soon"))),
    model=maybe(TEXT),
    choices=mostly(
        st.lists(CHOICE, min_size=1, max_size=1), st.lists(CHOICE, max_size=3) | WRONG | st.none()
    ),
    usage=rarely(st.sampled_from([None, {"total_tokens": 3}])),
    system_fingerprint=maybe(TEXT),
    service_tier=maybe(TEXT),
    extra=rarely(TEXT),
)


VALID_TEXT = st.one_of(st.text(max_size=5), st.none())
COMMON_CALL = present(
    index=st.integers(0, 3),
    id=maybe(VALID_TEXT),
    type=maybe(VALID_TEXT),
    function=maybe(
        st.one_of(st.none(), present(name=maybe(VALID_TEXT), arguments=maybe(VALID_TEXT)))
    ),
)
COMMON_DELTA = present(
    reasoning=rarely(VALID_TEXT),
    content=maybe(VALID_TEXT),
    role=maybe(VALID_TEXT),
    reasoning_content=maybe(VALID_TEXT),
    refusal=maybe(VALID_TEXT),
    tool_calls=maybe(st.lists(COMMON_CALL, min_size=1, max_size=1)),
)
#: Chunks as servers send them: one choice, a text delta or one tool-call fragment.
COMMON = present(
    id=maybe(st.text(max_size=5)),
    object=maybe(st.just("chat.completion.chunk")),
    created=maybe(st.integers(0, 9)),
    model=maybe(st.text(max_size=5)),
    choices=st.lists(
        present(
            index=st.integers(0, 3),
            delta=COMMON_DELTA,
            finish_reason=maybe(st.sampled_from([None, "stop", "tool_calls"])),
            stop_reason=rarely(st.sampled_from([None, "stop", 7])),
        ),
        min_size=1,
        max_size=1,
    ),
    system_fingerprint=maybe(VALID_TEXT),
    service_tier=maybe(VALID_TEXT),
    sent_at=rarely(st.floats(0, 10)),
)


def dicts_in(value: object) -> list[dict[str, Any]]:
    """Every dict inside ``value``, itself included."""
    found = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


#: Keys a spoiled chunk may gain: one no level declares, and ones only some levels declare.
EXTRA_KEYS = ["extra", "index", "delta", "usage", "logprobs", "function_call", "tool_calls"]


@st.composite
def spoiled(draw: st.DrawFn) -> dict[str, Any]:
    """A common chunk with one thing wrong, added or taken away, somewhere inside."""
    wire: dict[str, Any] = draw(COMMON)
    lists = [v for d in dicts_in(wire) for v in d.values() if isinstance(v, list)]
    if draw(st.integers(0, 3)) == 0:  # one list (choices, tool calls) emptied or doubled
        chosen = draw(st.sampled_from(lists))
        if draw(st.booleans()):
            chosen.clear()
        else:
            chosen.append(copy.deepcopy(chosen[0]))
        return wire
    target = draw(st.sampled_from(dicts_in(wire)))
    key = draw(st.one_of(st.sampled_from(sorted(target) or ["extra"]), st.sampled_from(EXTRA_KEYS)))
    action = draw(st.sampled_from(["wrong", "delete", "none"]))
    if action == "delete":
        target.pop(key, None)
    else:
        target[key] = None if action == "none" else draw(WRONG)
    return wire


def same(ours: object, theirs: object, where: str = "chunk") -> None:
    """Equal objects all the way down: types, values and what the server sent."""
    assert type(ours) is type(theirs), where
    if isinstance(ours, BaseObject):
        assert isinstance(theirs, BaseObject)
        assert ours.model_fields_set == theirs.model_fields_set, where
        assert ours._extra == theirs._extra, where
        for name in type(ours)._field_names():
            same(getattr(ours, name), getattr(theirs, name), f"{where}.{name}")
    elif isinstance(ours, list):
        assert isinstance(theirs, list)
        assert len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            same(a, b, f"{where}[{i}]")
    else:
        assert ours == theirs, where


def check_agreement(wire: dict[str, Any]) -> bool:
    """The builder on ``wire`` agrees with the general path; whether it built the chunk."""
    general = copy.deepcopy(wire)
    problem = check_chunk(general)
    given_copy = copy.deepcopy(wire)
    fast = common_chunk(given_copy)
    if fast is None:
        assert given_copy == wire  # stepping aside changes nothing
        return False
    assert problem is None, problem  # a malformed chunk is never built here
    expected = converter.structure(general, ChatCompletionChunk)
    same(fast, expected)
    assert fast.to_dict() == expected.to_dict()
    return True


@settings(max_examples=600)
@given(st.one_of(CHUNK, spoiled(), spoiled()))
def test_agrees_with_the_general_path(wire: dict[str, Any]) -> None:
    """On any chunk, odd or nearly common, the builder gives the general path's objects or None."""
    check_agreement(wire)


@given(COMMON)
def test_common_chunks_are_built_here(wire: dict[str, Any]) -> None:
    """Every chunk of the common shape is built in one pass, equal to the general path's."""
    fast = common_chunk(copy.deepcopy(wire))
    assert fast is not None
    general = copy.deepcopy(wire)
    assert check_chunk(general) is None
    same(fast, converter.structure(general, ChatCompletionChunk))
    assert fast.to_dict() == wire


BASES = [
    {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "Hi"}}]},
    {
        "id": "c",
        "choices": [
            {
                "index": 0,
                "delta": {
                    "role": "assistant",
                    "tool_calls": [
                        {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f"}}
                    ],
                },
                "finish_reason": None,
            }
        ],
    },
]
EVERY_KEY = sorted(
    {
        *EXTRA_KEYS,
        "id",
        "object",
        "created",
        "model",
        "choices",
        "content",
        "role",
        "refusal",
        "reasoning_content",
        "type",
        "function",
        "name",
        "arguments",
        "finish_reason",
        "system_fingerprint",
        "service_tier",
    }
)


def test_every_single_change_agrees() -> None:
    """Each key of each level set to each odd value, or removed: the two paths agree."""
    built = stepped_aside = 0
    for base in BASES:
        for number in range(len(dicts_in(base))):
            for key in EVERY_KEY:
                for value in [*ODD_VALUES, ABSENT]:
                    wire = copy.deepcopy(base)
                    target = dicts_in(wire)[number]
                    if value is ABSENT:
                        target.pop(key, None)
                    else:
                        target[key] = copy.deepcopy(value)
                    if check_agreement(wire):
                        built += 1
                    else:
                        stepped_aside += 1
    assert built > 50
    assert stepped_aside > 500


def test_common_shapes_are_built_here() -> None:
    """A text delta and a tool-call fragment, as servers send them, take the one-pass path."""
    text = {"id": "c", "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}]}
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f"}}
    tool = {"id": "c", "choices": [{"index": 0, "delta": {"tool_calls": [call]}}]}
    vendor = {  # servers' own additions at each level: a timestamp, vLLM's stop_reason
        "id": "c",
        "sent_at": 12.5,
        "choices": [
            {"index": 0, "delta": {"content": "Hi", "reasoning": "r"}, "stop_reason": None}
        ],
    }
    for wire in (text, tool, vendor):
        assert check_agreement(copy.deepcopy(wire))
        built = common_chunk(copy.deepcopy(wire))
        assert built is not None
        assert built.to_dict() == wire
    extra = common_chunk(copy.deepcopy(vendor))
    assert extra is not None
    assert getattr(extra, "sent_at") == 12.5
    assert getattr(extra.choices[0], "stop_reason") is None
    assert getattr(extra.choices[0].delta, "reasoning") == "r"
    assert common_chunk({"id": "c", "choices": [], "usage": {"total_tokens": 3}}) is None


def test_built_chunks_behave_like_any_other() -> None:
    """A chunk built in one pass pickles, copies, dumps and updates as a general one does."""
    import pickle

    wire = {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "Hi"}}]}
    fast = common_chunk(copy.deepcopy(wire))
    general = converter.structure(copy.deepcopy(wire), ChatCompletionChunk)
    assert fast is not None
    for clone in (pickle.loads(pickle.dumps(fast)), copy.deepcopy(fast), copy.copy(fast)):
        same(clone, general)
    assert fast.model_dump(exclude_unset=True) == general.model_dump(exclude_unset=True) == wire
    assert repr(fast) == repr(general)
    updated = fast.model_copy(update={"created": 5, "sogni": 1})
    assert updated.model_fields_set == {"id", "model", "choices", "created", "sogni"}
    assert fast.model_fields_set == {"id", "model", "choices"}
    fast.choices[0].delta.role = "assistant"
    assert fast.to_dict()["choices"][0]["delta"] == {"content": "Hi", "role": "assistant"}
    assert fast.choices[0].delta.refusal is None
    assert fast.usage is None
