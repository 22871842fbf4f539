"""The lenient base of every response object.

Response objects are attrs classes whose fields are the documented ones. What the
server sends beyond them is kept in ``_extra`` and readable as attributes; which fields the server
actually sent is remembered, so :meth:`BaseObject.to_dict` gives back the wire JSON.
"""

from __future__ import annotations

import builtins
import copy
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NoReturn, TypeVar

import attrs

if TYPE_CHECKING:
    from typing_extensions import Self, dataclass_transform
else:
    Self = Any

    def dataclass_transform(**_: Any) -> Any:
        return lambda decorated: decorated


__all__ = ["BaseObject", "response_type", "snake_case", "strip_optional"]

_T = TypeVar("_T")


@dataclass_transform(kw_only_default=True, field_specifiers=(attrs.field,))
def response_type(cls: type[_T]) -> type[_T]:
    """Make ``cls`` a mutable, keyword-only attrs class with the base's repr.

    Not slotted: an object read from the server gets its ``__dict__`` in one step (see
    :func:`structure_fn_for`), which is cheaper than setting each slot.
    """
    return _with_class_defaults(attrs.define(slots=False, kw_only=True, repr=False)(cls))


class _SharedEmpty(dict[str, Any]):
    """An empty dict shared as a class-level default: it refuses to be changed.

    A dict (not a mapping proxy) so that ``attrs.asdict``, pickle and ``copy`` treat it as
    they treat the dict an object of its own would hold.
    """

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("a shared empty default is read-only; assign a new dict instead")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse


#: What an object read from the server has as ``_extra`` when the server sent no extra field
#: (read-only: extras are replaced, never updated in place).
_NO_EXTRA: dict[str, Any] = _SharedEmpty()

#: ``_fields_set`` of an object read from the server whose ``__dict__`` holds what the server
#: sent and nothing else (a copy of the wire dict, or the dict itself when the reader owns
#: it): the public names in its ``__dict__`` are the names sent, absent fields' defaults are
#: found on the class.
SENT_KEYS: dict[str, Any] = _SharedEmpty()

#: The public field names of each response class (:meth:`BaseObject._field_name_set`).
_FIELD_NAMES: dict[type, frozenset[str]] = {}
#: The structure function of each response class (:meth:`BaseObject.reader`).
_READERS: dict[type, Callable[[Any, Any], Any]] = {}


def _with_class_defaults(cls: type[_T]) -> type[_T]:
    """Put the fields' plain defaults on the class.

    Objects read from the server find them there, without each object storing its own; the
    generated structure function relies on it (see :func:`_reads_into_dict`).
    """
    for field in attrs.fields(cls):  # type: ignore[arg-type]
        default = field.default
        if field.name == "_extra":
            default = _NO_EXTRA
        elif field.name == "_fields_set":
            default = SENT_KEYS
        if default is not attrs.NOTHING and not isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            setattr(cls, field.name, default)
    cls._defaults_on_class = True  # type: ignore[attr-defined]
    return cls


def _reads_into_dict(cls: type) -> bool:
    """Whether an object of ``cls`` can take a wire dict as its ``__dict__``.

    Only classes made by :func:`response_type` (their defaults on the class) and slotted
    nowhere; a subclass made with plain ``attrs.define`` is built through its ``__init__``.
    """
    return "_defaults_on_class" in vars(cls) and not any(
        "__slots__" in vars(klass) for klass in cls.__mro__
    )


def _dump(value: Any, exclude_unset: bool, exclude_none: bool) -> Any:
    if isinstance(value, BaseObject):
        return value._dump(exclude_unset, exclude_none)
    if isinstance(value, list | tuple):
        return [_dump(item, exclude_unset, exclude_none) for item in value]
    if isinstance(value, dict):
        return {key: _dump(item, exclude_unset, exclude_none) for key, item in value.items()}
    return value


def _keys(selection: object) -> set[str] | None:
    """The top-level names of a pydantic-style ``include``/``exclude`` (a set or a dict)."""
    if selection is None:
        return None
    if isinstance(selection, dict | set | frozenset | list | tuple):
        return {str(key) for key in selection}
    raise TypeError(f"include/exclude must be a set or a dict of field names; got {selection!r}")


class _ModelFields:
    """``Class.model_fields``: the documented fields by name, as pydantic models offer."""

    def __get__(self, instance: object, owner: type[BaseObject]) -> dict[str, Any]:
        return {
            field.name: field for field in attrs.fields(owner) if not field.name.startswith("_")
        }


