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
``Idempotency-Key`` across retries), followed over its SSE event stream (resumed with
``Last-Event-ID`` after a drop), and confirmed with ``GET creative-agent/workflows/{id}``.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import json
import logging
import time
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import attrs
import cattrs
import requests

from ._convert import _strip_optional, converter, json_default
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    InternalServerError,
    RateLimitError,
    ToolRoundsExceededError,
    translate_transport_errors,
)
from ._params import RequestOptions, ToolLoopOptions, sogni_tools_enabled
from ._retry import backoff
from ._sse import ServerSentEvent, SSEDecoder
from ._streaming import _byte_chunks
from .resources._base import decode_json
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

#: Workflow statuses after which nothing changes any more.
_FINAL_STATUSES = frozenset(
    {"waiting_for_user", "completed", "partial_failure", "failed", "cancelled"}
)
#: Consecutive attempts to follow a workflow's event stream that may fail before giving up.
_MAX_STREAM_FAILURES = 4
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
    for number in range(loop.max_tool_rounds):
        round_body["messages"] = list(messages)
        completion = send(round_body)
        calls = _requested_calls(completion, number)
        if not calls:
            completion._tool_history = history
            return completion
        if number == loop.max_tool_rounds - 1:
            raise ToolRoundsExceededError(
                tool_history=history, completion=completion, max_tool_rounds=loop.max_tool_rounds
            )
        results = [executor.run(call) for call in calls]
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
) -> list[ChatCompletionMessageToolCall]:
    """The tool calls to run, when the first choice stopped for them (ids filled in if absent)."""
    if not completion.choices:
        return []
    choice = completion.choices[0]
    message = choice.message
    if choice.finish_reason != "tool_calls" or not isinstance(message, ChatCompletionMessage):
        return []
    calls = []
    for index, raw in enumerate(message.tool_calls or ()):
        call = raw
        if not isinstance(call, ChatCompletionMessageToolCall):
            call = ChatCompletionMessageToolCall()
        if not isinstance(call.function, Function):
            call.function = Function()
        if not call.id:
            call.id = f"call_{number}_{index}"
        calls.append(call)
    if calls != message.tool_calls:
        message.tool_calls = calls
    return calls


def _arguments_text(call: ChatCompletionMessageToolCall) -> str:
    arguments = call.function.arguments
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments, ensure_ascii=False, default=json_default)


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
            "function": {"name": call.function.name, "arguments": _arguments_text(call)},
        }
        for call in calls
    ]
    return sent


