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
import math
import time
import typing
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import attrs
import cattrs
import requests

from ._config import CANCEL_TIMEOUT, WORKFLOW_RECONNECT_DELAY, WORKFLOW_RECONNECT_MAX_DELAY
from ._convert import converter, json_default
from ._errors import APIError, APIResponseValidationError, ConflictError, ToolRoundsExceededError
from ._json import loads
from ._media import MediaContext, MediaError
from ._options import RequestOptions
from ._params import ToolLoopOptions, sogni_tools_enabled
from ._retry import backoff as retry_backoff
from ._retry import retry_decision
from ._secrets import excerpt, mask
from ._transport import idempotency_key
from ._wire import decode_json, status_of, success_data, workflow_of
from ._workflow import (
    FINAL_STATUSES,
    WorkflowFailedError,
    WorkflowTimeoutError,
    follow_workflow,
)
from .hosted_tools import HostedTool, MediaKind, catalog
from .types import (
    ChatCompletion,
    ChatCompletionMessage,
    ChatCompletionMessageToolCall,
    Function,
)
from .types._base import strip_optional
from .types.tools import ToolHandoff, ToolProgress, ToolResult, ToolRound

if TYPE_CHECKING:
    from ._requester import Requester
    from .types.tools import ToolProgressStatus

__all__ = ["run_tool_loop"]

logger = logging.getLogger("sogni_compat")

#: ``tool_choice`` values that force a tool call (kept for the first round only).
_FORCING_CHOICES = ("required",)


class _ToolFailedError(Exception):
    """A tool could not produce a result; the message is what the model is told."""


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
    executor = _Executor(client, body, options, loop, originals)
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
    hint = strip_optional(hint)
    if _structured_class(hint):
        return True
    if typing.get_origin(hint) in (list, tuple, set, frozenset, dict):
        return any(_needs_structuring(arg) for arg in typing.get_args(hint) if arg is not ...)
    return False


def _structure(value: Any, hint: Any) -> Any:
    target = strip_optional(hint)
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
    #: ``True`` once a progress value above 1 showed the workflow reports percentages.
    percent_scale: bool = False
    final: bool = False


#: Settings of the chat call that every workflow and tool execution the loop starts carries.
_FORWARDED = ("app_source", "token_type", "billing_mode", "safe_content_filter")
_WORKFLOW_ONLY = ("max_estimated_capacity_units", "confirm_cost")
#: Argument names a control tool's question or answer may be under, in order of preference.
_HANDOFF_TEXT = ("question", "response", "message", "answer", "content", "text", "summary")


