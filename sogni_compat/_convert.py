"""The package's one cattrs converter: request params -> wire dict, wire dict -> response objects.

Every hook is registered in :func:`make_converter` and generated once per class; the global
cattrs converter is never touched.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from ._params import ChatCompletionParams
from .types import BaseObject
from .types._base import structure_fn_for

__all__ = ["converter", "json_default", "make_converter"]


def _identity(value: Any) -> Any:
    return value


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _nested_hook(conv: cattrs.Converter, tp: Any) -> Callable[[Any], Any] | None:
    """A lenient converter for a field holding a response object or a list of them."""
    tp = _strip_optional(tp)
    if isinstance(tp, type) and issubclass(tp, BaseObject):
        hook = conv.get_structure_hook(tp)
        return lambda value: hook(value, tp) if isinstance(value, dict) else value
    if typing.get_origin(tp) is list:
        (item,) = typing.get_args(tp) or (Any,)
        item = _strip_optional(item)
        if isinstance(item, type) and issubclass(item, BaseObject):
            item_hook = conv.get_structure_hook(item)

            def many(value: Any) -> Any:
                if not isinstance(value, list):
                    return value
                return [item_hook(v, item) if isinstance(v, dict) else v for v in value]

            return many
    return None


def make_converter() -> cattrs.Converter:
    """Build the converter with every hook the package needs."""
    conv = cattrs.Converter()

    def structure_factory(cls: type[BaseObject]) -> Callable[[Any, Any], BaseObject]:
        hints = typing.get_type_hints(cls)
        nested = {}
        for field in attrs.fields(cls):
            if field.name.startswith("_"):
                continue
            hook = _nested_hook(conv, hints[field.name])
            if hook is not None:
                nested[field.name] = hook
        return structure_fn_for(cls, nested)

    conv.register_structure_hook_factory(
        lambda tp: isinstance(tp, type) and issubclass(tp, BaseObject), structure_factory
    )

    def params_factory(cls: type[ChatCompletionParams]) -> Callable[[Any], dict[str, Any]]:
        # Values are already wire values: no per-call copying, only the omission of unset
        # fields. ``sogni_tools`` is always sent (its default, False, is what OpenAI code
        # expects). Generated on first use, not at import.
        overrides = {field.name: override(unstruct_hook=_identity) for field in attrs.fields(cls)}
        overrides["sogni_tools"] = override(unstruct_hook=_identity, omit_if_default=False)
        return make_dict_unstructure_fn(
            cls,
            conv,
            _cattrs_omit_if_default=True,
            **overrides,  # type: ignore[arg-type]
        )

    conv.register_unstructure_hook_factory(lambda tp: tp is ChatCompletionParams, params_factory)
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
