"""The lenient base of every response object.

Response objects are slotted attrs classes whose fields are the documented ones. What the
server sends beyond them is kept in ``_extra`` and readable as attributes; which fields the server
actually sent is remembered, so :meth:`BaseObject.to_dict` gives back the wire JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import attrs

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Any:
        return lambda decorated: decorated


__all__ = ["BaseObject", "response_type"]

_T = TypeVar("_T")


@dataclass_transform(kw_only_default=True, field_specifiers=(attrs.field,))
def response_type(cls: type[_T]) -> type[_T]:
    """Make ``cls`` a slotted, mutable, keyword-only attrs class with the base's repr."""
    return attrs.define(slots=True, kw_only=True, repr=False)(cls)


def _dump(value: Any, exclude_unset: bool, exclude_none: bool) -> Any:
    if isinstance(value, BaseObject):
        return value._dump(exclude_unset, exclude_none)
    if isinstance(value, list | tuple):
        return [_dump(item, exclude_unset, exclude_none) for item in value]
    if isinstance(value, dict):
        return {key: _dump(item, exclude_unset, exclude_none) for key, item in value.items()}
    return value


@attrs.define(slots=True, kw_only=True, repr=False)
class BaseObject:
    """Common behaviour of response objects: extras as attributes, dumps, repr, pickling."""

    _extra: dict[str, Any] = attrs.field(factory=dict, init=False, eq=True)
    # Names the server sent; ``None`` for objects built in code (then non-``None`` fields count).
    _fields_set: frozenset[str] | None = attrs.field(default=None, init=False, eq=False)
    _request_id: str | None = attrs.field(default=None, init=False, eq=False)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: serve the fields the server added.
        if not name.startswith("__"):
            try:
                extra = object.__getattribute__(self, "_extra")
            except AttributeError:
                pass
            else:
                if name in extra:
                    return extra[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @classmethod
    def _field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in attrs.fields(cls) if not f.name.startswith("_"))

    def _set_names(self) -> frozenset[str]:
        if self._fields_set is not None:
            return self._fields_set
        return frozenset(name for name in self._field_names() if getattr(self, name) is not None)

    def _dump(self, exclude_unset: bool, exclude_none: bool) -> dict[str, Any]:
        sent = self._set_names() if exclude_unset else None
        out: dict[str, Any] = {}
        for name in self._field_names():
            if sent is not None and name not in sent:
                continue
            value = getattr(self, name)
            if value is None and exclude_none:
                continue
            out[name] = _dump(value, exclude_unset, exclude_none)
        for name, value in self._extra.items():
            if value is None and exclude_none:
                continue
            out[name] = _dump(value, exclude_unset, exclude_none)
        return out

    def to_dict(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        exclude_unset: bool = True,
        exclude_none: bool = False,
    ) -> dict[str, Any]:
        """The object as a plain dict; by default exactly the fields the server sent."""
        del mode  # values are JSON-native, so both modes give the same dict
        return self._dump(exclude_unset, exclude_none)

    def to_json(
        self, *, indent: int | None = 2, exclude_unset: bool = True, exclude_none: bool = False
    ) -> str:
        """The object as JSON text; by default exactly the fields the server sent."""
        return json.dumps(
            self._dump(exclude_unset, exclude_none), indent=indent, ensure_ascii=False
        )

    def model_dump(
        self,
        *,
        mode: Literal["json", "python"] | str = "python",
        exclude_unset: bool = False,
        exclude_none: bool = False,
        by_alias: bool | None = None,
    ) -> dict[str, Any]:
        """Pydantic-style dump: every field (``None`` when absent) plus the extras."""
        del mode, by_alias  # values are JSON-native and field names are the wire names
        return self._dump(exclude_unset, exclude_none)

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        exclude_unset: bool = False,
        exclude_none: bool = False,
        by_alias: bool | None = None,
    ) -> str:
        """Pydantic-style JSON dump: every field plus the extras."""
        del by_alias
        return json.dumps(
            self._dump(exclude_unset, exclude_none), indent=indent, ensure_ascii=False
        )

    def __repr__(self) -> str:
        parts = [
            f"{name}={getattr(self, name)!r}"
            for name in self._field_names()
            if getattr(self, name) is not None
        ]
        parts.extend(f"{name}={value!r}" for name, value in self._extra.items())
        return f"{type(self).__name__}({', '.join(parts)})"


def structure_fn_for(
    cls: type[BaseObject], nested: dict[str, Callable[[Any], Any]]
) -> Callable[[Any, Any], BaseObject]:
    """A fast, lenient dict -> ``cls`` function; ``nested`` structures the values of some fields.

    Known keys become fields, unknown keys go to ``_extra``; values are not coerced, so an
    unexpected type from the server is kept rather than rejected.
    """
    names = frozenset(cls._field_names())

    def structure(data: Any, _: Any = None) -> BaseObject:
        if not isinstance(data, dict):
            raise TypeError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")
        known: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            if key in names:
                convert = nested.get(key)
                known[key] = value if convert is None or value is None else convert(value)
            else:
                extra[key] = value
        obj = cls(**known)
        obj._extra = extra
        obj._fields_set = frozenset(known)
        return obj

    return structure
