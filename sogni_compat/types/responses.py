"""The Responses API's objects (``client.responses``), with the ``openai`` package's field names."""

from __future__ import annotations

from typing import Any

import attrs

from ._base import BaseObject, response_type

__all__ = [
    "Response",
    "ResponseError",
    "ResponseFunctionToolCall",
    "ResponseIncompleteDetails",
    "ResponseOutputMessage",
    "ResponseOutputText",
    "ResponseReasoningItem",
    "ResponseStreamEvent",
    "ResponseUsage",
]


@response_type
class ResponseOutputText(BaseObject):
    """A text part of an output message (``type == "output_text"``)."""

    type: str = "output_text"
    text: str = ""
    annotations: list[Any] = attrs.field(factory=list)


@response_type
class ResponseOutputMessage(BaseObject):
    """The assistant's message: ``content`` holds its ``output_text`` parts."""

    id: str = ""
    type: str = "message"
    role: str = "assistant"
    status: str = "completed"
    content: list[ResponseOutputText] = attrs.field(factory=list)


@response_type
class ResponseFunctionToolCall(BaseObject):
    """A call of one of your function tools: answer it with a ``function_call_output`` item."""

    id: str = ""
    type: str = "function_call"
    call_id: str = ""
    name: str = ""
    arguments: str = ""
    status: str = "completed"
    #: For ``responses.parse()`` with tools built from classes: the arguments as an instance.
    parsed_arguments: Any = None


@response_type
class ResponseReasoningItem(BaseObject):
    """The model's thinking, when it returned some (``content`` holds ``reasoning_text``)."""

    id: str = ""
    type: str = "reasoning"
    summary: list[Any] = attrs.field(factory=list)
    content: list[Any] | None = None
    status: str | None = None


@response_type
class ResponseUsage(BaseObject):
    """Tokens used: ``input_tokens``, ``output_tokens`` and ``total_tokens``."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_details: dict[str, Any] = attrs.field(
        factory=lambda: {"cached_tokens": 0, "cache_write_tokens": 0}
    )
    output_tokens_details: dict[str, Any] = attrs.field(factory=lambda: {"reasoning_tokens": 0})


@response_type
class ResponseIncompleteDetails(BaseObject):
    """Why a response is ``incomplete``: ``max_output_tokens`` or ``content_filter``."""

    reason: str | None = None


@response_type
class ResponseError(BaseObject):
    """An error the response ended with (``code``, ``message``)."""

    code: str | None = None
    message: str = ""


@response_type
class Response(BaseObject):
    """A model response (``object == "response"``), made from one chat completion (or a loop).

    ``output`` holds ``reasoning``, ``message`` and ``function_call`` items; ``output_text`` joins
    the text of every message. ``status`` is ``completed``, or ``incomplete`` with
    ``incomplete_details`` when the answer was cut off.
    """

    id: str = ""
    object: str = "response"
    created_at: float = 0
    model: str = ""
    status: str = "completed"
    output: list[Any] = attrs.field(factory=list)
    usage: ResponseUsage | None = None
    error: ResponseError | None = None
    incomplete_details: ResponseIncompleteDetails | None = None
    instructions: Any = None
    metadata: dict[str, str] | None = None
    parallel_tool_calls: bool = True
    temperature: float | None = None
    top_p: float | None = None
    tool_choice: Any = "auto"
    tools: list[Any] = attrs.field(factory=list)
    max_output_tokens: int | None = None
    previous_response_id: str | None = None
    reasoning: dict[str, Any] | None = None
    text: dict[str, Any] | None = None
    truncation: str | None = "disabled"
    store: bool | None = None
    user: str | None = None
    #: ``responses.parse()``: the first message's text parsed as ``text_format``.
    output_parsed: Any = None
    _tool_history: list[Any] = attrs.field(factory=list, init=False, eq=False)

    @property
    def output_text(self) -> str:
        """The text of every output message, joined (``""`` when there is none)."""
        return "".join(
            part.text
            for item in self.output
            if isinstance(item, ResponseOutputMessage)
            for part in item.content
            if isinstance(part, ResponseOutputText)
        )

    @property
    def tool_history(self) -> list[Any]:
        """The rounds of ``auto_execute_tools`` that ran tools, as for chat completions."""
        return self._tool_history


@response_type
class ResponseStreamEvent(BaseObject):
    """One event of a streamed response.

    ``type`` (e.g. ``response.output_text.delta``), ``sequence_number``, and the fields that
    event type carries (``delta``, ``item``, ``response``, ...) as attributes.
    """

    type: str = ""
    sequence_number: int = 0