class _Executor:
    """Runs one tool call with the first executor that applies; never raises for a tool error."""

    def __init__(
        self,
        client: Requester,
        body: Mapping[str, Any],
        options: RequestOptions,
        loop: ToolLoopOptions,
        originals: Sequence[Any] | None = None,
        *,
        tool_timeout: float | None = None,
    ) -> None:
        self._client = client
        #: Seconds one hosted tool may take, start to result (default: the client's).
        self._tool_timeout = client.tool_timeout if tool_timeout is None else tool_timeout
        self._loop = loop
        enabled = sogni_tools_enabled(body.get("sogni_tools"))
        #: Sogni runs its hosted tools itself (``sogni_tool_execution=True``).
        self._server_side = enabled and body.get("sogni_tool_execution") is True
        self._hosted = enabled and not self._server_side
        self._catalog = catalog() if enabled else None
        self._labels = {key: body[key] for key in _FORWARDED if body.get(key) is not None}
        self._workflow_settings = {
            key: body[key] for key in _WORKFLOW_ONLY if body.get(key) is not None
        }
        self._headers = options.extra_headers
        self._timeout = options.timeout or client.timeout
        self._specs: dict[int, _HandlerSpec] = {}
        self.media = MediaContext(
            body["messages"] if originals is None else originals,
            body.get("media_references"),
            allow_local_files=client.allow_local_files,
            seed=loop.media_context,
        )

    def _hosted_tool(self, name: str) -> HostedTool | None:
        if self._catalog is None or name in self._loop.tool_handlers:
            return None
        return self._catalog.get(name)

    def handoff(
        self, requested: list[tuple[ChatCompletionMessageToolCall, str | None]]
    ) -> ToolHandoff | None:
        """The first control tool of an answer, which ends the loop, or ``None``."""
        for call, problem in requested:
            tool = self._hosted_tool(call.function.name)
            if problem is None and tool is not None and tool.execution == "control":
                try:
                    arguments = _parse_arguments(call)
                except _ToolFailedError:
                    arguments = {}
                text = next(
                    (
                        value
                        for key in _HANDOFF_TEXT
                        if isinstance(value := arguments.get(key), str) and value
                    ),
                    None,
                )
                return ToolHandoff(
                    tool_call_id=call.id, name=tool.name, arguments=arguments, text=text
                )
        return None

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
        tool = self._hosted_tool(name) if self._hosted else None
        if tool is not None and tool.execution in ("workflow", "execute"):
            return self._run_hosted(call, tool, arguments)
        if tool is not None and tool.execution == "server":
            raise _ToolFailedError(
                f"tool {name!r} is in Sogni's hosted-tool manifest but is not a workflow step "
                "a client may start; only Sogni's server-side execution "
                "(sogni_tool_execution=True) runs it"
            )
        on_tool_call = self._loop.on_tool_call
        if on_tool_call is not None:
            try:
                value = on_tool_call(call)
            except Exception as exc:
                raise _ToolFailedError(
                    f"on_tool_call raised {type(exc).__name__} for tool {name!r}: {exc}"
                ) from exc
            return self._succeeded(call, _result_text(value, name))
        if self._server_side and name in (self._catalog or ()):
            raise _ToolFailedError(
                f"tool {name!r} is one of Sogni's hosted tools, which Sogni runs itself "
                "here (sogni_tool_execution=True); it was not run"
            )
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
        """A result telling the model the call failed, and why (keys masked: it is sent on)."""
        error = mask(error)
        return ToolResult(
            tool_call_id=call.id,
            tool_name=call.function.name,
            success=False,
            content=_failure_content(error),
            error=error,
        )

    # -- Sogni's hosted tools ----------------------------------------------------------------

    def _options(self, deadline: float, extra: Mapping[str, str] | None = None) -> RequestOptions:
        connect, read = self._timeout
        remaining = deadline - time.monotonic()
        headers = {**(self._headers or {}), **extra} if extra else self._headers
        return RequestOptions(extra_headers=headers, timeout=(connect, min(read, remaining)))

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
        emit_progress(
            self._loop.on_tool_progress, call, status, percent, state=state, eta=eta, urls=urls
        )

    def _run_hosted(
        self, call: ChatCompletionMessageToolCall, tool: HostedTool, arguments: dict[str, Any]
    ) -> ToolResult:
        deadline = time.monotonic() + self._tool_timeout
        state = _WorkflowState() if tool.execution == "workflow" else None
        try:
            if state is not None:
                return self._run_workflow(call, tool, arguments, state, deadline)
            return self._run_composition(call, tool.name, arguments, deadline)
        except (APIError, _ToolFailedError, WorkflowFailedError, MediaError) as exc:
            message = exc.message if isinstance(exc, APIError) else str(exc)
            if isinstance(exc, APIError) and time.monotonic() >= deadline:
                message = (
                    f"tool {tool.name!r} did not finish within tool_timeout="
                    f"{self._tool_timeout:g} s"
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
        return self._succeeded(call, mask(_result_text(content, name)))

    def _upload(self, kind: MediaKind, data: bytes, content_type: str, deadline: float) -> str:
        """Upload media for a workflow step; returns the URL the step may use."""
        return upload_media(
            self._client,
            kind,
            data,
            content_type,
            deadline=deadline,
            timeout=self._timeout,
            headers=self._headers,
        )

    def _run_workflow(
        self,
        call: ChatCompletionMessageToolCall,
        tool: HostedTool,
        arguments: dict[str, Any],
        state: _WorkflowState,
        deadline: float,
    ) -> ToolResult:
        name = tool.name
        data_uri = _find_data_uri(arguments)
        if data_uri is not None:
            raise _ToolFailedError(
                f"argument {data_uri} of tool {name!r} is a data URI; Sogni workflows accept "
                "media only as http(s) URLs"
            )
        self._progress(call, "creating", 0.0, state=state)

        def upload(kind: MediaKind, data: bytes, content_type: str) -> str:
            try:
                return self._upload(kind, data, content_type, deadline)
            except APIError as exc:
                raise MediaError(
                    f"uploading media ({kind}) for tool {name!r} failed: {exc.message}"
                ) from exc

        step = self.media.step(tool, arguments, upload)
        body: dict[str, Any] = {
            "input": {"steps": [{"toolName": name, "arguments": step.arguments}]},
            **self._labels,
            **self._workflow_settings,
        }
        if step.media_references:
            body["media_references"] = step.media_references
        workflow = self._start_workflow(call, state, body, deadline)
        workflow_id = workflow.get("workflowId") or workflow.get("id")
        if not isinstance(workflow_id, str) or not workflow_id:
            raise _ToolFailedError("Sogni started a workflow but did not say its id")
        state.workflow_id = workflow_id
        try:
            status = status_of(workflow)
            state.final = self._report_status(call, state, status, workflow)
            follower = follow_workflow(
                self._client,
                workflow_id,
                deadline,
                self._timeout,
                self._headers,
                tool_timeout=self._tool_timeout,
            )
            for event in follower.events(done=state.final):
                self._report_status(call, state, status_of(event.data), event.data)
            final = follower.final
            assert final is not None
            state.final = True
        except BaseException as exc:
            if not state.final:
                self._cancel(workflow_id, exc)
            raise
        if status_of(final) == "waiting_for_user":
            # Nobody here can answer it (e.g. approve its cost): stop it rather than leave it.
            path = f"creative-agent/workflows/{quote(workflow_id, safe='')}/cancel"
            reason = "it waits for the caller, which the tool loop cannot be"
            cancel_quietly(self._client, path, reason, self._timeout, self._headers)
        return self._workflow_result(call, tool, state, final)

    def _start_workflow(
        self,
        call: ChatCompletionMessageToolCall,
        state: _WorkflowState,
        body: dict[str, Any],
        deadline: float,
    ) -> dict[str, Any]:
        """``POST creative-agent/workflows``, waiting while Sogni answers 409 (no capacity).

        One ``Idempotency-Key`` covers every attempt. A 409 ("too many active workflows") is
        waited out, 0.5 s doubling to 30 s (or the ``Retry-After`` asked), until ``deadline``;
        other failures are retried as any request is (``max_retries``, same backoff rules).
        """
        key = {"Idempotency-Key": idempotency_key()}
        conflicts = failures = 0
        while True:
            try:
                workflow: dict[str, Any] = self._client._request(
                    "POST",
                    "creative-agent/workflows",
                    body=body,
                    options=self._options(deadline, key),
                    parse=workflow_of,
                    deadline=deadline,
                    retries=0,
                )
                return workflow
            except ConflictError as exc:
                backoff = WORKFLOW_RECONNECT_DELAY * 2.0 ** min(conflicts, 32)
                delay = max(exc.retry_after or 0.0, min(backoff, WORKFLOW_RECONNECT_MAX_DELAY))
                conflicts += 1
                if time.monotonic() + delay >= deadline:
                    raise _ToolFailedError(
                        f"Sogni had no room for another workflow ({exc.message}) within "
                        f"tool_timeout={self._tool_timeout:g} s"
                    ) from exc
                logger.debug("workflow start answered 409; waiting %.1fs for capacity", delay)
                self._progress(call, "queued", 0.0, state=state)
            except APIError as exc:
                again, asked = retry_decision(exc)
                if not again or failures >= self._client.max_retries:
                    raise
                delay = asked if asked is not None and asked > 0 else retry_backoff(failures)
                failures += 1
                if time.monotonic() + delay >= deadline:
                    raise
            self._client._sleep(delay)

    def _cancel(self, workflow_id: str, why: BaseException) -> None:
        """Ask Sogni to stop a workflow the loop gave up on (it would keep billing).

        One attempt, at most :data:`CANCEL_TIMEOUT` seconds; a failure is logged, not raised.
        """
        if isinstance(why, KeyboardInterrupt):
            reason = "interrupted by the user"
        elif isinstance(why, WorkflowTimeoutError):
            reason = f"tool_timeout={self._tool_timeout:g} s passed"
        else:
            reason = f"the client stopped following it: {type(why).__name__}"
        path = f"creative-agent/workflows/{quote(workflow_id, safe='')}/cancel"
        cancel_quietly(self._client, path, reason, self._timeout, self._headers)

    def _report_status(
        self,
        call: ChatCompletionMessageToolCall,
        state: _WorkflowState,
        status: object,
        data: Mapping[str, Any],
    ) -> bool:
        """Report one workflow status; ``True`` when it is final."""
        return report_workflow_event(self._loop.on_tool_progress, call, state, status, data)

    def _workflow_result(
        self,
        call: ChatCompletionMessageToolCall,
        tool: HostedTool,
        state: _WorkflowState,
        workflow: Mapping[str, Any],
    ) -> ToolResult:
        status = status_of(workflow)
        found = workflow.get("artifacts")
        artifacts = [a for a in found if isinstance(a, dict)] if isinstance(found, list) else []
        media = [
            (_artifact_kind(a, tool.name), a["url"])
            for a in artifacts
            if isinstance(a.get("url"), str) and a["url"][:8].lower().startswith(_WEB)
        ]
        if len(media) < len(artifacts):
            logger.debug("workflow %s: ignored artifacts without an http(s) url", state.workflow_id)
        urls = [url for _, url in media]
        output = _step_output(workflow)
        if not (status == "completed" or (status == "partial_failure" and (urls or output))):
            raise _ToolFailedError(_workflow_error(state.workflow_id, status, workflow))
        if not urls and output is None and tool.family == "generation":
            raise _ToolFailedError(
                f"workflow {state.workflow_id} {status} without any media (no artifact with "
                "an http(s) url)"
            )
        self._progress(call, "completed", 100.0, state=state, urls=urls)
        content: dict[str, Any] = {"success": True, "tool": tool.name}
        content["workflowId"] = state.workflow_id
        made = []
        for kind in dict.fromkeys(kind for kind, _ in media):
            indices = self.media.add_results(
                kind, [url for k, url in media if k == kind], tool.name, call.id, state.workflow_id
            )
            made.append({"kind": kind, "startIndex": indices[0], "indices": indices})
        if made:
            # The first kind's numbers at the top level, as Sogni's own loop reports them.
            content.update(kind=made[0]["kind"], media_type=made[0]["kind"], urls=urls)
            content.update(startIndex=made[0]["startIndex"], indices=made[0]["indices"])
            if len(made) > 1:
                content["media"] = made
        if output is not None:
            content["result"] = output
        if status == "partial_failure":
            content["status"] = status
        return self._succeeded(call, mask(_result_text(content, tool.name)), urls)


def emit_progress(
    report: Callable[[Any, Any], Any] | None,
    call: ChatCompletionMessageToolCall,
    status: ToolProgressStatus,
    percent: float,
    *,
    state: _WorkflowState | None = None,
    eta: float | None = None,
    urls: list[str] | None = None,
) -> None:
    """Hand ``report`` one :class:`ToolProgress`, once per change (``state`` remembers)."""
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
                eta_seconds=eta,
                result_urls=urls or [],
                workflow_id=state.workflow_id or None if state is not None else None,
            ),
        )


