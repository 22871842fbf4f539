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
import json
import types
import typing
import weakref
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
from .types import ChatCompletion, ParsedChatCompletion, ParsedChatCompletionMessage, ParsedChoice

if typing.TYPE_CHECKING:
    from .types._chat_params import ChatCompletionFunctionToolParam, FunctionDefinition

__all__ = [
    "FunctionTool",
    "ParseSpec",
    "function_tool",
    "parse_completion",
    "parse_spec",
    "pydantic_function_tool",
]

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
        "response_format must be a pydantic model, an attrs class, a dataclass or a "
        f"response format dict; got {tp!r}"
    )


def _schema_of(tp: type) -> dict[str, Any]:
    if _is_pydantic(tp):
        strict: dict[str, Any] = _strict(tp.model_json_schema())  # type: ignore[attr-defined]
        return strict
    return _Schemas().root(tp)


#: Each class's response format as JSON text, made once: building a schema costs about a
#: millisecond, reading the text back a few microseconds (and gives a fresh dict each call).
_FORMATS: weakref.WeakKeyDictionary[type, str] = weakref.WeakKeyDictionary()


def response_format_for(tp: type) -> dict[str, Any]:
    """The strict ``json_schema`` response format describing ``tp`` (a fresh dict)."""
    text = _FORMATS.get(tp)
    if text is None:
        made = {
            "type": "json_schema",
            "json_schema": {"name": tp.__name__, "schema": _schema_of(tp), "strict": True},
        }
        text = _FORMATS[tp] = json.dumps(made)
    fmt: dict[str, Any] = json.loads(text)
    return fmt


class FunctionTool(dict):  # type: ignore[type-arg]
    """The ``function`` of a strict tool made from a class; ``.model`` is the class.

    ``chat.completions.parse()`` builds each call's ``parsed_arguments`` as an instance of it
    (the ``openai`` package's ``pydantic_function_tool`` is read the same way).
    """

    model: type

    def __init__(self, function: dict[str, Any], model: type) -> None:
        super().__init__(function)
        self.model = model


def function_tool(
    model: type, *, name: str | None = None, description: str | None = None
) -> ChatCompletionFunctionToolParam:
    """A strict function tool whose parameters are ``model``'s fields.

    ``model`` is a pydantic model, an attrs class or a dataclass; the tool's name defaults to
    the class name and its description to the class docstring. With
    ``chat.completions.parse(tools=[...])`` the calls come back with ``parsed_arguments``.
    """
    model = check_output_type(model)
    function: dict[str, Any] = {
        "name": name or model.__name__,
        "strict": True,
        "parameters": _schema_of(model),
    }
    described = description if description is not None else model.__doc__
    if described is not None and not (
        _is_record(model) and described.startswith(f"{model.__name__}(")  # generated docstring
    ):
        function["description"] = described
    # A dict that remembers its class (typed as the plain function definition it also is).
    definition = typing.cast("FunctionDefinition", FunctionTool(function, model))
    return {"type": "function", "function": definition}


#: The openai SDK's name for :func:`function_tool` (which also takes attrs classes and
#: dataclasses), so code importing it from here keeps working.
pydantic_function_tool = function_tool


@attrs.frozen
class ParseSpec:
    """What ``parse()`` sends and how it reads the answer back."""

    #: The class ``message.parsed`` is built as, or ``None`` (a dict format, or none).
    output_type: type | None
    #: The ``response_format`` sent, or ``None``.
    response_format: dict[str, Any] | None
    #: Strict tools by name, each with its class (or ``None``: the arguments stay a dict).
    tools: dict[str, type | None]
    #: The tools as given (the openai package's stream state reads them).
    given_tools: tuple[Any, ...] = ()


def parse_spec(response_format: object, tools: object) -> ParseSpec:
    """Check ``parse()``'s ``response_format`` and ``tools`` before anything is sent."""
    output_type = None
    fmt: dict[str, Any] | None = None
    if isinstance(response_format, dict):
        fmt = response_format  # passed through, as the openai SDK does; parsed stays None
    elif response_format is not None:
        output_type = check_output_type(response_format)
        fmt = response_format_for(output_type)
    strict: dict[str, type | None] = {}
    for tool in tools if isinstance(tools, list | tuple) else ():
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict):
            continue
        name = function.get("name")
        if function.get("strict") is not True:
            raise ValueError(
                f"`{name}` is not strict. Only `strict` function tools can be auto-parsed "
                "(make it with sogni_compat.function_tool(), or set 'strict': True)"
            )
        model = getattr(function, "model", None)
        strict[str(name)] = model if isinstance(model, type) else None
    given = tuple(tools) if isinstance(tools, list | tuple) else ()
    return ParseSpec(output_type, fmt, strict, given)


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
    completion: ChatCompletion, spec: ParseSpec, response: requests.Response
) -> ParsedChatCompletion[Any]:
    """Set ``message.parsed`` and each call's ``parsed_arguments``; raise when one cannot be.

    The answer becomes the :class:`ParsedChatCompletion` its type says (the same object: the
    parsed classes add no field, only the type of ``parsed``).
    """
    completion.__class__ = ParsedChatCompletion
    for choice in completion.choices:
        choice.__class__ = ParsedChoice
        choice.message.__class__ = ParsedChatCompletionMessage
        if choice.finish_reason == "length":
            raise LengthFinishReasonError(completion=completion)
        if choice.finish_reason == "content_filter":
            raise ContentFilterFinishReasonError()
        message = choice.message
        tp = spec.output_type
        if tp is not None and not message.refusal and message.content is not None:
            message._parsed = _read(tp, message.content, "The answer", response)
        for call in message.tool_calls or ():
            function = call.function
            if function.name in spec.tools:
                model = spec.tools[function.name]
                where = f"The arguments of tool call {call.id!r}"
                function._parsed_arguments = _read(model, function.arguments, where, response)
    parsed: ParsedChatCompletion[Any] = completion  # type: ignore[assignment]  # its class now
    return parsed


def _read(tp: type | None, text: object, what: str, response: requests.Response) -> Any:
    """``text`` parsed as JSON and built as ``tp`` (kept as JSON when ``tp`` is ``None``)."""
    name = tp.__name__ if tp is not None else "a JSON object"
    try:
        if not isinstance(text, str):
            raise ValueError(f"it is a {type(text).__name__}")
        data = loads(text)
    except ValueError as exc:
        raise APIResponseValidationError(
            f"{what} is not JSON, so it cannot be {name}: {exc}", response=response, body=text
        ) from exc
    if tp is None:
        return data
    try:
        return _build(tp, data)
    except Exception as exc:  # pydantic, cattrs and constructors each raise their own
        raise APIResponseValidationError(
            f"{what} does not fit {name}: {_problem(exc)}", response=response, body=data
        ) from exc
