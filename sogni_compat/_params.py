"""Keyword arguments of ``chat.completions.create`` -> validated attrs request objects.

The only module that knows the wire names. :func:`chat_request` resolves the two spellings of
Sogni's parameters, rejects bad input with a ``TypeError``/``ValueError`` naming the parameter,
and applies the translation rules (``think`` -> ``chat_template_kwargs``, ``max_completion_tokens``
-> ``max_tokens``, legacy ``functions`` -> ``tools``, ``sogni_tools`` defaulting to ``false``).
The result, a :class:`ChatCompletionParams`, holds wire values only; the converter of
:mod:`sogni_compat._convert` turns it into the JSON body.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ._config import DEFAULT_MAX_TOOL_CALLS_PER_ROUND, is_absent
from ._options import RequestOptions, check_app_source, request_options, type_name
from .types import BaseObject

__all__ = [
    "ChatCompletionParams",
    "ToolLoopOptions",
    "body_function",
    "chat_request",
    "request_body",
    "sogni_tools_enabled",
]

TASK_PROFILES = ("general", "coding", "reasoning")
TOKEN_TYPES = ("sogni", "spark", "auto")
SOGNI_TOOLS_VALUES = ("creative-tools", "creative-agent", "none")
BILLING_MODES = ("auto", "subscription", "tokens")
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
TOOL_CHOICE_MODES = ("auto", "none", "required")
RESPONSE_FORMAT_TYPES = ("text", "json_object", "json_schema")
MESSAGE_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
MEDIA_KINDS = ("image", "video", "audio")
_BASE64_DATA_URI = re.compile(r"(?i)^data:[\w.+-]+/[\w.+-]+(;[\w.+-]+=[\w.+-]+)*;base64,")
VERBOSITIES = ("low", "medium", "high")
#: OpenAI keywords that Sogni cannot honour: refused before sending, saying why.
REFUSED_KEYWORDS = {
    "audio": "Sogni's models answer in text only; audio output is not available",
    "web_search_options": "Sogni has no web search; search yourself and put the results in "
    "the messages, or give the model a tool that searches",
}


#: ``(connect, read)`` seconds.
def _fmt(values: Sequence[object]) -> str:
    return ", ".join(repr(v) for v in values)


# -- validators (attrs signature: instance, attribute, value) -------------------------------------


def _one_of(*allowed: str) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and (not isinstance(value, str) or value not in allowed):
            raise ValueError(f"{attribute.name} must be one of {_fmt(allowed)}; got {value!r}")

    return check


def _of_type(*types: type, what: str) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and (
            (isinstance(value, bool) and bool not in types) or not isinstance(value, types)
        ):
            raise TypeError(f"{attribute.name} must be {what}; got {value!r} ({type_name(value)})")

    return check


_number = _of_type(int, float, what="a number")
_integer = _of_type(int, what="an integer")
_boolean = _of_type(bool, what="True or False")
_string = _of_type(str, what="a string")
_mapping = _of_type(Mapping, what="a dict")


def _finite(_: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not math.isfinite(value):
        raise ValueError(f"{attribute.name} must be a finite number; got {value!r}")


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{attribute.name} must be at least 0; got {value!r}")


def _positive(_: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"{attribute.name} must be at least 1; got {value!r}")


def _message_role(message: object) -> object:
    if isinstance(message, Mapping):
        return message.get("role")
    return getattr(message, "role", None)


def _check_messages(_: object, __: attrs.Attribute[Any], messages: object) -> None:
    if isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, Sequence):
        raise TypeError(f"messages must be a list of messages; got {type_name(messages)}")
    if not messages:
        raise ValueError("messages must not be empty")
    for i, message in enumerate(messages):
        if not isinstance(message, (Mapping, BaseObject)) and not hasattr(message, "model_dump"):
            raise TypeError(
                f"messages[{i}] must be a dict or a message object; got {type_name(message)}"
            )
        role = _message_role(message)
        if role not in MESSAGE_ROLES:
            raise ValueError(
                f"messages[{i}] has role {role!r}; expected one of {_fmt(MESSAGE_ROLES)}"
            )


def _check_modalities(_: object, __: attrs.Attribute[Any], modalities: object) -> None:
    if modalities is None:
        return
    if not isinstance(modalities, list | tuple) or not all(isinstance(m, str) for m in modalities):
        raise TypeError(f"modalities must be a list of strings; got {modalities!r}")
    if any(m != "text" for m in modalities):
        raise ValueError(f"modalities: Sogni's models answer in text only; got {modalities!r}")


def _check_stop(_: object, __: attrs.Attribute[Any], stop: object) -> None:
    if stop is None or isinstance(stop, str):
        return
    if not isinstance(stop, (list, tuple)) or not all(isinstance(s, str) for s in stop):
        raise TypeError(f"stop must be a string or a list of strings; got {stop!r}")


def _tool_name(tool: object, where: str) -> str:
    if not isinstance(tool, Mapping):
        raise TypeError(f"{where} must be a dict; got {type_name(tool)}")
    if tool.get("type", "function") != "function":
        raise ValueError(f"{where}.type must be 'function'; got {tool.get('type')!r}")
    function = tool.get("function")
    name = function.get("name") if isinstance(function, Mapping) else None
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}.function.name must be a non-empty string")
    return name


def _check_tools(_: object, __: attrs.Attribute[Any], tools: object) -> None:
    if tools is None:
        return
    if not isinstance(tools, (list, tuple)):
        raise TypeError(f"tools must be a list of tool dicts; got {type_name(tools)}")
    for i, tool in enumerate(tools):
        _tool_name(tool, f"tools[{i}]")


def _check_tool_choice(_: object, __: attrs.Attribute[Any], choice: object) -> None:
    if choice is None or (isinstance(choice, str) and choice in TOOL_CHOICE_MODES):
        return
    if isinstance(choice, Mapping) and choice.get("type", "function") == "function":
        function = choice.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            return
    raise ValueError(
        f"tool_choice must be one of {_fmt(TOOL_CHOICE_MODES)} or "
        f"{{'type': 'function', 'function': {{'name': ...}}}}; got {choice!r}"
    )


def _check_response_format(_: object, __: attrs.Attribute[Any], fmt: object) -> None:
    if fmt is None:
        return
    if isinstance(fmt, type):
        raise TypeError(
            "response_format must be a dict such as {'type': 'json_object'}; to parse into a "
            "class, use chat.completions.parse()"
        )
    if not isinstance(fmt, Mapping):
        raise TypeError(f"response_format must be a dict; got {type_name(fmt)}")
    kind = fmt.get("type")
    if kind not in RESPONSE_FORMAT_TYPES:
        raise ValueError(
            f"response_format type must be one of {_fmt(RESPONSE_FORMAT_TYPES)}; got {kind!r}"
        )
    if kind == "json_schema":
        schema = fmt.get("json_schema")
        if not isinstance(schema, Mapping):
            raise ValueError("response_format json_schema needs a 'json_schema' object")
        if not isinstance(schema.get("name"), str) or not schema.get("name"):
            raise ValueError("response_format json_schema needs a 'name'")
        if not isinstance(schema.get("schema"), Mapping):
            raise ValueError("response_format json_schema needs a 'schema' object")


def _check_sogni_tools(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or value in SOGNI_TOOLS_VALUES:
        return
    raise ValueError(
        f"sogni_tools must be True, False, or one of {_fmt((*SOGNI_TOOLS_VALUES, 'rich'))}; "
        f"got {value!r}"
    )


def _check_app_source(_: object, __: attrs.Attribute[Any], value: object) -> None:
    check_app_source(value)


def _check_media_references(_: object, __: attrs.Attribute[Any], refs: object) -> None:
    if refs is None:
        return
    if not isinstance(refs, (list, tuple)):
        raise TypeError(f"media_references must be a list; got {type_name(refs)}")
    for i, ref in enumerate(refs):
        if not isinstance(ref, Mapping):
            raise TypeError(f"media_references[{i}] must be a dict; got {type_name(ref)}")
        if ref.get("kind") not in MEDIA_KINDS:
            raise ValueError(
                f"media_references[{i}].kind must be one of {_fmt(MEDIA_KINDS)}; "
                f"got {ref.get('kind')!r}"
            )
        given = [key for key in ("url", "value") if ref.get(key) is not None]
        if len(given) != 1:
            raise ValueError(
                f"media_references[{i}] needs exactly one of 'url' or 'value' (an http(s) URL "
                f"or a base64 data URI); got {_fmt(given) or 'neither'}"
            )
        url = ref[given[0]]
        if not isinstance(url, str) or not (
            url.startswith(("http://", "https://")) or _BASE64_DATA_URI.match(url)
        ):
            shown = url[:60] + "..." if isinstance(url, str) and len(url) > 60 else url
            raise ValueError(
                f"media_references[{i}].{given[0]} must be an http(s) URL or a base64 data URI "
                f"(data:<type>;base64,...); got {shown!r}"
            )


def _opt(*validators: Any, default: Any = None) -> Any:
    """An optional field: ``validators`` run only when a value is given (not ``None``)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            for validator in validators:
                validator(instance, attribute, value)

    return attrs.field(default=default, validator=check)