def report_workflow_event(
    report: Callable[[Any, Any], Any] | None,
    call: ChatCompletionMessageToolCall,
    state: _WorkflowState,
    status: object,
    data: Mapping[str, Any],
) -> bool:
    """Report one workflow event or snapshot as progress; ``True`` when its status is final."""
    if status in FINAL_STATUSES:
        return True
    percent = _percent(data, state)
    if percent is None and status is None:
        return False  # e.g. a heartbeat
    # Never backwards: a late or differently scaled value does not undo shown progress.
    percent = state.percent if percent is None else max(percent, state.percent)
    eta = _eta(data)
    queued = status in ("queued", "waiting_for_user")
    emit_progress(report, call, "queued" if queued else "processing", percent, state=state, eta=eta)
    return False


def cancel_quietly(
    client: Requester,
    path: str,
    reason: str,
    timeout: Any,
    headers: Mapping[str, str | None] | None = None,
) -> bool:
    """``POST path`` with ``{"reason"}``: stop a job nobody follows any more (it would bill).

    One attempt, at most :data:`CANCEL_TIMEOUT` seconds; a failure is logged, not raised.
    Returns whether the server accepted it.
    """
    connect, read = timeout
    deadline = time.monotonic() + CANCEL_TIMEOUT
    try:
        client._request(
            "POST",
            path,
            body={"reason": reason},
            options=RequestOptions(
                extra_headers=headers,
                timeout=(min(connect, CANCEL_TIMEOUT), min(read, CANCEL_TIMEOUT)),
            ),
            parse=_ignore,
            deadline=deadline,
            retries=0,
        )
    except APIError as exc:
        logger.warning("could not cancel %s: %s", _job(path), exc.message)
        return False
    logger.info("cancelled %s: %s", _job(path), reason)
    return True


