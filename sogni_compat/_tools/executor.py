"""Which executor runs a tool call, first match wins, and running it.

The caller's ``tool_handlers`` entry for the name (called with the model's arguments, built
into attrs classes, dataclasses, enums or pydantic models where the handler's hints ask);
Sogni itself, through :class:`~.hosted.HostedRunner`, when the request enabled
``sogni_tools`` and the name is a hosted tool; ``on_tool_call``; otherwise a "no handler"
error result. A failing tool never raises here: the model is told what went wrong.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import logging
import time
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import cattrs

from .._convert import converter
from .._json import loads
from .._media import MediaContext
from .._options import RequestOptions
from .._params import ToolLoopOptions, sogni_tools_enabled
from ..hosted_tools import HostedTool, catalog
from ..types._base import strip_optional
from ..types.tools import ToolHandoff
from .hosted import HostedRunner
from .report import ToolFailedError, failed, result_text, succeeded

if TYPE_CHECKING:
    from .._requester import Requester
    from ..types import ChatCompletionMessageToolCall
    from ..types.tools import ToolResult

__all__ = ["Executor", "parse_arguments"]

logger = logging.getLogger("sogni_compat")

#: Argument names a control tool's question or answer may be under, in order of preference.
_HANDOFF_TEXT = ("question", "response", "message", "answer", "content", "text", "summary")


def parse_arguments(call: ChatCompletionMessageToolCall) -> dict[str, Any]:
    """A call's arguments as a dict (``{}`` when empty); bad JSON is a :class:`ToolFailedError`."""
    name, arguments = call.function.name, call.function.arguments
    if not isinstance(arguments, str) or not arguments.strip():
        return {}
    try:
        parsed = loads(arguments)
    except ValueError as exc:
        raise ToolFailedError(f"the arguments of tool {name!r} are not valid JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise ToolFailedError(
            f"the arguments of tool {name!r} must be a JSON object; got {type(parsed).__name__}"
        )
    return parsed


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


class Executor:
    """Runs one tool call with the first executor that applies; never raises for a tool error."""

    def __init__(
        self,
        client: Requester,
        body: Mapping[str, Any],
        options: RequestOptions,
        loop: ToolLoopOptions,
        originals: Sequence[Any] | None = None,
    ) -> None:
        self._loop = loop
        enabled = sogni_tools_enabled(body.get("sogni_tools"))
        #: Sogni runs its hosted tools itself (``sogni_tool_execution=True``).
        self._server_side = enabled and body.get("sogni_tool_execution") is True
        self._hosted = enabled and not self._server_side
        self._catalog = catalog() if enabled else None
        self._specs: dict[int, _HandlerSpec] = {}
        self.media = MediaContext(
            body["messages"] if originals is None else originals,
            body.get("media_references"),
            allow_local_files=client.allow_local_files,
            seed=loop.media_context,
        )
        #: Runs the hosted tools when this client runs them (not Sogni's server).
        self._runner = (
            HostedRunner(client, body, options, self.media, loop.on_tool_progress)
            if self._hosted
            else None
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
                    arguments = parse_arguments(call)
                except ToolFailedError:
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
                raise ToolFailedError(problem)
            result = self._dispatch(call, name)
        except ToolFailedError as exc:
            result = failed(call, str(exc))
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
        arguments = parse_arguments(call)
        handler = self._loop.tool_handlers.get(name)
        if handler is not None:
            return succeeded(call, self._call_handler(handler, name, arguments))
        tool = self._hosted_tool(name) if self._hosted else None
        if tool is not None and tool.execution in ("workflow", "execute"):
            assert self._runner is not None  # hosted tools are enabled
            return self._runner.run(call, tool, arguments)
        if tool is not None and tool.execution == "server":
            raise ToolFailedError(
                f"tool {name!r} is in Sogni's hosted-tool manifest but is not a workflow step "
                "a client may start; only Sogni's server-side execution "
                "(sogni_tool_execution=True) runs it"
            )
        on_tool_call = self._loop.on_tool_call
        if on_tool_call is not None:
            try:
                value = on_tool_call(call)
            except Exception as exc:
                raise ToolFailedError(
                    f"on_tool_call raised {type(exc).__name__} for tool {name!r}: {exc}"
                ) from exc
            return succeeded(call, result_text(value, name))
        if self._server_side and name in (self._catalog or ()):
            raise ToolFailedError(
                f"tool {name!r} is one of Sogni's hosted tools, which Sogni runs itself "
                "here (sogni_tool_execution=True); it was not run"
            )
        raise ToolFailedError(
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
                raise ToolFailedError(f"bad arguments for tool {name!r}: {exc}") from exc
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
                        raise ToolFailedError(
                            f"argument {param!r} of tool {name!r} does not fit "
                            f"{getattr(hint, '__name__', hint)}: {detail}"
                        ) from exc
            args, kwargs = bound.args, bound.kwargs
        try:
            value = handler(*args, **kwargs)
        except Exception as exc:
            raise ToolFailedError(f"tool {name!r} raised {type(exc).__name__}: {exc}") from exc
        return result_text(value, name)
