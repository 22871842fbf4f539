"""The events of ``chat.completions.stream()`` (the openai package's helper events).

Compare ``event.type`` (or use ``isinstance``) to narrow a :data:`ChatCompletionStreamEvent`;
``ContentDoneEvent.parsed`` is typed as the ``response_format`` class given. The text or
arguments so far (``snapshot``, ``arguments``) are joined when read, so every event costs the
same however long the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Literal, Union

import attrs

if TYPE_CHECKING:  # a dict format (or none): parsed values are Any (PEP 696 default)
    from typing_extensions import TypeVar

    from .chat import ChatCompletion
    from .chunk import ChatCompletionChunk

    _T = TypeVar("_T", default=Any)
else:
    from typing import TypeVar

    _T = TypeVar("_T")

__all__ = [
    "ChatCompletionStreamEvent",
    "ChunkEvent",
    "ContentDeltaEvent",
    "ContentDoneEvent",
    "FunctionToolCallArgumentsDeltaEvent",
    "FunctionToolCallArgumentsDoneEvent",
    "RefusalDeltaEvent",
    "RefusalDoneEvent",
]


def _given(value: str | Callable[[], str]) -> str:
    return value if isinstance(value, str) else value()


@attrs.frozen
class ChunkEvent:
    """Every chunk, with the answer so far (``snapshot``)."""

    chunk: ChatCompletionChunk
    _snapshot: Callable[[], ChatCompletion] = attrs.field(repr=False)
    type: Literal["chunk"] = "chunk"

    @property
    def snapshot(self) -> ChatCompletion:
        """The answer accumulated so far."""
        return self._snapshot()


@attrs.frozen
class ContentDeltaEvent:
    """A piece of text: ``delta``, and ``snapshot``, the text so far (joined when read)."""

    delta: str
    _snapshot: str | Callable[[], str] = attrs.field(repr=False, eq=False)
    parsed: Any = None
    type: Literal["content.delta"] = "content.delta"

    @property
    def snapshot(self) -> str:
        """The choice's text up to and including this piece."""
        return _given(self._snapshot)


@attrs.frozen
class ContentDoneEvent(Generic[_T]):
    """A choice's whole text, and ``parsed`` when ``response_format`` was a class."""

    content: str
    parsed: _T | None = None
    type: Literal["content.done"] = "content.done"


@attrs.frozen
class RefusalDeltaEvent:
    """A piece of a refusal: ``delta``, and ``snapshot``, the refusal so far."""

    delta: str
    _snapshot: str | Callable[[], str] = attrs.field(repr=False, eq=False)
    type: Literal["refusal.delta"] = "refusal.delta"

    @property
    def snapshot(self) -> str:
        """The choice's refusal up to and including this piece."""
        return _given(self._snapshot)


@attrs.frozen
class RefusalDoneEvent:
    """A choice's whole refusal."""

    refusal: str
    type: Literal["refusal.done"] = "refusal.done"


@attrs.frozen
class FunctionToolCallArgumentsDeltaEvent:
    """A piece of a tool call's arguments (``arguments`` holds them so far, joined when read)."""

    name: str
    index: int
    _arguments: str | Callable[[], str] = attrs.field(repr=False, eq=False)
    parsed_arguments: Any
    arguments_delta: str
    type: Literal["tool_calls.function.arguments.delta"] = "tool_calls.function.arguments.delta"

    @property
    def arguments(self) -> str:
        """The call's arguments up to and including this piece."""
        return _given(self._arguments)


@attrs.frozen
class FunctionToolCallArgumentsDoneEvent:
    """A tool call's whole arguments, parsed for a strict tool."""

    name: str
    index: int
    arguments: str
    parsed_arguments: Any
    type: Literal["tool_calls.function.arguments.done"] = "tool_calls.function.arguments.done"


#: One event of :class:`ChatCompletionStream` (compare ``event.type`` to narrow it).
ChatCompletionStreamEvent = Union[  # noqa: UP007 - a runtime alias, as openai's
    ChunkEvent,
    ContentDeltaEvent,
    ContentDoneEvent[_T],
    RefusalDeltaEvent,
    RefusalDoneEvent,
    FunctionToolCallArgumentsDeltaEvent,
    FunctionToolCallArgumentsDoneEvent,
]