@attrs.frozen(kw_only=True)
class ChatCompletionParams:
    """The JSON body of ``POST chat/completions``, one field per wire field.

    Fields left ``None`` are not sent. Build it with :func:`chat_request`, which applies the
    translation rules; constructing it directly validates each value but translates nothing.
    """

    messages: Sequence[Any] = attrs.field(validator=_check_messages)
    model: str | None = _opt(_string)
    stream: bool | None = _opt(_boolean)
    stream_options: Mapping[str, Any] | None = _opt(_mapping)
    temperature: float | None = _opt(_number, _finite)
    top_p: float | None = _opt(_number, _finite)
    top_k: int | None = _opt(_integer)
    min_p: float | None = _opt(_number, _finite)
    repetition_penalty: float | None = _opt(_number, _finite)
    frequency_penalty: float | None = _opt(_number, _finite)
    presence_penalty: float | None = _opt(_number, _finite)
    max_tokens: int | None = _opt(_integer, _positive)
    stop: str | Sequence[str] | None = _opt(_check_stop)
    n: int | None = _opt(_integer, _positive)
    seed: int | None = _opt(_integer)
    logit_bias: Mapping[str, Any] | None = _opt(_mapping)
    logprobs: bool | None = _opt(_boolean)
    top_logprobs: int | None = _opt(_integer)
    user: str | None = _opt(_string)
    tools: Sequence[Mapping[str, Any]] | None = _opt(_check_tools)
    tool_choice: str | Mapping[str, Any] | None = _opt(_check_tool_choice)
    parallel_tool_calls: bool | None = _opt(_boolean)
    response_format: Mapping[str, Any] | None = _opt(_check_response_format)
    metadata: Mapping[str, Any] | None = _opt(_mapping)
    store: bool | None = _opt(_boolean)
    service_tier: str | None = _opt(_string)
    # Newer OpenAI keywords, passed on as hints (Sogni documents none of them).
    prompt_cache_key: str | None = _opt(_string)
    prompt_cache_retention: str | None = _opt(_string)
    safety_identifier: str | None = _opt(_string)
    verbosity: str | None = _opt(_one_of(*VERBOSITIES))
    prediction: Mapping[str, Any] | None = _opt(_mapping)
    modalities: Sequence[str] | None = _opt(_check_modalities)
    chat_template_kwargs: Mapping[str, Any] | None = _opt(_mapping)
    task_profile: str | None = _opt(_one_of(*TASK_PROFILES))
    token_type: str | None = _opt(_one_of(*TOKEN_TYPES))
    app_source: str | None = _opt(_check_app_source)
    #: Always sent: ``False`` unless the caller asks for Sogni's hosted tools.
    sogni_tools: bool | str = _opt(_check_sogni_tools, default=False)
    sogni_tool_execution: bool | None = _opt(_boolean)
    safe_content_filter: bool | None = _opt(_boolean)
    billing_mode: str | None = _opt(_one_of(*BILLING_MODES))
    media_references: Sequence[Mapping[str, Any]] | None = _opt(_check_media_references)
    #: Capacity ceiling for the workflows Sogni's hosted tools start (sent on, and forwarded).
    max_estimated_capacity_units: float | None = _opt(_number, _finite, _non_negative)
    #: Accept the cost of those workflows up front (sent on, and forwarded).
    confirm_cost: bool | None = _opt(_boolean)

    def __attrs_post_init__(self) -> None:
        choice = self.tool_choice
        if isinstance(choice, Mapping):
            name = choice["function"]["name"]
            names = [_tool_name(tool, "tools[]") for tool in self.tools or ()]
            if name not in names and not self._hosted(name):
                hosted = " or, with sogni_tools on, a Sogni hosted tool" if name else ""
                raise ValueError(
                    f"tool_choice names the function {name!r}, which is not in tools "
                    f"({_fmt(names) or 'no tools given'}){hosted}"
                )

    def _hosted(self, name: str) -> bool:
        """Whether ``name`` is a hosted tool Sogni injects for this request's ``sogni_tools``."""
        if not sogni_tools_enabled(self.sogni_tools):
            return False
        from .hosted_tools import catalog  # noqa: PLC0415 - read only for a named hosted tool

        return name in catalog().injected(self.sogni_tools)


