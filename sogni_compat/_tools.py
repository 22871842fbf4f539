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
``Idempotency-Key`` across retries) and followed by :mod:`sogni_compat._workflow`. Each hosted
tool, start to result, ends within the client's ``tool_timeout``.

Bounds on what a model's answer can make the loop do: at most ``max_tool_calls_per_round``
calls of one answer run (the rest are told they were not run), one at a time; a call that is
malformed (no function name, arguments that are not a JSON object, nesting too deep) is told
so, as an error result, instead of stopping the loop.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import json
import logging
import time
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import cattrs

from ._convert import _strip_optional, converter, json_default
from ._errors import APIError, ToolRoundsExceededError
from ._json import loads
from ._params import RequestOptions, ToolLoopOptions, sogni_tools_enabled
from ._secrets import excerpt
from ._workflow import (
    FINAL_STATUSES,
    WorkflowFailedError,
    WorkflowFollower,
    status_of,
    success_data,
    workflow_of,
)
from .types import (
    ChatCompletion,
    ChatCompletionMessage,
    ChatCompletionMessageToolCall,
    Function,
    ToolProgress,
    ToolResult,
    ToolRound,
)

if TYPE_CHECKING:
    from ._client import OpenAI
    from .types.tools import ToolProgressStatus

__all__ = ["COMPOSITION_TOOLS", "HOSTED_TOOLS", "MEDIA_TOOLS", "run_tool_loop"]

logger = logging.getLogger("sogni_compat")

#: Sogni's hosted media tools: each runs as a durable workflow.
MEDIA_TOOLS = frozenset(
    {
        "generate_image",
        "edit_image",
        "generate_video",
        "sound_to_video",
        "video_to_video",
        "generate_music",
        "generate_speech",
        "restore_photo",
        "apply_style",
        "refine_result",
        "change_angle",
        "animate_photo",
        "upscale_image",
        "upscale_video",
        "image_to_3d",
        "remove_background",
        "segment_image",
        "stitch_video",
        "orbit_video",
        "dance_montage",
        "extend_video",
        "replace_video_segment",
        "overlay_video",
        "add_subtitles",
    }
)
#: Sogni's synchronous composition tools: one request each.
COMPOSITION_TOOLS = frozenset(
    {
        "enhance_prompt",
        "compose_script",
        "compose_lyrics",
        "compose_instrumental",
        "compose_workflow",
        "compose_workflow_template",
    }
)
HOSTED_TOOLS = MEDIA_TOOLS | COMPOSITION_TOOLS

#: ``tool_choice`` values that force a tool call (kept for the first round only).
_FORCING_CHOICES = ("required",)


class _ToolFailedError(Exception):
    """A tool could not produce a result; the message is what the model is told."""