def _job(path: str) -> str:
    """``workflow ID`` / ``run ID`` for a ``.../{kind}s/{id}/cancel`` path, for log lines."""
    parts = path.split("/")
    return f"{parts[-3].rstrip('s')} {unquote(parts[-2])}" if len(parts) >= 3 else path


def upload_media(
    client: Requester,
    kind: MediaKind,
    data: bytes,
    content_type: str,
    *,
    deadline: float,
    timeout: Any,
    headers: Mapping[str, str | None] | None = None,
) -> str:
    """Upload ``data`` through Sogni's upload-URL routes; returns its download URL.

    ``GET /v1/{image|media}/uploadUrl`` at the API root, a ``PUT`` of the bytes to the
    presigned URL (without the key, no redirects), then ``GET .../downloadUrl``; everything by
    ``deadline``.
    """
    group = "image" if kind == "image" else "media"
    query = {
        "jobId": uuid.uuid4().hex,
        "type": f"reference{kind.capitalize()}",
        "contentType": content_type,
    }
    connect, read = timeout

    def options() -> RequestOptions:
        remaining = max(deadline - time.monotonic(), 0.001)
        return RequestOptions(
            extra_headers=headers, extra_query=dict(query), timeout=(connect, min(read, remaining))
        )

    target = client._request(
        "GET",
        f"/v1/{group}/uploadUrl",
        options=options(),
        parse=lambda response: _url_field(response, "uploadUrl"),
        deadline=deadline,
    )
    remaining = max(deadline - time.monotonic(), 0.001)
    client._put_presigned(target, data, content_type, (connect, min(read, remaining)), deadline)
    del query["contentType"]
    url: str = client._request(
        "GET",
        f"/v1/{group}/downloadUrl",
        options=options(),
        parse=lambda response: _url_field(response, "downloadUrl"),
        deadline=deadline,
    )
    return url