def _callable(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not callable(value):
        raise TypeError(f"{attribute.name} must be a function; got {value!r} ({type_name(value)})")


def _check_media_context(_: object, __: attrs.Attribute[Any], value: object) -> None:
    from ._media import check_media_context  # noqa: PLC0415 - only when given

    if value is not None:
        check_media_context(value)


def _progress_display(value: Any) -> Any:
    """``"bar"`` becomes a :class:`~sogni_compat.progress.ProgressBar`; anything else stays."""
    if isinstance(value, str):
        if value != "bar":
            raise ValueError(
                f"on_tool_progress must be a function or 'bar' (a ready progress display); "
                f"got {value!r}"
            )
        from .progress import ProgressBar  # noqa: PLC0415 - only when asked for

        return ProgressBar()
    return value


def _check_handlers(_: object, __: attrs.Attribute[Any], handlers: object) -> None:
    if not isinstance(handlers, Mapping):
        raise TypeError(
            f"tool_handlers must be a dict of tool name -> function; got {type_name(handlers)}"
        )
    for name, handler in handlers.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"tool_handlers keys must be tool names (strings); got {name!r}")
        if not callable(handler):
            raise TypeError(f"tool_handlers[{name!r}] must be a function; got {type_name(handler)}")


@attrs.frozen(kw_only=True)
class ToolLoopOptions:
    """How ``auto_execute_tools=True`` runs tools; none of it is sent to the server."""

    #: Called as ``on_tool_call(tool_call)`` for tools without a handler; returns the result.
    on_tool_call: Callable[[Any], Any] | None = attrs.field(default=None, validator=_callable)
    #: Called as ``on_tool_progress(tool_call, progress)`` while a Sogni hosted tool runs;
    #: ``"bar"`` draws a ready progress display (:class:`sogni_compat.progress.ProgressBar`).
    on_tool_progress: Callable[[Any, Any], Any] | None = attrs.field(
        default=None, converter=_progress_display, validator=_callable
    )
    #: Tool name -> function called with the model's arguments as keyword arguments.
    tool_handlers: Mapping[str, Callable[..., Any]] = attrs.field(
        factory=dict, validator=_check_handlers
    )
    #: At most this many completions are requested.
    max_tool_rounds: int = attrs.field(default=5, validator=[_integer, _positive])
    #: At most this many tool calls of one answer run; the rest get an error result.
    max_tool_calls_per_round: int = attrs.field(
        default=DEFAULT_MAX_TOOL_CALLS_PER_ROUND, validator=[_integer, _positive]
    )
    #: Results of earlier answers to keep numbering from: a previous answer's ``.media``.
    media_context: Any = attrs.field(default=None, validator=_check_media_context)


