"""The package's one cattrs converter: request params -> wire dict, wire dict -> response objects.

Every hook is registered in :func:`make_converter` and generated once per class; the global
cattrs converter is never touched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import attrs
import cattrs

from ._params import ChatCompletionParams
from .types import BaseObject

__all__ = ["converter", "json_default", "make_converter"]


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

    # Response objects read themselves (BaseObject.reader): one generated function per class.
    conv.register_structure_hook_factory(
        lambda tp: isinstance(tp, type) and issubclass(tp, BaseObject),
        lambda cls: cls.reader(),
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
