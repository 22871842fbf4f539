"""``model_json_schema()`` of the response classes: a JSON schema of their documented fields.

As pydantic writes one for a model: ``title``, ``type: object``, ``properties`` (each with its
``title`` and type), ``required`` (the fields without a default) and ``$defs`` for the nested
response classes. Extra fields are allowed (``additionalProperties``), as the server may send
more than is documented. Made on demand (it evaluates the field annotations), never on the
path that reads answers.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["json_schema"]

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
}


def _title(name: str) -> str:
    return " ".join(word.capitalize() for word in name.split("_") if word) or name


class _Builder:
    def __init__(self, base: type, root: type) -> None:
        self.base = base
        self.root = root
        self.defs: dict[str, dict[str, Any]] = {}

    def of(self, tp: Any) -> dict[str, Any]:
        """The schema of one annotation (``{}``, any value, for what it cannot describe)."""
        if tp in _SCALARS:
            return dict(_SCALARS[tp])
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (typing.Union, types.UnionType):
            return {"anyOf": [self.of(arg) for arg in args]}
        if origin is typing.Literal:
            return {"enum": list(args)}
        if origin in (list, tuple, set, frozenset) or (tp in (list, tuple)):
            return {"type": "array", "items": self.of(args[0]) if args else {}}
        if origin in (dict, Mapping) or tp in (dict, Mapping):
            schema: dict[str, Any] = {"type": "object"}
            if len(args) == 2:
                schema["additionalProperties"] = self.of(args[1])
            return schema
        if tp is self.root:
            return {"$ref": "#"}
        if isinstance(tp, type) and issubclass(tp, self.base):
            name = tp.__name__
            if name not in self.defs:
                self.defs[name] = {}  # a placeholder first: a class may refer to itself
                self.defs[name] = self.model(tp)
            return {"$ref": f"#/$defs/{name}"}
        return {}

    def model(self, cls: type) -> dict[str, Any]:
        hints = typing.get_type_hints(cls)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in attrs.fields(cls):
            if field.name.startswith("_"):
                continue
            schema = {"title": _title(field.name), **self.of(hints.get(field.name, Any))}
            default = field.default
            if default is attrs.NOTHING:
                required.append(field.name)
            elif not isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                schema["default"] = default
            properties[field.name] = schema
        made: dict[str, Any] = {
            "title": cls.__name__,
            "type": "object",
            "properties": properties,
            "additionalProperties": True,
        }
        doc = (cls.__doc__ or "").strip()
        if doc:
            made["description"] = doc.split("\n\n", 1)[0].replace("\n", " ")
        if required:
            made["required"] = required
        return made


def json_schema(cls: type, base: type) -> dict[str, Any]:
    """The JSON schema of response class ``cls`` (``base``: the class nested objects share)."""
    builder = _Builder(base, cls)
    schema = builder.model(cls)
    if builder.defs:
        schema["$defs"] = builder.defs
    return schema
