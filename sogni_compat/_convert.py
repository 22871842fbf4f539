"""The package's one cattrs converter, for the caller's own classes.

Response objects read themselves (:meth:`BaseObject.reader`) and a request's params give
their body (:func:`sogni_compat._params.request_body`), so the common paths need no cattrs.
The converter serves what they cannot: a tool handler's typed arguments, ``parse()``'s attrs
classes and dataclasses, and such values inside a request body (:func:`json_default`). Its
hooks for the package's own classes are those same generated functions, registered in
:func:`make_converter`; the global cattrs converter is never touched.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import attrs
import cattrs

from ._params import ChatCompletionParams
from ._params import body_function as _params_hook
from .types import BaseObject

__all__ = ["converter", "json_default", "make_converter"]


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
