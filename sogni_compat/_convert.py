"""The package's one cattrs converter: request params -> wire dict, wire dict -> response objects.

Every hook is registered in :func:`make_converter` and generated once per class; the global
cattrs converter is never touched.
"""

from __future__ import annotations

import builtins
import dataclasses
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable
from typing import Any

import attrs
import cattrs

from ._params import ChatCompletionParams
from .types import BaseObject
from .types._base import Nested, structure_fn_for

__all__ = ["converter", "json_default", "make_converter"]


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _nested_hook(conv: cattrs.Converter, tp: Any) -> Nested | None:
    """How to structure a field holding a response object or a list of them, if it does."""
    tp = _strip_optional(tp)
    if isinstance(tp, type) and issubclass(tp, BaseObject):
        return conv.get_structure_hook(tp), False
    if typing.get_origin(tp) is list:
        (item,) = typing.get_args(tp) or (Any,)
        item = _strip_optional(item)
        if isinstance(item, type) and issubclass(item, BaseObject):
            return conv.get_structure_hook(item), True
    return None


#: An annotation :func:`_declared_type` leaves to ``typing.get_type_hints``.
_UNREAD: Any = object()
#: ``X``, ``X | None``, ``list[X]`` or ``list[X] | None``, as response fields are declared.
_SIMPLE = re.compile(r"(?:list\[(\w+)\]|(\w+))(?: \| None)?")
_NAME = re.compile(r"\w+")


def _declared_type(cls: type, name: str, annotation: Any) -> Any:
    """The type of field ``name`` as far as structuring needs it, read without ``eval``.

    Response fields are declared as strings (postponed annotations); evaluating them all with
    ``typing.get_type_hints`` compiles each one, which is most of the cost of a client's first
    answer. An annotation naming no response class is simply ``Any`` here; a simple one is
    resolved by name in the module that declared the field; anything else is :data:`_UNREAD`.
    """
    if not isinstance(annotation, str):
        return annotation
    owner = next((klass for klass in cls.__mro__ if name in inspect.get_annotations(klass)), cls)
    namespace = vars(sys.modules[owner.__module__])

    def response_class(word: str) -> type | None:
        found = namespace.get(word)
        return found if isinstance(found, type) and issubclass(found, BaseObject) else None

    words = _NAME.findall(annotation)
    if "." in annotation or any(
        word not in namespace and not hasattr(builtins, word) for word in words
    ):
        return _UNREAD  # a dotted or unknown name: typing knows how to look it up
    if not any(response_class(word) for word in words):
        return Any
    simple = _SIMPLE.fullmatch(annotation)
    if simple is None:
        return _UNREAD
    item = response_class(simple.group(1) or simple.group(2))
    return list[item] if simple.group(1) else item  # type: ignore[valid-type]


def _params_hook(cls: type[ChatCompletionParams]) -> Callable[[Any], dict[str, Any]]:
    """The JSON body of a :class:`ChatCompletionParams`: each field that is not its default.

    Values are already wire values, so nothing is converted or copied. ``sogni_tools`` is
    always sent (its default, ``False``, is what OpenAI code expects). Generated once, on
    first use, in field order; a ``None`` default is tested with ``is not None``.
    """
    env: dict[str, Any] = {}
    lines = ["def unstructure(params):", "    out = {}"]
    for number, field in enumerate(attrs.fields(cls)):
        name = field.name
        if not field.init:
            continue
        default = field.default
        if name == "sogni_tools" or default is attrs.NOTHING:
            lines.append(f"    out[{name!r}] = params.{name}")
            continue
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            env[f"default{number}"] = default.factory
            test = f"value != default{number}({'params' if default.takes_self else ''})"
        elif default is None:
            test = "value is not None"
        else:
            env[f"default{number}"] = default
            test = f"value != default{number}"
        lines += [f"    value = params.{name}", f"    if {test}:", f"        out[{name!r}] = value"]
    lines.append("    return out")
    exec(compile("\n".join(lines), f"<unstructure {cls.__qualname__}>", "exec"), env)
    made: Callable[[Any], dict[str, Any]] = env["unstructure"]
    return made


def make_converter() -> cattrs.Converter:
    """Build the converter with every hook the package needs."""
    conv = cattrs.Converter()

    def structure_factory(cls: type[BaseObject]) -> Callable[[Any, Any], BaseObject]:
        nested: dict[str, Nested] = {}
        hints: dict[str, Any] | None = None
        for field in attrs.fields(cls):
            if field.name.startswith("_"):
                continue
            tp = _declared_type(cls, field.name, field.type)
            if tp is _UNREAD:  # not a simple annotation: let typing evaluate them all
                if hints is None:
                    hints = typing.get_type_hints(cls)
                tp = hints[field.name]
            hook = _nested_hook(conv, tp)
            if hook is not None:
                nested[field.name] = hook
        return structure_fn_for(cls, nested)

    conv.register_structure_hook_factory(
        lambda tp: isinstance(tp, type) and issubclass(tp, BaseObject), structure_factory
    )

    conv.register_unstructure_hook_factory(lambda tp: tp is ChatCompletionParams, _params_hook)
    return conv


#: The shared converter instance.
converter = make_converter()


def json_default(value: Any) -> Any:
    """``json.dumps`` fallback: response objects, pydantic models, attrs classes, dataclasses.

    Lets a request body carry a message from an earlier answer, and a tool handler return
    structured values.
    """
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump):
        return model_dump(mode="json", exclude_unset=True)
    if attrs.has(type(value)) or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
        return converter.unstructure(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
