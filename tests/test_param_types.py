"""The request's parameter types: openai's TypedDicts under openai's names, read from openai.

Compared with the installed openai package's own classes (read with ``get_type_hints``): every
key of ours is a key of openai's, required exactly when openai requires it (bar the documented
keys this package does not need), and a message's ``role`` or a part's ``type`` takes the same
values. The names import from ``sogni_compat.types.chat``/``.responses`` and ``sogni_compat.types``.
"""

from __future__ import annotations

import typing
from typing import Any, get_args, get_origin

import pytest

import sogni_compat.types
import sogni_compat.types.chat
import sogni_compat.types.responses
from sogni_compat.types._param_names import CHAT_PARAMS, RESPONSE_PARAMS

openai_chat = pytest.importorskip("openai.types.chat")
openai_responses = pytest.importorskip("openai.types.responses")
openai_shared = pytest.importorskip("openai.types.shared_params")
typing_extensions = pytest.importorskip("typing_extensions")

#: Keys openai requires that this package does not need (it sends the value as given, or
#: leaves it out): optional here.
NOT_REQUIRED_HERE = {
    ("FunctionToolParam", "parameters"),
    ("FunctionToolParam", "strict"),
    ("ResponseInputImageParam", "detail"),
}


def _typed_dicts(names: tuple[str, ...], module: Any) -> list[str]:
    return [name for name in names if typing.is_typeddict(getattr(module, name))]


def _theirs(name: str) -> Any:
    for module in (openai_chat, openai_responses, openai_shared):
        found = getattr(module, name, None)
        if found is not None:
            return found
    raise AssertionError(f"openai has no {name}")


def _required(cls: Any) -> tuple[set[str], dict[str, Any]]:
    """The keys openai's class requires (its ``Required[...]``), and each key's type."""
    hints = typing.get_type_hints(cls, include_extras=True)
    required = set()
    types = {}
    for key, hint in hints.items():
        origin = get_origin(hint)
        if origin is typing_extensions.Required:
            required.add(key)
        marked = origin in (typing_extensions.Required, typing_extensions.NotRequired)
        types[key] = get_args(hint)[0] if marked else hint
    return required, types


CHAT = _typed_dicts(CHAT_PARAMS, sogni_compat.types.chat)
RESPONSES = _typed_dicts(RESPONSE_PARAMS, sogni_compat.types.responses)


@pytest.mark.parametrize(
    ("name", "module"),
    [(n, sogni_compat.types.chat) for n in CHAT]
    + [(n, sogni_compat.types.responses) for n in RESPONSES],
)
def test_keys_as_openai_has_them(name: str, module: Any) -> None:
    """Each key is openai's, required as openai requires it, with the same role/type values."""
    ours = getattr(module, name)
    theirs = _theirs(name)
    if not typing_extensions.is_typeddict(theirs):  # a union in openai; ours is its member
        (theirs,) = [kind for kind in get_args(theirs) if kind.__name__ == ours.__name__]
    their_required, their_types = _required(theirs)
    ours_types = typing.get_type_hints(ours)
    assert set(ours_types) <= set(their_types), f"{name}: keys openai does not have"
    required_here = set(ours.__required_keys__)
    assert required_here == their_required - {k for n, k in NOT_REQUIRED_HERE if n == name}
    for key in ("role", "type"):
        if key in ours_types and get_origin(ours_types[key]) is typing.Literal:
            assert set(get_args(ours_types[key])) == set(get_args(their_types[key])), key


def test_the_lists_cover_the_names_asked_for() -> None:
    """Messages, content parts, tools and tool choice, for chat and for responses."""
    assert len(CHAT) >= 15  # the classes compared above
    assert len(RESPONSES) >= 10
    for name in (
        "ChatCompletionMessageParam",
        "ChatCompletionSystemMessageParam",
        "ChatCompletionDeveloperMessageParam",
        "ChatCompletionUserMessageParam",
        "ChatCompletionAssistantMessageParam",
        "ChatCompletionToolMessageParam",
        "ChatCompletionFunctionMessageParam",
        "ChatCompletionContentPartParam",
        "ChatCompletionContentPartTextParam",
        "ChatCompletionContentPartImageParam",
        "ChatCompletionToolParam",
        "ChatCompletionToolChoiceOptionParam",
    ):
        assert name in CHAT_PARAMS
    for name in ("ResponseInputParam", "ResponseInputItemParam", "FunctionToolParam", "ToolParam"):
        assert name in RESPONSE_PARAMS


@pytest.mark.parametrize("name", CHAT_PARAMS + RESPONSE_PARAMS)
def test_one_type_under_each_import_path(name: str) -> None:
    """types.chat (or types.responses) and types give the same object."""
    home = sogni_compat.types.chat if name in CHAT_PARAMS else sogni_compat.types.responses
    assert getattr(home, name) is getattr(sogni_compat.types, name)
    assert name in home.__all__
    assert name in sogni_compat.types.__all__


def test_a_misspelt_name_is_still_an_attribute_error() -> None:
    """The lazy module attributes serve their names only."""
    with pytest.raises(AttributeError, match="ChatCompletionMesageParam"):
        getattr(sogni_compat.types.chat, "ChatCompletionMesageParam")
    with pytest.raises(AttributeError, match="ResponseInputParams"):
        getattr(sogni_compat.types.responses, "ResponseInputParams")