# -- wire helpers ----------------------------------------------------------------------------


def _ignore(response: requests.Response) -> None:
    return None


def _url_field(response: requests.Response, field: str) -> str:
    """``data.<field>`` (or ``<field>``) of an upload-URL answer: an http(s) URL."""
    body = decode_json(response)
    data = body.get("data", body) if isinstance(body, dict) else None
    url = data.get(field) if isinstance(data, dict) else None
    if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
        raise APIResponseValidationError(
            f"Sogni's upload answer has no http(s) {field!r}", response=response, body=body
        )
    return url


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def _percent(data: Mapping[str, Any], state: _WorkflowState) -> float | None:
    """A workflow event's progress as 0-100, whichever scale it uses.

    ``percent``/``progressPercent`` are percentages. ``progress`` is a 0-1 fraction (the one
    scale Sogni documents) unless the workflow has reported a value above 1, which shows it
    counts in percent; from then on every value is read as a percentage.
    """
    sources = [data]
    nested = data.get("workflow")
    if isinstance(nested, Mapping):
        sources.append(nested)
    for source in sources:
        for key in ("percent", "progressPercent", "progress_percent"):
            value = _number(source.get(key))
            if value is not None:
                state.percent_scale = True
                return max(0.0, min(100.0, value))
        value = _number(source.get("progress"))
        if value is not None:
            if value > 1.0:
                state.percent_scale = True
            scaled = value if state.percent_scale else value * 100.0
            return max(0.0, min(100.0, scaled))
    return None


