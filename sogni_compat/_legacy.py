"""Answers to the legacy ``functions=`` keyword, read back the way legacy code expects.

A call made with ``functions=`` goes out as ``tools`` (Sogni serves tools); its answer comes
back with the first tool call as ``message.function_call`` (no ``tool_calls``) and
``finish_reason == "function_call"``, streamed deltas with ``delta.function_call`` fragments,
as OpenAI's legacy API answered.
"""

from __future__ import annotations

from typing import Any

from .types import ChatCompletion, FunctionCall

__all__ = ["chunk_as_legacy", "completion_as_legacy"]


def completion_as_legacy(completion: ChatCompletion) -> ChatCompletion:
    """Rewrite, in place, each choice's first tool call as its ``function_call``."""
    for choice in completion.choices:
        message = choice.message
        calls = message.tool_calls
        if isinstance(calls, list) and calls:
            first = calls[0]
            function = getattr(first, "function", None)
            message.function_call = FunctionCall(
                name=getattr(function, "name", "") or "",
                arguments=getattr(function, "arguments", "") or "",
            )
            message.tool_calls = None
            sent = message._set_names() - {"tool_calls"}
            message._fields_set = dict.fromkeys(sent | {"function_call"})
        if choice.finish_reason == "tool_calls":
            choice.finish_reason = "function_call"
    return completion


def chunk_as_legacy(data: dict[str, Any]) -> None:
    """Rewrite, in place, a chunk's tool-call fragments (index 0) as ``function_call`` ones."""
    choices = data.get("choices")
    for choice in choices if isinstance(choices, list) else ():
        if not isinstance(choice, dict):
            continue
        delta = choice.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("tool_calls"), list):
            calls = delta.pop("tool_calls")
            first = next((c for c in calls if isinstance(c, dict) and c.get("index", 0) == 0), None)
            function = first.get("function") if first is not None else None
            if isinstance(function, dict):
                fragment = {k: function[k] for k in ("name", "arguments") if k in function}
                if fragment:
                    delta["function_call"] = fragment
        if choice.get("finish_reason") == "tool_calls":
            choice["finish_reason"] = "function_call"