def run_tool_loop(
    client: OpenAI,
    body: dict[str, Any],
    options: RequestOptions,
    loop: ToolLoopOptions,
    send: Callable[[dict[str, Any]], ChatCompletion],
) -> ChatCompletion:
    """Run completions and tools in turn; return the first answer that asks for no tools.

    ``send`` requests one completion for a body. Raises :class:`ToolRoundsExceededError` when
    the ``max_tool_rounds``-th completion still asks for tools (those are not executed).
    """
    executor = _Executor(client, body, options, loop)
    messages = list(body["messages"])
    history: list[ToolRound] = []
    round_body = dict(body)
    cap = loop.max_tool_calls_per_round
    for number in range(loop.max_tool_rounds):
        round_body["messages"] = list(messages)
        completion = send(round_body)
        requested = _requested_calls(completion, number)
        if not requested:
            completion._tool_history = history
            return completion
        if number == loop.max_tool_rounds - 1:
            raise ToolRoundsExceededError(
                tool_history=history, completion=completion, max_tool_rounds=loop.max_tool_rounds
            )
        calls = [call for call, _ in requested]
        results = [
            executor.run(call, problem)
            if index < cap
            else executor.failed(
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


def _parse_arguments(call: ChatCompletionMessageToolCall) -> dict[str, Any]:
    name, arguments = call.function.name, call.function.arguments
    if not isinstance(arguments, str) or not arguments.strip():
        return {}
    try:
        parsed = loads(arguments)
    except ValueError as exc:
        raise _ToolFailedError(f"the arguments of tool {name!r} are not valid JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise _ToolFailedError(
            f"the arguments of tool {name!r} must be a JSON object; got {type(parsed).__name__}"
        )
    return parsed


def _result_text(value: object, name: str) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=json_default)
    except (TypeError, ValueError, RecursionError) as exc:
        raise _ToolFailedError(
            f"the result of tool {name!r} cannot be JSON-encoded: {exc}"
        ) from exc


def _failure_content(error: str) -> str:
    return json.dumps({"success": False, "error": error}, ensure_ascii=False)


# -- typed handler arguments -----------------------------------------------------------------


def _structured_class(hint: Any) -> bool:
    return isinstance(hint, type) and (
        attrs.has(hint)
        or dataclasses.is_dataclass(hint)
        or issubclass(hint, enum.Enum)
        or callable(getattr(hint, "model_validate", None))
    )


def _needs_structuring(hint: Any) -> bool:
    """Whether a JSON value for ``hint`` must be built into objects (attrs, dataclass, enum)."""
    hint = _strip_optional(hint)
    if _structured_class(hint):
        return True
    if typing.get_origin(hint) in (list, tuple, set, frozenset, dict):
        return any(_needs_structuring(arg) for arg in typing.get_args(hint) if arg is not ...)
    return False


def _structure(value: Any, hint: Any) -> Any:
    target = _strip_optional(hint)
    validate = getattr(target, "model_validate", None)
    if isinstance(target, type) and callable(validate):  # a pydantic model
        return validate(value)
    return converter.structure(value, hint)


@attrs.frozen
class _HandlerSpec:
    """What is needed to call one handler: its signature and the hints that need building."""

    signature: inspect.Signature | None
    hints: Mapping[str, Any]


def _handler_spec(handler: Callable[..., Any]) -> _HandlerSpec:
    try:
        signature: inspect.Signature | None = inspect.signature(handler)
    except (TypeError, ValueError):  # some builtins have no signature
        return _HandlerSpec(None, {})
    try:
        hints = typing.get_type_hints(handler)
    except Exception:  # unresolvable annotations: pass the JSON values as they are
        hints = {}
    built = {
        name: hint for name, hint in hints.items() if name != "return" and _needs_structuring(hint)
    }
    return _HandlerSpec(signature, built)


# -- the executor ----------------------------------------------------------------------------


@attrs.define
class _WorkflowState:
    """What has been reported of one workflow."""

    workflow_id: str = ""
    reported: tuple[Any, ...] | None = None
    percent: float = 0.0


class _Executor:
    """Runs one tool call with the first executor that applies; never raises for a tool error."""

    def __init__(
        self,
        client: OpenAI,
        body: Mapping[str, Any],
        options: RequestOptions,
        loop: ToolLoopOptions,
    ) -> None:
        self._client = client
        self._loop = loop
        self._hosted = sogni_tools_enabled(body.get("sogni_tools"))
        self._labels = {
            key: body[key] for key in ("app_source", "token_type") if body.get(key) is not None
        }
        self._headers = options.extra_headers
        self._timeout = options.timeout or client.timeout
        self._specs: dict[int, _HandlerSpec] = {}

    def run(self, call: ChatCompletionMessageToolCall, problem: str | None = None) -> ToolResult:
        """Execute ``call`` (or report ``problem``); errors become a failed result."""
        name = call.function.name
        started = time.monotonic()
        try:
            if problem is not None:
                raise _ToolFailedError(problem)
            result = self._dispatch(call, name)
        except _ToolFailedError as exc:
            result = self.failed(call, str(exc))
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "tool %s (%s) %s in %.1f ms",
                name,
                call.id,
                "succeeded" if result.success else f"failed: {result.error}",
                (time.monotonic() - started) * 1000,
            )
        return result

    def _dispatch(self, call: ChatCompletionMessageToolCall, name: str) -> ToolResult:
        arguments = _parse_arguments(call)
        handler = self._loop.tool_handlers.get(name)
        if handler is not None:
            return self._succeeded(call, self._call_handler(handler, name, arguments))
        if self._hosted and name in HOSTED_TOOLS:
            return self._run_hosted(call, name, arguments)
        on_tool_call = self._loop.on_tool_call
        if on_tool_call is not None:
            try:
                value = on_tool_call(call)
            except Exception as exc:
                raise _ToolFailedError(
                    f"on_tool_call raised {type(exc).__name__} for tool {name!r}: {exc}"
                ) from exc
            return self._succeeded(call, _result_text(value, name))
        raise _ToolFailedError(
            f"no handler for tool {name!r}: add it to tool_handlers or pass on_tool_call"
        )

    def _call_handler(
        self, handler: Callable[..., Any], name: str, arguments: dict[str, Any]
    ) -> str:
        spec = self._specs.get(id(handler))
        if spec is None:
            spec = self._specs[id(handler)] = _handler_spec(handler)
        args: tuple[Any, ...] = ()
        kwargs = arguments
        if spec.signature is not None:
            try:
                bound = spec.signature.bind(**arguments)
            except TypeError as exc:
                raise _ToolFailedError(f"bad arguments for tool {name!r}: {exc}") from exc
            for param, hint in spec.hints.items():
                value = bound.arguments.get(param)
                if param in bound.arguments and value is not None:
                    try:
                        bound.arguments[param] = _structure(value, hint)
                    except Exception as exc:
                        detail = (
                            "; ".join(cattrs.transform_error(exc))
                            if isinstance(exc, cattrs.BaseValidationError)
                            else str(exc)
                        )
                        raise _ToolFailedError(
                            f"argument {param!r} of tool {name!r} does not fit "
                            f"{getattr(hint, '__name__', hint)}: {detail}"
                        ) from exc
            args, kwargs = bound.args, bound.kwargs
        try:
            value = handler(*args, **kwargs)
        except Exception as exc:
            raise _ToolFailedError(f"tool {name!r} raised {type(exc).__name__}: {exc}") from exc
        return _result_text(value, name)

    @staticmethod
    def _succeeded(
        call: ChatCompletionMessageToolCall, content: str, urls: list[str] | None = None
    ) -> ToolResult:
        return ToolResult(
            tool_call_id=call.id,
            tool_name=call.function.name,
            success=True,
            result_urls=urls or [],
            content=content,
        )

    @staticmethod
    def failed(call: ChatCompletionMessageToolCall, error: str) -> ToolResult:
        """A result telling the model the call failed, and why."""
        return ToolResult(
            tool_call_id=call.id,
            tool_name=call.function.name,
            success=False,
            content=_failure_content(error),
            error=error,
        )

    # -- Sogni's hosted tools ----------------------------------------------------------------

    def _options(self, deadline: float) -> RequestOptions:
        connect, read = self._timeout
        remaining = deadline - time.monotonic()
        return RequestOptions(extra_headers=self._headers, timeout=(connect, min(read, remaining)))

    def _progress(
        self,
        call: ChatCompletionMessageToolCall,
        status: ToolProgressStatus,
        percent: float,
        *,
        state: _WorkflowState | None = None,
        eta: float | None = None,
        urls: list[str] | None = None,
    ) -> None:
        """Report progress once per change; the callback's own exceptions propagate."""
        report = self._loop.on_tool_progress
        key = (status, percent, eta)
        if state is not None:
            state.percent = percent
            if state.reported == key:
                return
            state.reported = key
        if report is not None:
            report(
                call,
                ToolProgress(
                    status=status,
                    percent=percent,
                    eta=eta,
                    result_urls=urls or [],
                    workflow_id=state.workflow_id or None if state is not None else None,
                ),
            )

    def _run_hosted(
        self, call: ChatCompletionMessageToolCall, name: str, arguments: dict[str, Any]
    ) -> ToolResult:
        deadline = time.monotonic() + self._client.tool_timeout
        state = _WorkflowState() if name in MEDIA_TOOLS else None
        try:
            if state is not None:
                return self._run_workflow(call, name, arguments, state, deadline)
            return self._run_composition(call, name, arguments, deadline)
        except (APIError, _ToolFailedError, WorkflowFailedError) as exc:
            message = exc.message if isinstance(exc, APIError) else str(exc)
            if isinstance(exc, APIError) and time.monotonic() >= deadline:
                message = (
                    f"tool {name!r} did not finish within tool_timeout="
                    f"{self._client.tool_timeout:g} s"
                )
            percent = state.percent if state is not None else 0.0
            self._progress(call, "failed", percent, state=state)
            raise _ToolFailedError(message) from exc

    def _run_composition(
        self,
        call: ChatCompletionMessageToolCall,
        name: str,
        arguments: dict[str, Any],
        deadline: float,
    ) -> ToolResult:
        self._progress(call, "processing", 0.0)
        data = self._client._request(
            "POST",
            "creative-agent/tools/execute",
            body={"tool": name, "arguments": arguments, **self._labels},
            options=self._options(deadline),
            parse=success_data,
            deadline=deadline,
        )
        self._progress(call, "completed", 100.0)
        content = {
            "success": True,
            "tool": name,
            "message": data.get("message"),
            "result": data.get("result"),
        }
        return self._succeeded(call, _result_text(content, name))

    def _run_workflow(
        self,
        call: ChatCompletionMessageToolCall,
        name: str,
        arguments: dict[str, Any],
        state: _WorkflowState,
        deadline: float,
    ) -> ToolResult:
        data_uri = _find_data_uri(arguments)
        if data_uri is not None:
            raise _ToolFailedError(
                f"argument {data_uri} of tool {name!r} is a data URI; Sogni workflows accept "
                "media only as http(s) URLs"
            )
        self._progress(call, "creating", 0.0, state=state)
        workflow = self._client._request(
            "POST",
            "creative-agent/workflows",
            body={"input": {"steps": [{"toolName": name, "arguments": arguments}]}, **self._labels},
            options=self._options(deadline),
            parse=workflow_of,
            deadline=deadline,
        )
        workflow_id = workflow.get("workflowId") or workflow.get("id")
        if not isinstance(workflow_id, str) or not workflow_id:
            raise _ToolFailedError("Sogni started a workflow but did not say its id")
        state.workflow_id = workflow_id
        status = status_of(workflow)
        self._report_status(call, state, status, {})
        follower = WorkflowFollower(
            client=self._client,
            workflow_id=workflow_id,
            deadline=deadline,
            on_event=lambda data: self._report_status(call, state, status_of(data), data),
            timeout=self._timeout,
            headers=self._headers,
        )
        final = follower.run(status)
        return self._workflow_result(call, name, state, final)

    def _report_status(
        self,
        call: ChatCompletionMessageToolCall,
        state: _WorkflowState,
        status: object,
        data: Mapping[str, Any],
    ) -> bool:
        """Report one workflow status; ``True`` when it is final."""
        if status in FINAL_STATUSES:
            return True
        percent = _number(data.get("progress"))
        if percent is None and status is None:
            return False  # e.g. a heartbeat
        percent = state.percent if percent is None else max(0.0, min(100.0, percent))
        eta = _number(data.get("eta", data.get("etaSeconds")))
        self._progress(
            call, "queued" if status == "queued" else "processing", percent, state=state, eta=eta
        )
        return False

    def _workflow_result(
        self,
        call: ChatCompletionMessageToolCall,
        name: str,
        state: _WorkflowState,
        workflow: Mapping[str, Any],
    ) -> ToolResult:
        status = status_of(workflow)
        found = workflow.get("artifacts")
        artifacts = [a for a in found if isinstance(a, dict)] if isinstance(found, list) else []
        urls = [a["url"] for a in artifacts if isinstance(a.get("url"), str)]
        if status == "completed" or (status == "partial_failure" and urls):
            self._progress(call, "completed", 100.0, state=state, urls=urls)
            content = {"success": True, "media_type": _media_type(artifacts, name), "urls": urls}
            return self._succeeded(call, json.dumps(content, ensure_ascii=False), urls)
        raise _ToolFailedError(_workflow_error(state.workflow_id, status, workflow))