def _parse_arguments(call: ChatCompletionMessageToolCall) -> dict[str, Any]:
    name, arguments = call.function.name, call.function.arguments
    if isinstance(arguments, dict):
        return arguments
    if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
        return {}
    if not isinstance(arguments, str):
        raise _ToolFailedError(f"the arguments of tool {name!r} are not a JSON object")
    try:
        parsed = json.loads(arguments)
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
    except (TypeError, ValueError) as exc:
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
    """Where following one workflow stands."""

    workflow_id: str
    last_event_id: str | None = None
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

    def run(self, call: ChatCompletionMessageToolCall) -> ToolResult:
        """Execute ``call``; errors become a failed result the model is told about."""
        name = call.function.name
        started = time.monotonic()
        try:
            result = self._dispatch(call, name)
        except _ToolFailedError as exc:
            result = self._failed(call, str(exc))
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
    def _failed(call: ChatCompletionMessageToolCall, error: str) -> ToolResult:
        return ToolResult(
            tool_call_id=call.id,
            tool_name=call.function.name,
            success=False,
            content=_failure_content(error),
            error=error,
        )

    # -- Sogni's hosted tools ----------------------------------------------------------------

    def _options(self, extra: Mapping[str, str] | None = None, read: float | None = None) -> Any:
        connect, read_timeout = self._timeout
        return RequestOptions(
            extra_headers={**(self._headers or {}), **(extra or {})},
            timeout=(connect, read_timeout if read is None else min(read, read_timeout)),
        )

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
        state = _WorkflowState(workflow_id="") if name in MEDIA_TOOLS else None
        try:
            if state is not None:
                return self._run_workflow(call, name, arguments, state)
            return self._run_composition(call, name, arguments)
        except (APIError, _ToolFailedError) as exc:
            message = exc.message if isinstance(exc, APIError) else str(exc)
            percent = state.percent if state is not None else 0.0
            self._progress(call, "failed", percent, state=state)
            raise _ToolFailedError(message) from exc

    def _run_composition(
        self, call: ChatCompletionMessageToolCall, name: str, arguments: dict[str, Any]
    ) -> ToolResult:
        self._progress(call, "processing", 0.0)
        data = self._client._request(
            "POST",
            "creative-agent/tools/execute",
            body={"tool": name, "arguments": arguments, **self._labels},
            options=self._options(),
            parse=_success_data,
        )
        self._progress(call, "completed", 100.0)
        content = {
            "success": True,
            "tool": name,
            "message": data.get("message"),
            "result": data.get("result"),
        }
        return self._succeeded(call, json.dumps(content, ensure_ascii=False))

    def _run_workflow(
        self,
        call: ChatCompletionMessageToolCall,
        name: str,
        arguments: dict[str, Any],
        state: _WorkflowState,
    ) -> ToolResult:
        data_uri = _find_data_uri(arguments)
        if data_uri is not None:
            raise _ToolFailedError(
                f"argument {data_uri} of tool {name!r} is a data URI; Sogni workflows accept "
                "media only as http(s) URLs"
            )
        deadline = time.monotonic() + self._client.tool_timeout
        self._progress(call, "creating", 0.0, state=state)
        workflow = self._client._request(
            "POST",
            "creative-agent/workflows",
            body={"input": {"steps": [{"toolName": name, "arguments": arguments}]}, **self._labels},
            options=self._options(),
            parse=_workflow_of,
        )
        workflow_id = workflow.get("workflowId") or workflow.get("id")
        if not isinstance(workflow_id, str) or not workflow_id:
            raise _ToolFailedError("Sogni started a workflow but did not say its id")
        state.workflow_id = workflow_id
        status = workflow.get("status")
        self._report_status(call, state, status, {})
        failures = 0
        while True:
            if status not in _FINAL_STATUSES:
                self._follow(call, state, deadline)
            workflow = self._client._request(
                "GET",
                f"creative-agent/workflows/{quote(workflow_id, safe='')}",
                options=self._options(),
                parse=_workflow_of,
            )
            status = workflow.get("status")
            if status in _FINAL_STATUSES:
                break
            failures += 1  # the stream said final, the snapshot disagrees: follow again
            if failures > _MAX_STREAM_FAILURES:
                raise _ToolFailedError(
                    f"workflow {workflow_id} still reports status {status!r} after its event "
                    "stream ended"
                )
        return self._workflow_result(call, name, state, workflow)

    def _report_status(
        self,
        call: ChatCompletionMessageToolCall,
        state: _WorkflowState,
        status: object,
        data: Mapping[str, Any],
    ) -> bool:
        """Report one workflow status; ``True`` when it is final."""
        if status in _FINAL_STATUSES:
            return True
        percent = _number(data.get("progress"))
        percent = state.percent if percent is None else max(0.0, min(100.0, percent))
        eta = _number(data.get("eta", data.get("etaSeconds")))
        self._progress(
            call, "queued" if status == "queued" else "processing", percent, state=state, eta=eta
        )
        return False

    def _follow(
        self, call: ChatCompletionMessageToolCall, state: _WorkflowState, deadline: float
    ) -> None:
        """Follow the event stream until it reports a final status; reconnect after drops."""
        client = self._client
        path = f"creative-agent/workflows/{quote(state.workflow_id, safe='')}/events/stream"
        failures = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timed_out(state)
            resume = {"Last-Event-ID": state.last_event_id} if state.last_event_id else None
            heard = False
            wait: float | None = None
            try:
                response = client._request(
                    "GET",
                    path,
                    options=self._options(resume, read=remaining),
                    stream=True,
                    parse=_opened,
                )
                try:
                    for event in _events(response):
                        heard = True
                        if self._on_event(call, state, event):
                            return
                finally:
                    response.close()
                problem = "the event stream ended before the workflow finished"
            except (APIConnectionError, RateLimitError, InternalServerError) as exc:
                problem = exc.message
                wait = getattr(exc, "retry_after", None)
            failures = 0 if heard else failures + 1
            if failures > _MAX_STREAM_FAILURES:
                raise _ToolFailedError(
                    f"lost the event stream of workflow {state.workflow_id}: {problem}"
                )
            if wait is None:
                wait = 0.0 if heard else backoff(failures - 1)
            if time.monotonic() + wait >= deadline:
                raise self._timed_out(state)
            logger.debug(
                "reconnecting to workflow %s in %.2fs: %s", state.workflow_id, wait, problem
            )
            if wait > 0:
                client._sleep(wait)

    def _on_event(
        self, call: ChatCompletionMessageToolCall, state: _WorkflowState, event: ServerSentEvent
    ) -> bool:
        if event.id:
            state.last_event_id = event.id
        try:
            data = json.loads(event.data)
        except ValueError:
            logger.debug("skipping a workflow event that is not JSON: %r", event.data[:200])
            return False
        if not isinstance(data, dict):
            return False
        status = data.get("status")
        nested = data.get("workflow")
        if status is None and isinstance(nested, dict):
            status = nested.get("status")
        if status is None and data.get("progress") is None:
            return False  # e.g. a heartbeat
        return self._report_status(call, state, status, data)

    def _timed_out(self, state: _WorkflowState) -> _ToolFailedError:
        return _ToolFailedError(
            f"workflow {state.workflow_id} did not finish within tool_timeout="
            f"{self._client.tool_timeout:g} s"
        )

    def _workflow_result(
        self,
        call: ChatCompletionMessageToolCall,
        name: str,
        state: _WorkflowState,
        workflow: Mapping[str, Any],
    ) -> ToolResult:
        status = workflow.get("status")
        artifacts = [a for a in workflow.get("artifacts") or () if isinstance(a, dict)]
        urls = [a["url"] for a in artifacts if isinstance(a.get("url"), str)]
        if status == "completed" or (status == "partial_failure" and urls):
            self._progress(call, "completed", 100.0, state=state, urls=urls)
            content = {"success": True, "media_type": _media_type(artifacts, name), "urls": urls}
            return self._succeeded(call, json.dumps(content, ensure_ascii=False), urls)
        raise _ToolFailedError(_workflow_error(state.workflow_id, status, workflow))


# -- wire helpers ----------------------------------------------------------------------------


def _opened(response: requests.Response) -> requests.Response:
    return response


def _events(response: requests.Response) -> Iterator[ServerSentEvent]:
    """Complete events only: one cut off by the end of the body is resumed, not guessed at."""
    decoder = SSEDecoder()
    with translate_transport_errors(response.request):
        for chunk in _byte_chunks(response.raw):
            yield from decoder.feed(chunk)


def _success_data(response: requests.Response) -> dict[str, Any]:
    """``data`` of a ``{"status": "success", "data": {...}}`` answer."""
    body = decode_json(response)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise APIResponseValidationError(
            "Sogni's answer has no 'data' object", response=response, body=body
        )
    return data


def _workflow_of(response: requests.Response) -> dict[str, Any]:
    data = _success_data(response)
    workflow = data.get("workflow", data)
    if not isinstance(workflow, dict):
        raise APIResponseValidationError(
            "Sogni's answer has no 'workflow' object", response=response, body=data
        )
    return workflow


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
