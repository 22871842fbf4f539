"""Structured outputs for ``chat.completions.parse()``: a JSON schema from a type, and back.

The type may be a pydantic model (when pydantic is installed; it is not a dependency), an attrs
class or a dataclass, nested through fields typed as other such classes, lists, tuples, dicts,
optionals, unions, enums and literals. attrs classes and dataclasses are built with the
package's cattrs converter, pydantic models with ``model_validate``.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import types
import typing
from typing import Any

import attrs
import cattrs
import requests

from ._convert import converter
from ._errors import (
    APIResponseValidationError,
    ContentFilterFinishReasonError,
    LengthFinishReasonError,
)
from ._json import loads
from .types import ChatCompletion

__all__ = ["parse_completion", "response_format_for"]

_SEQUENCES = (
    list,
    set,
    frozenset,
    collections.abc.Sequence,
    collections.abc.MutableSequence,
    collections.abc.Set,
    collections.abc.Iterable,
)
_MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


def _is_pydantic(tp: Any) -> bool:
    return isinstance(tp, type) and callable(getattr(tp, "model_json_schema", None))


def _is_record(tp: Any) -> bool:
    return isinstance(tp, type) and (attrs.has(tp) or dataclasses.is_dataclass(tp))


def check_output_type(tp: object) -> type:
    """Refuse anything but a pydantic model, an attrs class or a dataclass (before sending)."""
    if _is_pydantic(tp) or _is_record(tp):
        assert isinstance(tp, type)
        return tp
    raise TypeError(
        "response_format must be a pydantic model, an attrs class or a dataclass; got "
        f"{tp!r}. For a response_format dict, use chat.completions.create()"
    )


def response_format_for(tp: type) -> dict[str, Any]:
    """The strict ``json_schema`` response format describing ``tp``."""
    schema = (
        _strict(tp.model_json_schema())  # type: ignore[attr-defined]
        if _is_pydantic(tp)
        else _Schemas().root(tp)
    )
    return {
        "type": "json_schema",
        "json_schema": {"name": tp.__name__, "schema": schema, "strict": True},
    }


def _strict(schema: Any) -> Any:
    """Every object closed and every property required, as strict structured outputs want."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _strict(value) for key, value in schema.items()}
    if out.get("type") == "object" and isinstance(out.get("properties"), dict):
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out


class _Schemas:
    """Builds JSON schemas for attrs classes and dataclasses, sharing ``$defs``."""

    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def root(self, tp: type) -> dict[str, Any]:
        schema = self.record(tp)
        self.defs.pop(tp.__name__, None)
        if self.defs:
            schema = {**schema, "$defs": self.defs}
        return schema

    def record(self, tp: type) -> dict[str, Any]:
        try:
            hints = typing.get_type_hints(tp)
        except NameError as exc:
            raise TypeError(
                f"cannot read the field types of {tp.__name__} ({exc}); classes used as "
                "response_format must be importable: define them at module level"
            ) from None
        if attrs.has(tp):
            names = [field.name for field in attrs.fields(tp) if field.init]
        else:
            names = [field.name for field in dataclasses.fields(tp) if field.init]
        properties = {}
        for name in names:
            try:
                properties[name] = self.of(hints[name])
            except TypeError as exc:
                raise TypeError(f"{tp.__name__}.{name}: {exc}") from None
        schema: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "required": names,
            "additionalProperties": False,
        }
        doc = tp.__doc__
        if doc and not doc.startswith(f"{tp.__name__}("):  # dataclasses make up a docstring
            schema["description"] = doc.strip().splitlines()[0]
        return schema

    def of(self, tp: Any) -> dict[str, Any]:
        """The schema of one field type."""
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
        if tp is Any or tp is object:
            return {}
        if tp is type(None):
            return {"type": "null"}
        if tp in simple:
            return {"type": simple[tp]}
        if origin is typing.Literal:
            return {"enum": list(args)}
        if origin in (typing.Union, types.UnionType):
            return {"anyOf": [self.of(arg) for arg in args]}
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return {"enum": [member.value for member in tp]}
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return {"type": "array", "items": self.of(args[0])}
            items = [self.of(arg) for arg in args]
            return {
                "type": "array",
                "prefixItems": items,
                "minItems": len(items),
                "maxItems": len(items),
            }
        if origin in _SEQUENCES or tp in (list, set, frozenset):
            return {"type": "array", "items": self.of(args[0]) if args else {}}
        if origin in _MAPPINGS or tp is dict:
            return {"type": "object", "additionalProperties": self.of(args[1]) if args else {}}
        if _is_record(tp):
            name = tp.__name__
            if name not in self.defs:
                self.defs[name] = {}  # placeholder: a class may refer to itself
                self.defs[name] = self.record(tp)
            return {"$ref": f"#/$defs/{name}"}
        if _is_pydantic(tp):
            return _strict(tp.model_json_schema())  # type: ignore[no-any-return]
        raise TypeError(f"cannot describe {tp!r} as JSON")


def _build(tp: type, data: Any) -> Any:
    if _is_pydantic(tp):
        return tp.model_validate(data)  # type: ignore[attr-defined]
    return converter.structure(data, tp)


def _problem(exc: Exception) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(exc, path="$"))
    return str(exc)


def parse_completion(
    completion: ChatCompletion, tp: type, response: requests.Response
) -> ChatCompletion:
    """Set ``message.parsed`` on every choice; raise when an answer cannot hold an instance."""
    for choice in completion.choices:
        if choice.finish_reason == "length":
            raise LengthFinishReasonError(completion=completion)
        if choice.finish_reason == "content_filter":
            raise ContentFilterFinishReasonError()
        message = choice.message
        if message.refusal or message.content is None:
            continue
        try:
            if not isinstance(message.content, str):
                raise ValueError(f"its content is a {type(message.content).__name__}")
            data = loads(message.content)
        except ValueError as exc:
            raise APIResponseValidationError(
                f"The answer is not JSON, so it cannot be a {tp.__name__}: {exc}",
                response=response,
                body=message.content,
            ) from exc
        try:
            message._parsed = _build(tp, data)
        except Exception as exc:  # pydantic, cattrs and constructors each raise their own
            raise APIResponseValidationError(
                f"The answer does not fit {tp.__name__}: {_problem(exc)}",
                response=response,
                body=data,
            ) from exc
    return completion