def sogni_tools_enabled(value: object) -> bool:
    """Whether a wire ``sogni_tools`` value asks the server to inject its hosted tools."""
    return value is not None and value is not False and value != "none"


_WIRE_FIELDS = frozenset(f.name for f in attrs.fields(ChatCompletionParams))
#: camelCase spellings of the Sogni SDK's ``ChatCompletionParams``.
ALIASES = {
    "appSource": "app_source",
    "taskProfile": "task_profile",
    "tokenType": "token_type",
    "autoExecuteTools": "auto_execute_tools",
    "onToolCall": "on_tool_call",
    "onToolProgress": "on_tool_progress",
    "maxToolRounds": "max_tool_rounds",
    "sogniTools": "sogni_tools",
    "sogniToolExecution": "sogni_tool_execution",
    "billingMode": "billing_mode",
    "safeContentFilter": "safe_content_filter",
    "mediaReferences": "media_references",
    "maxEstimatedCapacityUnits": "max_estimated_capacity_units",
    "confirmCost": "confirm_cost",
    "mediaContext": "media_context",
}
_INPUT_ONLY = frozenset(
    {"think", "reasoning_effort", "max_completion_tokens", "functions", "function_call"}
)
_OPTIONS = frozenset({"extra_headers", "extra_query", "extra_body", "timeout"})
_LOOP_OPTIONS = frozenset(f.name for f in attrs.fields(ToolLoopOptions))
KNOWN_KEYWORDS = _WIRE_FIELDS | _INPUT_ONLY | _OPTIONS | _LOOP_OPTIONS | {"auto_execute_tools"}