def _eta(data: Mapping[str, Any]) -> float | None:
    for key in ("etaSeconds", "eta_seconds", "eta"):
        value = _number(data.get(key))
        if value is not None and math.isfinite(value):
            return max(0.0, value)
    return None


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


_WEB = ("https://", "http://")


def _artifact_kind(artifact: Mapping[str, Any], tool: str) -> MediaKind:
    """An artifact's media kind, as its fields or URL say, else as the tool's name says."""
    from .types.durable import media_kind_of  # noqa: PLC0415 - only for media results

    kind = media_kind_of(artifact)
    if kind is not None:
        return kind
    if "video" in tool:
        return "video"
    if "music" in tool or "speech" in tool or "audio" in tool:
        return "audio"
    return "image"


def _step_output(workflow: Mapping[str, Any]) -> Any:
    """What an analysis step answered (``result``/``output`` of the workflow or its step)."""
    for key in ("result", "output", "outputs"):
        if workflow.get(key) is not None:
            return workflow[key]
    steps = workflow.get("steps")
    if isinstance(steps, list):
        for step in reversed(steps):
            if isinstance(step, dict):
                for key in ("result", "output", "outputs"):
                    if step.get(key) is not None:
                        return step[key]
    return None


def _workflow_error(workflow_id: str, status: object, workflow: Mapping[str, Any]) -> str:
    error = workflow.get("error") or workflow.get("failureReason")
    if isinstance(error, dict):
        error = error.get("message") or json.dumps(error, ensure_ascii=False)
    if isinstance(error, str) and error:
        return f"workflow {workflow_id} {status}: {error}"
    if status == "waiting_for_user":
        reason = workflow.get("waitingReason")
        preview = workflow.get("billingPreview")
        if reason in ("cost_approval_required", "cost_reauthorization_required") or workflow.get(
            "awaitingCostApproval"
        ):
            cost = ""
            if isinstance(preview, dict):
                units, usd = preview.get("estimatedCapacityUnits"), preview.get("costInUSD")
                cost = f" (estimated {units} capacity units, {usd} USD)"
            return (
                f"workflow {workflow_id} needs its cost approved{cost}, above "
                "max_estimated_capacity_units; it was cancelled. Raise the ceiling or pass "
                "confirm_cost=True"
            )
        why = f" ({reason})" if isinstance(reason, str) else ""
        return (
            f"workflow {workflow_id} is waiting for user input{why}, which this client cannot "
            "give; it was cancelled"
        )
    if status == "partial_failure":
        return f"workflow {workflow_id} ended in partial_failure without any media"
    return f"workflow {workflow_id} ended with status {status!r}"