@_with_class_defaults
@attrs.define(slots=False, kw_only=True, repr=False)
class BaseObject:
    """Common behaviour of response objects: extras as attributes, dumps, repr, pickling.

    They also offer the part of pydantic's (and so the openai SDK's) ``BaseModel`` surface
    that code and libraries read: ``model_fields_set``, ``model_fields``, ``model_extra``,
    ``model_dump``, ``model_dump_json``, ``model_copy``, ``model_validate``,
    ``model_construct``, ``model_json_schema``, ``to_dict``, ``to_json`` and ``==``.
    """

    _extra: dict[str, Any] = attrs.field(factory=dict, init=False, eq=True)
    # What the server sent: on the class, SENT_KEYS, for objects read into their __dict__
    # (the public names there); a dict keyed by the names for objects read through __init__
    # (when there are extras); ``None`` for objects built in code (then non-``None`` fields
    # count). Assigning a field adds it, as pydantic does.
    _fields_set: Mapping[str, object] | None = attrs.field(default=None, init=False, eq=False)
    _request_id: str | None = attrs.field(default=None, init=False, eq=False)

    model_fields: ClassVar[Any] = _ModelFields()
    #: Whether the repr names the fields in snake_case: Sogni's durable types, whose camelCase
    #: wire fields each have a snake_case property of that name.
    _repr_snake_case: ClassVar[bool] = False

    def _set_attribute(self, name: str, value: Any) -> None:
        """Set a field, which then counts as set (as pydantic counts it).

        Another (public) name is kept as an extra field, dumped with the others.
        """
        if name[:1] == "_":  # private (and attrs' __init__ sets these first): as is
            object.__setattr__(self, name, value)
            return
        cls = type(self)
        names = cls._field_name_set()
        if name in names or hasattr(cls, name):
            object.__setattr__(self, name, value)
            if name in names:
                sent = self.__dict__.get("_fields_set")
                if sent is not None and name not in sent:
                    object.__setattr__(self, "_fields_set", {**sent, name: None})
            return
        self._extra = {**self._extra, name: value}

    def _extra_attribute(self, name: str) -> Any:
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

    # Bound out of type checkers' sight: they see only the declared fields, so a misspelt one
    # (``message.contents``) is an error there, while the server's extra fields still read as
    # attributes at run time (type-checked code reads them with ``getattr`` or
    # ``model_extra``). Setting an undeclared name likewise keeps it as an extra field.
    if not TYPE_CHECKING:
        __setattr__ = _set_attribute
        __getattr__ = _extra_attribute

    @classmethod
    def _field_name_set(cls) -> frozenset[str]:
        """The public field names, as a set made once per class."""
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = frozenset(cls._field_names())
        return names

    @classmethod
    def _field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in attrs.fields(cls) if not f.name.startswith("_"))

    def _set_names(self) -> AbstractSet[str]:
        sent = self._fields_set
        if sent is SENT_KEYS:  # read from the server: the names in __dict__ (assignments count)
            return frozenset(name for name in self.__dict__ if not name.startswith("_"))
        if sent is not None:
            return sent.keys()
        return frozenset(name for name in self._field_names() if getattr(self, name) is not None)

    @property
    def model_extra(self) -> dict[str, Any]:
        """The fields the server sent beyond the documented ones (``{}`` when none).

        As pydantic's ``model_extra`` on the openai package's objects: the dict itself, so a
        change to it changes the object's extras.
        """
        extra = self._extra
        if extra is _NO_EXTRA:  # the shared read-only default: give this object its own
            extra = self._extra = {}
        return extra

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]:
        """A JSON schema of the documented fields, as pydantic's ``model_json_schema()``.

        Nested response objects are ``$defs``; extra fields are allowed.
        """
        from ._schema import json_schema  # noqa: PLC0415 - rarely used; evaluates annotations

        return json_schema(cls, BaseObject)

    @property
    def model_fields_set(self) -> set[str]:
        """The names set on this object: what the server sent (its own extra fields too)."""
        return set(self._set_names()) | set(self._extra)

    def _dump(
        self,
        exclude_unset: bool,
        exclude_none: bool,
        include: set[str] | None = None,
        exclude: set[str] | None = None,
        exclude_defaults: bool = False,
    ) -> dict[str, Any]:
        sent = self._set_names() if exclude_unset else None
        defaults = (
            {f.name: f.default for f in attrs.fields(type(self))} if exclude_defaults else None
        )
        out: dict[str, Any] = {}
        for name in self._field_names():
            if sent is not None and name not in sent:
                continue
            if (include is not None and name not in include) or (exclude and name in exclude):
                continue
            value = getattr(self, name)
            if value is None and exclude_none:
                continue
            if defaults is not None:
                default = defaults.get(name)
                factory = getattr(default, "factory", None)  # an attrs Factory
                if factory is not None:
                    default = factory()
                if value == default:
                    continue
            out[name] = _dump(value, exclude_unset, exclude_none)
        for name, value in self._extra.items():
            if (include is not None and name not in include) or (exclude and name in exclude):
                continue
            if value is None and exclude_none:
                continue
            out[name] = _dump(value, exclude_unset, exclude_none)
        return out

    def to_dict(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> dict[str, Any]:
        """The object as a plain dict; by default exactly the fields the server sent."""
        del mode, use_api_names, warnings  # values are JSON-native; names are the wire names
        return self._dump(exclude_unset, exclude_none, exclude_defaults=exclude_defaults)

    def to_json(
        self,
        *,
        indent: int | None = 2,
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> str:
        """The object as JSON text; by default exactly the fields the server sent."""
        del use_api_names, warnings
        return json.dumps(
            self._dump(exclude_unset, exclude_none, exclude_defaults=exclude_defaults),
            indent=indent,
            separators=None if indent is not None else (",", ":"),
            ensure_ascii=False,
        )

    def model_dump(
        self,
        *,
        mode: Literal["json", "python"] | str = "python",
        include: Any = None,
        exclude: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: bool | str = True,
        **_: Any,
    ) -> dict[str, Any]:
        """Pydantic-style dump: every field (``None`` when absent) plus the extras.

        ``include``/``exclude`` select top-level fields (a set, or a dict whose keys count).
        """
        del mode, by_alias, round_trip, warnings  # JSON-native values, wire names
        return self._dump(
            exclude_unset, exclude_none, _keys(include), _keys(exclude), exclude_defaults
        )

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        include: Any = None,
        exclude: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: bool | str = True,
        **_: Any,
    ) -> str:
        """Pydantic-style JSON dump: every field plus the extras."""
        return json.dumps(
            self.model_dump(
                include=include,
                exclude=exclude,
                exclude_unset=exclude_unset,
                exclude_defaults=exclude_defaults,
                exclude_none=exclude_none,
            ),
            indent=indent,
            separators=None if indent is not None else (",", ":"),  # compact, as pydantic's
            ensure_ascii=False,
        )

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, with ``update`` applied (fields, or extras for other names)."""
        copied = copy.deepcopy(self) if deep else copy.copy(self)
        if update:
            names = set(self._field_names())
            extra = dict(copied._extra)
            for name, value in update.items():
                if name in names:
                    setattr(copied, name, value)
                else:
                    extra[name] = value
            copied._extra = extra
            if copied._fields_set is not None and copied._fields_set is not SENT_KEYS:
                sent = copied._fields_set.keys() | (names & set(update))
                copied._fields_set = dict.fromkeys(sent)
        return copied

    @classmethod
    def model_validate(cls, obj: Any) -> Self:
        """Build an object from a dict of wire fields (leniently, as answers are read)."""
        if isinstance(obj, cls):
            return obj
        made: Self = cls.reader()(obj, None)
        return made

    @classmethod
    def reader(cls) -> Callable[[Any, Any], Self]:
        """The function that reads a wire dict into a ``cls`` (generated once, on first use).

        Leniently, as answers are read: unknown keys become extras, values are not coerced.
        The package's converter hands it out as the structure hook of ``cls``.
        """
        made = _READERS.get(cls)
        if made is None:
            made = _READERS[cls] = _make_reader(cls)
        return made  # type: ignore[return-value]

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:
        """Build an object from keyword values without checking them (unknown names: extras)."""
        names = set(cls._field_names())
        made = cls(**{k: v for k, v in values.items() if k in names})
        made._extra = {k: v for k, v in values.items() if k not in names}
        made._fields_set = dict.fromkeys(
            name for name in (_fields_set if _fields_set is not None else values) if name in names
        )
        return made

    def __repr__(self) -> str:
        shown = snake_case if self._repr_snake_case else str
        parts = [
            f"{shown(name)}={getattr(self, name)!r}"
            for name in self._field_names()
            if getattr(self, name) is not None
        ]
        parts.extend(f"{name}={value!r}" for name, value in self._extra.items())
        return f"{type(self).__name__}({', '.join(parts)})"


_MISSING = object()
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """``costInUSD`` -> ``cost_in_usd``, ``exposeToLLM`` -> ``expose_to_llm``."""
    return _WORD_START.sub("_", name).lower()


#: Sets an object's ``__dict__`` directly, past :meth:`BaseObject.__setattr__` (the instance
#: dict's descriptor, which every response class inherits from :class:`BaseObject`).
set_dict: Callable[[object, dict[str, Any]], None] = vars(BaseObject)["__dict__"].__set__

#: How a field's value is structured: ``(hook, many)``, a hook for one object (``many`` false)
#: or for each object of a list.
Nested = tuple[Callable[[Any, Any], Any], bool]


def _generated(
    cls: type[BaseObject],
    nested: dict[str, Nested],
    general: Callable[[Any, Any], BaseObject],
) -> Callable[[Any, Any], BaseObject]:
    """A straight-line structure function for ``cls``: one dict copy, no ``__init__``.

    A copy of the wire dict becomes the new object's ``__dict__`` (absent fields find their
    defaults on the class, and the public names present are what the server sent); then only
    the fields that need work (nested objects, mutable defaults) are looked at. It handles the
    common case, a dict whose every key is a field; anything else (extras, not a dict, a
    required field missing) is handed to ``general``. Generated once per class, as attrs
    generates its own methods.
    """
    env: dict[str, Any] = {
        "new": object.__new__,
        "set_dict": set_dict,
        "cls": cls,
        "MISSING": _MISSING,
        "general": general,
        "dict_type": dict,
        "list_type": list,
        "names": cls._field_name_set(),
    }
    lines = [
        "def structure(data, _=None):",
        "    if type(data) is not dict_type or not names.issuperset(data):",
        "        return general(data, _)",
        "    d = data.copy()",
    ]
    for number, field in enumerate(attrs.fields(cls)):
        name = field.name
        if name.startswith("_"):
            continue
        default = field.default
        work = []
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            # A fresh value each time, kept out of what the server sent.
            env[f"factory{number}"] = default.factory
            action = f"d[{name!r}] = factory{number}(); d['_fields_set'] = dict.fromkeys(data)"
            work.append(("if", "v is MISSING", action))
        elif default is attrs.NOTHING:  # a required field: the general path says it is missing
            work.append(("if", "v is MISSING", "return general(data, _)"))
        if name in nested:
            hook, many = nested[name]
            env[f"hook{number}"] = hook
            if many:  # one item (one choice, one tool call) is the common case
                work.append(
                    (
                        "elif" if work else "if",
                        "type(v) is list_type",
                        f"d[{name!r}] = [hook{number}(v[0], None)] if len(v) == 1 and "
                        f"type(v[0]) is dict_type else [hook{number}(x, None) if type(x) is "
                        "dict_type else x for x in v]",
                    )
                )
            else:
                work.append(
                    (
                        "elif" if work else "if",
                        "type(v) is dict_type",
                        f"d[{name!r}] = hook{number}(v, None)",
                    )
                )
        if work:
            lines.append(f"    v = d.get({name!r}, MISSING)")
            for keyword, test, action in work:
                lines += [f"    {keyword} {test}:", f"        {action}"]
    lines += [
        "    obj = new(cls)",
        "    set_dict(obj, d)",
        "    return obj",
    ]
    exec(compile("\n".join(lines), f"<structure {cls.__qualname__}>", "exec"), env)
    made: Callable[[Any, Any], BaseObject] = env["structure"]
    return made


def structure_fn_for(
    cls: type[BaseObject], nested: dict[str, Nested]
) -> Callable[[Any, Any], BaseObject]:
    """A fast, lenient dict -> ``cls`` function; ``nested`` structures the values of some fields.

    Known keys become fields, unknown keys go to ``_extra``; values are not coerced, so an
    unexpected type from the server is kept rather than rejected (a field meant to hold an
    object, or a list of them, that holds something else keeps it as sent).
    """
    names = cls._field_name_set()

    def convert(name: str, value: Any) -> Any:
        hook, many = nested[name]
        if many:
            if type(value) is not list:
                return value
            return [hook(item, None) if type(item) is dict else item for item in value]
        return hook(value, None) if type(value) is dict else value

    def general(data: Any, _: Any = None) -> BaseObject:
        if not isinstance(data, dict):
            raise TypeError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")
        known: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            if key in names:
                known[key] = value if key not in nested else convert(key, value)
            else:
                extra[key] = value
        obj = cls(**known)
        if extra:  # otherwise the empty dict the constructor made stays
            obj._extra = extra
        obj._fields_set = known
        return obj

    return _generated(cls, nested, general) if _reads_into_dict(cls) else general


# -- reading: dict -> response object, generated once per class ----------------------------


def strip_optional(tp: Any) -> Any:
    """``X`` for ``X | None`` (``Optional[X]``); any other type as it is."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _nested_reader(tp: Any) -> Nested | None:
    """How to read a field holding a response object or a list of them, if it does."""
    tp = strip_optional(tp)
    if isinstance(tp, type) and issubclass(tp, BaseObject):
        return tp.reader(), False
    if typing.get_origin(tp) is list:
        (item,) = typing.get_args(tp) or (Any,)
        item = strip_optional(item)
        if isinstance(item, type) and issubclass(item, BaseObject):
            return item.reader(), True
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


def _make_reader(cls: type[BaseObject]) -> Callable[[Any, Any], BaseObject]:
    """The structure function of ``cls``: its nested fields' readers, then the generated code."""
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
        hook = _nested_reader(tp)
        if hook is not None:
            nested[field.name] = hook
    return structure_fn_for(cls, nested)