def _unexpected(key: str, function: str) -> TypeError:
    import difflib  # noqa: PLC0415 - only for the error message

    names = sorted(KNOWN_KEYWORDS | ALIASES.keys())
    close = difflib.get_close_matches(key, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return TypeError(f"{function}() got an unexpected keyword argument {key!r}{hint}")


def _legacy_functions(functions: object) -> list[dict[str, Any]]:
    if not isinstance(functions, (list, tuple)):
        raise TypeError(f"functions must be a list of function dicts; got {type_name(functions)}")
    tools = []
    for i, function in enumerate(functions):
        if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
            raise ValueError(f"functions[{i}] must be a dict with a 'name'")
        tools.append({"type": "function", "function": dict(function)})
    return tools


def _has_legacy_turns(messages: object) -> bool:
    """Whether a history holds legacy ``function_call`` turns or ``role="function"`` results."""
    if not isinstance(messages, list | tuple):
        return False
    for message in messages:
        if isinstance(message, Mapping):
            if message.get("role") == "function" or message.get("function_call") is not None:
                return True
        elif getattr(message, "function_call", None) is not None:
            return True
    return False


def _modern_history(messages: Sequence[Any]) -> list[Any]:
    """Legacy turns as tool turns: ``function_call`` -> ``tool_calls``, ``function`` -> ``tool``.

    Each legacy call gets an id (``call_legacy_N``) and the ``function`` message after it
    answers that id, so a server that only knows tools reads the history the same way.
    """
    out: list[Any] = []
    number = 0
    last_id: str | None = None
    for item in messages:
        message = item
        if not isinstance(item, Mapping) and getattr(item, "function_call", None):
            message = item.to_dict() if hasattr(item, "to_dict") else item.model_dump()
        if not isinstance(message, Mapping):
            out.append(message)
            continue
        call = message.get("function_call")
        if (
            message.get("role") == "assistant"
            and call is not None
            and not message.get("tool_calls")
        ):
            if not isinstance(call, Mapping):
                call = {
                    "name": getattr(call, "name", None),
                    "arguments": getattr(call, "arguments", None),
                }
            number += 1
            last_id = f"call_legacy_{number}"
            turn = {k: v for k, v in message.items() if k != "function_call"}
            turn["tool_calls"] = [
                {
                    "id": last_id,
                    "type": "function",
                    "function": {
                        "name": call.get("name"),
                        "arguments": call.get("arguments") or "{}",
                    },
                }
            ]
            out.append(turn)
        elif message.get("role") == "function":
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": last_id or f"call_legacy_{number}",
                    "name": message.get("name"),
                    "content": message.get("content"),
                }
            )
        else:
            out.append(message)
    return out


def _legacy_function_call(call: object) -> object:
    if call in ("auto", "none"):
        return call
    if isinstance(call, Mapping) and isinstance(call.get("name"), str):
        return {"type": "function", "function": {"name": call["name"]}}
    raise ValueError(f"function_call must be 'auto', 'none' or {{'name': ...}}; got {call!r}")


def _thinking(given: dict[str, Any]) -> bool | None:
    think = given.pop("think", None)
    effort = given.pop("reasoning_effort", None)
    if effort is not None and effort not in REASONING_EFFORTS:
        raise ValueError(
            f"reasoning_effort must be one of {_fmt(REASONING_EFFORTS)}; got {effort!r}"
        )
    if think is not None:
        if not isinstance(think, bool):
            raise TypeError(f"think must be True or False; got {think!r}")
        return think
    if effort is not None:
        return effort not in ("none", "minimal")
    return None


