"""The auto-tool loop: completions and tool runs in turn, inline and blocking.

:func:`run_tool_loop` sends a completion, runs the tools the answer asks for, appends the
assistant message and one ``tool`` message per call, and goes round again until the model
answers (or ``max_tool_rounds`` completions were requested). Which executor runs a call, first
match wins: the caller's ``tool_handlers`` entry for that name; Sogni itself over REST when the
request enabled ``sogni_tools`` and the name is a hosted tool; ``on_tool_call``; otherwise a
"no handler" error result. A failing tool never stops the loop: the model is told
``{"success": false, "error": ...}`` and the round's history records it.

Hosted composition tools are one ``POST creative-agent/tools/execute``. Hosted media tools run
as a one-step durable workflow: started with ``POST creative-agent/workflows`` (one
``Idempotency-Key`` across retries) and followed by :mod:`.follow`. Each hosted
tool, start to result, ends within the client's ``tool_timeout``.

Bounds on what a model's answer can make the loop do: at most ``max_tool_calls_per_round``
calls of one answer run (the rest are told they were not run), one at a time; a call that is
malformed (no function name, arguments that are not a JSON object, nesting too deep) is told
so, as an error result, instead of stopping the loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._convert import json_default
from .._errors import APIError, ToolRoundsExceededError
from .._secrets import excerpt
from ..types import ChatCompletionMessage, ChatCompletionMessageToolCall, Function
from ..types.tools import ToolRound
from .executor import Executor
from .report import failed

if TYPE_CHECKING:
    from .._options import RequestOptions
    from .._params import ToolLoopOptions
    from .._requester import Requester
    from ..types import ChatCompletion

__all__ = ["run_tool_loop"]

#: ``tool_choice`` values that force a tool call (kept for the first round only).
_FORCING_CHOICES = ("required",)


def run_tool_loop(
    client: Requester,
    body: dict[str, Any],
    options: RequestOptions,
    loop: ToolLoopOptions,
    send: Callable[[dict[str, Any]], ChatCompletion],
    *,
    originals: Sequence[Any] | None = None,
) -> ChatCompletion:
    """Run completions and tools in turn; return the first answer that asks for no tools.

    ``send`` requests one completion for a body; ``originals`` are the messages as the caller
    gave them (before images were inlined), the media context's sources. Raises
    :class:`ToolRoundsExceededError` when the ``max_tool_rounds``-th completion still asks for
    tools (those are not executed).
    """
    executor = Executor(client, body, options, loop, originals)
    messages = list(body["messages"])
    history: list[ToolRound] = []
    round_body = dict(body)
    cap = loop.max_tool_calls_per_round
    for number in range(loop.max_tool_rounds):
        round_body["messages"] = list(messages)
        completion = send(round_body)
        requested = _requested_calls(completion, number)
        handoff = executor.handoff(requested)
        if not requested or handoff is not None:
            completion._loop = (history, executor.media.view(), handoff)
            if handoff is not None:
                message = completion.choices[0].message
                if not message.content and handoff.text:
                    message.content = handoff.text
            return completion
        if number == loop.max_tool_rounds - 1:
            completion._loop = (history, executor.media.view(), None)
            raise ToolRoundsExceededError(
                tool_history=history, completion=completion, max_tool_rounds=loop.max_tool_rounds
            )
        calls = [call for call, _ in requested]
        results = [
            executor.run(call, problem)
            if index < cap
            else failed(
                call,
                f"not run: the answer asked for {len(calls)} tool calls and at most {cap} run "
                "per round (max_tool_calls_per_round); ask again for the rest",
            )
            for index, (call, problem) in enumerate(requested)
        ]
        history.append(
            ToolRound(round=number, tool_calls=calls, tool_results=results, completion=completion)
        )
        messages.append(_assistant_message(completion.choices[0].message, calls))
        messages.extend(
            {
                "role": "tool",
                "tool_call_id": result.tool_call_id,
                "name": result.tool_name,
                "content": result.content,
            }
            for result in results
        )
        choice = round_body.get("tool_choice")
        if choice in _FORCING_CHOICES or isinstance(choice, Mapping):
            # A forced call was made; forcing it again every round could never end.
            round_body["tool_choice"] = "auto"
    raise AssertionError("unreachable: the last round returns or raises")  # pragma: no cover


def _requested_calls(
    completion: ChatCompletion, number: int
) -> list[tuple[ChatCompletionMessageToolCall, str | None]]:
    """The tool calls to run when the first choice stopped for them, each made well-formed.

    Each comes with ``None``, or what is wrong with it (to be told to the model instead of
    running it). Missing ids are filled in; the message's ``tool_calls`` get the cleaned calls.
    """
    if not completion.choices:
        return []
    choice = completion.choices[0]
    message = choice.message
    if choice.finish_reason != "tool_calls" or not isinstance(message, ChatCompletionMessage):
        return []
    raw_calls = message.tool_calls
    if raw_calls is None:
        return []
    if not isinstance(raw_calls, list):
        raise APIError(
            "The server's answer stopped for tool calls, but its tool_calls is not a list",
            body=excerpt(repr(raw_calls)),
        )
    requested = [_well_formed(raw, number, index) for index, raw in enumerate(raw_calls)]
    message.tool_calls = [call for call, _ in requested]
    return requested


def _well_formed(
    raw: object, number: int, index: int
) -> tuple[ChatCompletionMessageToolCall, str | None]:
    """``raw`` as a call with string id, name and arguments, and its problem if it has one."""
    problem = None
    if isinstance(raw, ChatCompletionMessageToolCall):
        call = raw
    else:
        call = ChatCompletionMessageToolCall()
        problem = f"tool call {index} is not an object"
    if not isinstance(call.id, str) or not call.id:
        call.id = f"call_{number}_{index}"
    call.type = "function"
    function = call.function
    if not isinstance(function, Function):
        function = call.function = Function()
        problem = problem or f"tool call {index} has no 'function' object"
    name = function.name
    if not isinstance(name, str) or not name:
        function.name = name if isinstance(name, str) else ""
        problem = problem or f"tool call {index} names no function"
    arguments = function.arguments
    if arguments is None:
        function.arguments = "{}"
    elif not isinstance(arguments, str):
        try:
            text = json.dumps(arguments, ensure_ascii=False, default=json_default)
        except (TypeError, ValueError, RecursionError):
            text = ""
        function.arguments = text
        if not isinstance(arguments, dict):
            problem = problem or f"the arguments of tool {function.name!r} are not a JSON object"
    return call, problem


def _assistant_message(
    message: ChatCompletionMessage, calls: list[ChatCompletionMessageToolCall]
) -> dict[str, Any]:
    sent: dict[str, Any] = {"role": "assistant"}
    if message.content is not None:
        sent["content"] = message.content
    sent["tool_calls"] = [
        {
            "id": call.id,
            "type": "function",
            "function": {"name": call.function.name, "arguments": call.function.arguments},
        }
        for call in calls
    ]
    return sent