# -- wire helpers ----------------------------------------------------------------------------


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _find_data_uri(value: object, path: str = "") -> str | None:
    """The path of the first ``data:`` URI inside the arguments, if any."""
    if isinstance(value, str):
        return (path or "value") if value[:5].lower() == "data:" else None
    items: Any = ()
    if isinstance(value, dict):
        items = ((f"{path}.{key}" if path else str(key), item) for key, item in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{i}]", item) for i, item in enumerate(value))
    for where, item in items:
        found = _find_data_uri(item, where)
        if found is not None:
            return found
    return None


def _media_type(artifacts: list[dict[str, Any]], tool: str) -> str:
    for artifact in artifacts:
        kind = artifact.get("mediaType") or artifact.get("media_type")
        if isinstance(kind, str) and kind:
            return kind.split("/", 1)[0]
    if "video" in tool:
        return "video"
    if tool in ("generate_music", "generate_speech"):
        return "audio"
    return "image"


def _workflow_error(workflow_id: str, status: object, workflow: Mapping[str, Any]) -> str:
    error = workflow.get("error")
    if isinstance(error, dict):
        error = error.get("message") or json.dumps(error, ensure_ascii=False)
    if isinstance(error, str) and error:
        return f"workflow {workflow_id} {status}: {error}"
    if status == "waiting_for_user":
        return f"workflow {workflow_id} is waiting for user input, which this client cannot give"
    if status == "partial_failure":
        return f"workflow {workflow_id} ended in partial_failure without any media"
    return f"workflow {workflow_id} ended with status {status!r}"