def _tool_loop(given: dict[str, Any], spelled: Mapping[str, str]) -> ToolLoopOptions | None:
    """Take the loop's own keywords out of ``given``; ``None`` unless the loop is on."""
    auto = given.pop("auto_execute_tools", None)
    loop_kwargs = {name: given.pop(name) for name in _LOOP_OPTIONS if name in given}
    if auto is None:
        if loop_kwargs:
            named = sorted(spelled[name] for name in loop_kwargs)
            if len(named) == 1:
                subject, verb, dropped = named[0], "takes", named[0]
            else:
                subject = f"{', '.join(named[:-1])} and {named[-1]}"
                verb, dropped = "take", "them"
            raise ValueError(
                f"{subject} only {verb} effect with auto_execute_tools=True: pass "
                f"auto_execute_tools=True as well, or drop {dropped}"
            )
        return None
    if not isinstance(auto, bool):
        raise TypeError(
            f"auto_execute_tools must be True, False or 'server' (a durable run); got {auto!r}"
        )
    loop = ToolLoopOptions(**loop_kwargs)
    if not auto:
        return None
    if given.get("stream"):
        raise ValueError(
            "stream=True cannot be combined with auto_execute_tools=True: the loop needs each "
            "whole answer to run its tools; drop one of them"
        )
    if given.get("n", 1) != 1:
        raise ValueError(
            f"n={given['n']!r} cannot be combined with auto_execute_tools=True: the loop "
            "follows one answer"
        )
    if sogni_tools_enabled(given.get("sogni_tools")) and given.get("sogni_tool_execution") is None:
        # The loop runs hosted tools itself, so it can report their progress and keep the
        # media context; sogni_tool_execution=True leaves them to Sogni.
        given["sogni_tool_execution"] = False
    return loop


def chat_request(
    kwargs: Mapping[str, Any],
    *,
    app_source: str | None = None,
    function: str = "create",
) -> tuple[ChatCompletionParams, RequestOptions, ToolLoopOptions | None]:
    """Validate and translate ``create()`` keywords; raises before anything is sent.

    ``app_source`` is the client's default label, used when the call gives none. The third
    item holds the auto-tool loop's options when ``auto_execute_tools=True``, else ``None``.
    """
    given: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in kwargs.items():
        name = ALIASES.get(key, key)
        if name not in KNOWN_KEYWORDS:
            if name in REFUSED_KEYWORDS and not is_absent(value):
                raise ValueError(f"{name}: {REFUSED_KEYWORDS[name]}")
            if name in REFUSED_KEYWORDS:
                continue
            raise _unexpected(key, function)
        if is_absent(value):  # None (or NOT_GIVEN) is left out, in either spelling
            spelled.setdefault(name, key)
            continue
        if name in given:
            raise TypeError(f"pass {spelled[name]!r} or {key!r}, not both")
        spelled[name] = key
        given[name] = value
    if "messages" not in given:
        raise TypeError(f"{function}() missing required keyword argument 'messages'")

    options = request_options(
        extra_headers=given.pop("extra_headers", None),
        extra_query=given.pop("extra_query", None),
        extra_body=given.pop("extra_body", None),
        timeout=given.pop("timeout", None),
    )

    enable_thinking = _thinking(given)
    if enable_thinking is not None:
        template = given.get("chat_template_kwargs")
        if template is not None and not isinstance(template, Mapping):
            raise TypeError(f"chat_template_kwargs must be a dict; got {type_name(template)}")
        given["chat_template_kwargs"] = {"enable_thinking": enable_thinking, **(template or {})}

    limit = given.pop("max_completion_tokens", None)
    if limit is not None and given.setdefault("max_tokens", limit) != limit:
        raise ValueError(
            f"max_tokens ({given['max_tokens']!r}) and max_completion_tokens ({limit!r}) "
            "differ; pass one of them"
        )

    if "functions" in given:
        if "tools" in given:
            raise TypeError("pass tools or the legacy functions, not both")
        given["tools"] = _legacy_functions(given.pop("functions"))
        options = attrs.evolve(options, legacy_functions=True)
    if _has_legacy_turns(given["messages"]):
        given["messages"] = _modern_history(given["messages"])
    if "function_call" in given:
        if "tool_choice" in given:
            raise TypeError("pass tool_choice or the legacy function_call, not both")
        given["tool_choice"] = _legacy_function_call(given.pop("function_call"))

    if given.get("sogni_tools") == "rich":
        given["sogni_tools"] = "creative-tools"
    if app_source is not None:
        given.setdefault("app_source", app_source)
    loop = _tool_loop(given, spelled)

    return ChatCompletionParams(**given), options, loop


# -- the JSON body ---------------------------------------------------------------------------


def body_function(cls: type[ChatCompletionParams]) -> Callable[[Any], dict[str, Any]]:
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


_BODY: Callable[[Any], dict[str, Any]] | None = None


def request_body(params: ChatCompletionParams) -> dict[str, Any]:
    """The JSON body of ``params`` (a new dict; the function is generated on first use)."""
    global _BODY  # noqa: PLW0603 - a cache filled on first use
    if _BODY is None:
        _BODY = body_function(ChatCompletionParams)
    return _BODY(params)
