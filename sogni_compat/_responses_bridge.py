"""The Responses API as chat completions: a request translated, an answer translated back.

Sogni serves only ``chat/completions``. :func:`chat_keywords` turns a Responses request
(``input`` items, ``instructions``, function tools, ``text.format``, ``reasoning.effort``,
``max_output_tokens``) into the keywords of ``chat.completions.create``; :func:`response_from`
turns the completion into a :class:`~sogni_compat.types.responses.Response`. Both
``client.responses`` and the Responses event stream use them; neither imports the other.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .types.responses import (
    OutputTokensDetails,
    Response,
    ResponseFunctionToolCall,
    ResponseIncompleteDetails,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseReasoningItem,
    ResponseReasoningText,
    ResponseTextConfig,
    ResponseTextFormat,
    ResponseUsage,
)

if TYPE_CHECKING:
    from .types import ChatCompletion

__all__ = ["chat_keywords", "check_request", "input_items", "new_id", "response_from"]

#: Built-in tools of OpenAI's Responses API that Sogni cannot run.
_BUILT_IN = frozenset(
    {
        "web_search",
        "web_search_preview",
        "web_search_2025_08_26",
        "web_search_preview_2025_03_11",
        "file_search",
        "code_interpreter",
        "computer_use",
        "computer_use_preview",
        "image_generation",
        "mcp",
        "local_shell",
        "shell",
        "apply_patch",
        "custom",
    }
)


def _text_part(part: Any, where: str) -> dict[str, Any]:
    if not isinstance(part, Mapping):
        raise TypeError(f"{where} must be a dict; got {type(part).__name__}")
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text"):
        return {"type": "text", "text": part.get("text", "")}
    if kind == "input_image":
        url = part.get("image_url")
        if url is None:
            raise ValueError(
                f"{where}: input_image needs image_url (a URL, a data URI, a Path or bytes); "
                "file_id refers to OpenAI's file store, which Sogni does not have"
            )
        image: dict[str, Any] = {"url": url}
        if part.get("detail") is not None:
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    raise ValueError(
        f"{where}: content part type {kind!r} is not supported here (use input_text or input_image)"
    )


def _call_ids(messages: list[Any]) -> set[str]:
    """The ids of the tool calls the assistant turns of ``messages`` made."""
    return {
        call["id"]
        for message in messages
        if isinstance(message, Mapping)
        for call in message.get("tool_calls") or ()
        if isinstance(call, Mapping) and isinstance(call.get("id"), str)
    }


def _messages(input: Any, history: list[Any]) -> list[dict[str, Any]]:
    """Chat messages for a Responses ``input`` that continues ``history``.

    A ``function_call_output`` answers a call made in this input or in the conversation it
    continues (``previous_response_id``).
    """
    if isinstance(input, str):
        return [{"role": "user", "content": input}]
    if not isinstance(input, list | tuple):
        raise TypeError(f"input must be a string or a list of items; got {type(input).__name__}")
    messages: list[dict[str, Any]] = []
    asked = _call_ids(history)
    for i, given in enumerate(input):
        where = f"input[{i}]"
        dump = getattr(given, "model_dump", None)  # an openai (pydantic) item, or ours
        item = given if isinstance(given, Mapping) or not callable(dump) else dump()
        if not isinstance(item, Mapping):
            raise TypeError(f"{where} must be a dict; got {type(item).__name__}")
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role")
            if role not in ("user", "assistant", "system", "developer"):
                raise ValueError(f"{where}.role must be user, assistant, system or developer")
            content = item.get("content")
            if not isinstance(content, str | list):
                raise TypeError(
                    f"{where}.content must be a string or a list of parts; got "
                    f"{type(content).__name__}"
                )
            if isinstance(content, list):
                parts = [_text_part(p, f"{where}.content[{j}]") for j, p in enumerate(content)]
                if role == "assistant":
                    content = "".join(p.get("text", "") for p in parts)
                else:
                    content = parts
            messages.append({"role": role, "content": content})
        elif kind == "function_call":
            name, call_id = item.get("name"), item.get("call_id") or item.get("id")
            if not isinstance(name, str) or not name or not isinstance(call_id, str):
                raise ValueError(f"{where}: a function_call item needs a name and a call_id")
            call = {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": item.get("arguments") or "{}"},
            }
            last = messages[-1] if messages else None
            if last is not None and last.get("role") == "assistant":
                # The answer's text and its calls are one assistant turn.
                last.setdefault("tool_calls", []).append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
            asked.add(call_id)
        elif kind == "function_call_output":
            call_id = item.get("call_id")
            if not isinstance(call_id, str) or call_id not in asked:
                raise ValueError(
                    f"{where}: function_call_output needs the call_id of a function_call "
                    f"before it, in this input or in the response previous_response_id names; "
                    f"got {call_id!r}"
                )
            output = item.get("output")
            if isinstance(output, list):  # input_text parts
                output = "".join(p.get("text", "") for p in output if isinstance(p, Mapping))
            elif not isinstance(output, str):
                output = json.dumps(output, ensure_ascii=False)
            messages.append(
                {"role": "tool", "tool_call_id": item.get("call_id"), "content": output}
            )
        elif kind == "reasoning":
            continue  # the model's own thinking is not sent back
        else:
            raise ValueError(
                f"{where}: item type {kind!r} is not supported here (message, function_call, "
                "function_call_output and reasoning items are)"
            )
    return messages


#: The id prefix of each kind of input item (as the Responses API names them).
_ID_PREFIXES = {
    "message": "msg",
    "function_call": "fc",
    "function_call_output": "fco",
    "reasoning": "rs",
}


def input_items(input: Any) -> list[dict[str, Any]]:
    """A checked Responses ``input`` as the items ``input_items.list()`` shows.

    Each item gets an ``id`` (unless it has one) and a ``status``; a message's text content
    becomes a list of ``input_text`` (``output_text`` for the assistant's) parts.
    """
    if isinstance(input, str):
        input = [{"role": "user", "content": input}]
    items = []
    for given in input:
        dump = getattr(given, "model_dump", None)
        item = dict(given if isinstance(given, Mapping) or not callable(dump) else dump())
        kind = item.setdefault("type", "message")
        if kind == "message" and isinstance(item.get("content"), str):
            part = "output_text" if item.get("role") == "assistant" else "input_text"
            text: dict[str, Any] = {"type": part, "text": item["content"]}
            if part == "output_text":
                text["annotations"] = []
            item["content"] = [text]
        if not item.get("id"):
            item["id"] = new_id(_ID_PREFIXES.get(str(kind), "item"))
        item.setdefault("status", "completed")
        items.append(item)
    return items


def _tools(tools: Any) -> list[dict[str, Any]] | None:
    if tools is None:
        return None
    if not isinstance(tools, list | tuple):
        raise TypeError(f"tools must be a list; got {type(tools).__name__}")
    out = []
    for i, tool in enumerate(tools):
        kind = tool.get("type") if isinstance(tool, Mapping) else None
        if kind == "function" and isinstance(tool.get("function"), Mapping):
            # A chat-shaped tool, as openai.pydantic_function_tool() or function_tool() make
            # for responses.parse(): kept as is, so its class still parses the arguments.
            out.append(dict(tool))
            continue
        if kind in _BUILT_IN:
            raise ValueError(
                f"tools[{i}] is OpenAI's built-in {kind!r} tool, which Sogni cannot run; pass "
                "function tools (Sogni's own media tools come with sogni_tools=True)"
            )
        if kind != "function" or not isinstance(tool.get("name"), str):
            raise ValueError(
                f"tools[{i}] must be a function tool {{'type': 'function', 'name': ..., "
                f"'parameters': ...}}; got type {kind!r}"
            )
        function = {
            k: tool[k] for k in ("name", "description", "parameters", "strict") if k in tool
        }
        out.append({"type": "function", "function": function})
    return out


def _flat(tool: Any) -> Any:
    """A tool as the Responses API shows it (a chat-shaped function tool flattened)."""
    function = tool.get("function") if isinstance(tool, Mapping) else None
    if not isinstance(function, Mapping):
        return tool
    keys = ("name", "description", "parameters", "strict")
    return {"type": "function", **{k: function[k] for k in keys if k in function}}


def _tool_choice(choice: Any) -> Any:
    if choice is None or isinstance(choice, str):
        return choice
    if isinstance(choice, Mapping):
        if choice.get("type") == "function" and isinstance(choice.get("name"), str):
            return {"type": "function", "function": {"name": choice["name"]}}
        if choice.get("type") in _BUILT_IN or str(choice.get("type", "")).startswith("web_search"):
            raise ValueError(
                f"tool_choice forces OpenAI's built-in {choice.get('type')!r} tool, which "
                "Sogni cannot run"
            )
    raise ValueError(
        f"tool_choice must be 'auto', 'none', 'required' or {{'type': 'function', 'name': ...}}; "
        f"got {choice!r}"
    )


def _response_format(text: Any) -> tuple[Any, Any]:
    """``(response_format, verbosity)`` for a Responses ``text`` setting."""
    if text is None:
        return None, None
    if not isinstance(text, Mapping):
        raise TypeError(f"text must be a dict such as {{'format': {{...}}}}; got {text!r}")
    unknown = set(text) - {"format", "verbosity"}
    if unknown:
        raise ValueError(f"text takes 'format' and 'verbosity'; got {sorted(unknown)}")
    fmt = text.get("format")
    verbosity = text.get("verbosity")
    if fmt is None or (isinstance(fmt, Mapping) and fmt.get("type") == "text"):
        return None, verbosity
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_object":
        return {"type": "json_object"}, verbosity
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
        if not isinstance(fmt.get("name"), str) or not isinstance(fmt.get("schema"), Mapping):
            raise ValueError("text.format of type json_schema needs a 'name' and a 'schema'")
        spec = {k: fmt[k] for k in ("name", "schema", "strict", "description") if k in fmt}
        return {"type": "json_schema", "json_schema": spec}, verbosity
    raise ValueError(f"text.format must be text, json_object or json_schema; got {fmt!r}")


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _timestamp(value: object) -> float:
    """The completion's ``created`` as seconds, or now when it is not a usable number."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value:
        try:
            seconds = float(value)
        except OverflowError:  # an integer of hundreds of digits
            return time.time()
        if math.isfinite(seconds):
            return seconds
    return time.time()


def _text_config(request: Mapping[str, Any]) -> ResponseTextConfig:
    """The response's ``text`` setting, as asked (``text_format`` shows as its schema)."""
    text = request.get("text")
    fmt = text.get("format") if isinstance(text, Mapping) else None
    config = ResponseTextConfig()
    if request.get("text_format") is not None:  # parse(): the schema that was sent
        from ._structured import check_output_type, response_format_for  # noqa: PLC0415

        sent = response_format_for(check_output_type(request["text_format"]))["json_schema"]
        config.format = ResponseTextFormat(type="json_schema")
        config.format._extra = sent
    elif isinstance(fmt, Mapping):
        config.format = ResponseTextFormat(type=str(fmt.get("type", "text")))
        config.format._extra = {k: v for k, v in fmt.items() if k != "type"}
    if isinstance(text, Mapping) and text.get("verbosity") is not None:
        config._extra = {"verbosity": text["verbosity"]}
    return config


def response_from(
    completion: ChatCompletion,
    request: Mapping[str, Any],
    previous: str | None,
    kind: type[Response] = Response,
) -> Response:
    """The :class:`Response` of one chat completion (``kind``: ``ParsedResponse`` to parse)."""
    output: list[Any] = []
    status, incomplete = "completed", None
    choice = completion.choices[0] if completion.choices else None
    parsed = None
    if choice is not None:
        message = choice.message
        parsed = message.parsed
        reasoning = message.reasoning_content
        if reasoning:
            output.append(
                ResponseReasoningItem(
                    id=new_id("rs"), content=[ResponseReasoningText(text=reasoning)]
                )
            )
        if message.content:
            part = ResponseOutputText(text=message.content)
            part._parsed = parsed
            output.append(ResponseOutputMessage(id=new_id("msg"), content=[part]))
        for call in message.tool_calls or ():
            item = ResponseFunctionToolCall(
                id=new_id("fc"),
                call_id=call.id,
                name=call.function.name,
                arguments=call.function.arguments or "",
            )
            item._parsed_arguments = call.function.parsed_arguments
            output.append(item)
        if choice.finish_reason in ("length", "content_filter"):
            status = "incomplete"
            reason = "max_output_tokens" if choice.finish_reason == "length" else "content_filter"
            incomplete = ResponseIncompleteDetails(reason=reason)
            for entry in output:
                if isinstance(entry, ResponseOutputMessage):
                    entry.status = "incomplete"
    usage = None
    if completion.usage is not None:
        details = completion.usage.completion_tokens_details
        reasoning_tokens = getattr(details, "reasoning_tokens", None) or 0
        usage = ResponseUsage(
            input_tokens=completion.usage.prompt_tokens,
            output_tokens=completion.usage.completion_tokens,
            total_tokens=completion.usage.total_tokens,
            output_tokens_details=OutputTokensDetails(reasoning_tokens=reasoning_tokens),
        )
    response = kind(
        id=new_id("resp"),
        created_at=_timestamp(completion.created),
        model=completion.model,
        status=status,
        output=output,
        usage=usage,
        incomplete_details=incomplete,
        instructions=request.get("instructions"),
        metadata=request.get("metadata"),
        parallel_tool_calls=request.get("parallel_tool_calls", True) is not False,
        temperature=request.get("temperature"),
        top_p=request.get("top_p"),
        tool_choice=request.get("tool_choice") or "auto",
        tools=[_flat(tool) for tool in request.get("tools") or ()],
        max_output_tokens=request.get("max_output_tokens"),
        previous_response_id=previous,
        reasoning=request.get("reasoning"),
        text=_text_config(request),
        truncation=request.get("truncation") or "disabled",
        store=request.get("store", True),
        user=request.get("user"),
    )
    response._loop = completion
    response._output_parsed = parsed
    return response


def check_request(request: Mapping[str, Any]) -> None:
    """Refuse, before sending, Responses settings this translation cannot honour."""
    if "messages" in request:
        raise TypeError("responses take input=, not messages= (that is chat.completions)")
    for key, why in _REFUSED.items():
        if request.get(key) is not None:
            raise ValueError(f"{key}: {why}")
    reasoning = request.get("reasoning")
    if reasoning is not None and not isinstance(reasoning, Mapping):
        raise TypeError(f"reasoning must be a dict such as {{'effort': 'low'}}; got {reasoning!r}")
    if request.get("truncation") not in (None, "auto", "disabled"):
        raise ValueError(f"truncation must be 'auto' or 'disabled'; got {request['truncation']!r}")
    include = request.get("include")
    if include is not None and (
        not isinstance(include, list | tuple) or not all(isinstance(i, str) for i in include)
    ):
        raise TypeError("include must be a list of strings")
    if request.get("store") is not None and not isinstance(request["store"], bool):
        raise TypeError(f"store must be True or False; got {request['store']!r}")


#: Responses keywords this translation refuses, and why.
_REFUSED = {
    "max_tool_calls": "not supported here; the auto-tool loop has max_tool_calls_per_round",
    "background": "background responses need OpenAI's server; Sogni has no such mode",
    "conversation": "OpenAI's conversations are not served by Sogni; use previous_response_id",
    "prompt": "OpenAI's stored prompts are not served by Sogni; pass instructions",
}


def chat_keywords(request: dict[str, Any], history: list[Any]) -> tuple[dict[str, Any], list[Any]]:
    """The chat keywords of a checked Responses ``request``, and its conversation.

    ``history`` is the stored conversation ``previous_response_id`` continues; the
    conversation returned is it plus this input (without instructions). ``request`` is
    emptied of what was translated; what remains (Sogni and loop keywords, request options)
    is passed on as it is.
    """
    if "input" not in request:
        raise TypeError("create() missing required keyword argument 'input'")
    # As in openai's API, instructions apply to this response only: a stored conversation
    # keeps the input and the answers, not the instructions.
    conversation = history + _messages(request.pop("input"), history)
    instructions = request.pop("instructions", None)
    messages = list(conversation)
    if instructions is not None:
        if not isinstance(instructions, str):
            raise TypeError("instructions must be a string")
        messages.insert(0, {"role": "system", "content": instructions})
    for key in ("store", "truncation", "include"):
        request.pop(key, None)
    chat: dict[str, Any] = {"messages": messages}
    tools = _tools(request.pop("tools", None))
    if tools is not None:
        chat["tools"] = tools
    if "tool_choice" in request:
        chat["tool_choice"] = _tool_choice(request.pop("tool_choice"))
    response_format, verbosity = _response_format(request.pop("text", None))
    if response_format is not None:
        chat["response_format"] = response_format
    if verbosity is not None:
        chat["verbosity"] = verbosity
    reasoning = request.pop("reasoning", None)
    if isinstance(reasoning, Mapping) and reasoning.get("effort") is not None:
        chat["reasoning_effort"] = reasoning["effort"]
    if request.get("max_output_tokens") is not None:
        chat["max_tokens"] = request.pop("max_output_tokens")
    request.pop("max_output_tokens", None)
    chat.update(request)  # Sogni and loop keywords, request options, passed keywords
    return chat, conversation
