"""The Responses API's objects (``client.responses``), with the ``openai`` package's field names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Generic, Literal, Union

import attrs

from .._lazy import lazy_exports
from . import _render as _render_piece
from ._base import BaseObject, response_type
from ._param_names import RESPONSE_PARAMS

if TYPE_CHECKING:
    from ._response_params import (
        EasyInputMessageParam,
        FunctionToolParam,
        ResponseFormatTextConfigParam,
        ResponseFormatTextJSONSchemaConfigParam,
        ResponseFunctionToolCallParam,
        ResponseInputContentParam,
        ResponseInputImageParam,
        ResponseInputItemParam,
        ResponseInputMessageContentListParam,
        ResponseInputParam,
        ResponseInputTextParam,
        ResponseOutputMessageParam,
        ResponseOutputRefusalParam,
        ResponseOutputTextParam,
        ResponseReasoningItemParam,
        ResponseTextConfigParam,
        ToolChoiceFunctionParam,
        ToolChoiceOptions,
        ToolParam,
    )
    from .tools import MediaView, ToolHandoff, ToolRound

__all__ = [
    "EasyInputMessageParam",
    "FunctionToolParam",
    "InputTokensDetails",
    "OutputTokensDetails",
    "ParsedResponse",
    "Response",
    "ResponseError",
    "ResponseFormatTextConfigParam",
    "ResponseFormatTextJSONSchemaConfigParam",
    "ResponseFunctionToolCall",
    "ResponseFunctionToolCallParam",
    "ResponseIncompleteDetails",
    "ResponseInputContent",
    "ResponseInputContentParam",
    "ResponseInputImageParam",
    "ResponseInputItem",
    "ResponseInputItemParam",
    "ResponseInputMessageContentListParam",
    "ResponseInputParam",
    "ResponseInputTextParam",
    "ResponseItemList",
    "ResponseOutputItem",
    "ResponseOutputMessage",
    "ResponseOutputMessageParam",
    "ResponseOutputRefusalParam",
    "ResponseOutputText",
    "ResponseOutputTextParam",
    "ResponseReasoningItem",
    "ResponseReasoningItemParam",
    "ResponseReasoningText",
    "ResponseStreamEvent",
    "ResponseTextConfig",
    "ResponseTextConfigParam",
    "ResponseTextFormat",
    "ResponseUsage",
    "ToolChoiceFunctionParam",
    "ToolChoiceOptions",
    "ToolParam",
    "response_markdown",
    "response_text",
]


@response_type
class ResponseOutputText(BaseObject):
    """A text part of an output message (``type == "output_text"``)."""

    type: Literal["output_text"] = "output_text"
    text: str = ""
    annotations: list[Any] = attrs.field(factory=list)
    _parsed: Any = attrs.field(default=None, init=False, eq=False)

    @property
    def parsed(self) -> Any:
        """``responses.parse(text_format=...)``: this text parsed (not part of dumps)."""
        return self._parsed


@response_type
class ResponseOutputMessage(BaseObject):
    """The assistant's message: ``content`` holds its ``output_text`` parts."""

    id: str = ""
    type: Literal["message"] = "message"
    role: Literal["assistant"] = "assistant"
    status: str = "completed"
    content: list[ResponseOutputText] = attrs.field(factory=list)


@response_type
class ResponseFunctionToolCall(BaseObject):
    """A call of one of your function tools: answer it with a ``function_call_output`` item."""

    id: str = ""
    type: Literal["function_call"] = "function_call"
    call_id: str = ""
    name: str = ""
    arguments: str = ""
    status: str = "completed"
    _parsed_arguments: Any = attrs.field(default=None, init=False, eq=False)

    @property
    def parsed_arguments(self) -> Any:
        """``responses.parse()`` with strict tools: the arguments, parsed (not in dumps)."""
        return self._parsed_arguments


@response_type
class ResponseReasoningText(BaseObject):
    """One piece of the model's thinking (``type == "reasoning_text"``)."""

    type: Literal["reasoning_text"] = "reasoning_text"
    text: str = ""


@response_type
class ResponseReasoningItem(BaseObject):
    """The model's thinking, when it returned some (``content`` holds ``reasoning_text``)."""

    id: str = ""
    type: Literal["reasoning"] = "reasoning"
    summary: list[Any] = attrs.field(factory=list)
    content: list[ResponseReasoningText] | None = None
    status: str | None = None


#: One item of :attr:`Response.output`, as the ``openai`` package names the union: compare its
#: ``type`` (or use ``isinstance``) before reading the fields of one kind.
ResponseOutputItem = Union[ResponseOutputMessage, ResponseFunctionToolCall, ResponseReasoningItem]  # noqa: UP007


@response_type
class InputTokensDetails(BaseObject):
    """Input tokens served from a cache (Sogni reports none)."""

    cached_tokens: int = 0
    cache_write_tokens: int = 0


@response_type
class OutputTokensDetails(BaseObject):
    """Output tokens spent thinking, when the server says."""

    reasoning_tokens: int = 0


@response_type
class ResponseUsage(BaseObject):
    """Tokens used: ``input_tokens``, ``output_tokens`` and ``total_tokens``."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_details: InputTokensDetails = attrs.field(factory=InputTokensDetails)
    output_tokens_details: OutputTokensDetails = attrs.field(factory=OutputTokensDetails)


@response_type
class ResponseTextFormat(BaseObject):
    """The ``text.format`` a response was asked for: ``type`` and, for a schema, its fields."""

    type: str = "text"


@response_type
class ResponseTextConfig(BaseObject):
    """The ``text`` setting of a response: its ``format`` (and ``verbosity`` when given)."""

    format: ResponseTextFormat = attrs.field(factory=ResponseTextFormat)


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
    output: list[ResponseOutputItem] = attrs.field(factory=list)
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
    text: ResponseTextConfig | None = None
    truncation: str | None = "disabled"
    store: bool | None = None
    user: str | None = None
    _output_parsed: Any = attrs.field(default=None, init=False, eq=False)
    #: What the auto-tool loop recorded (the chat completion's), or ``None``.
    _loop: Any = attrs.field(default=None, init=False, eq=False)

    @property
    def output_parsed(self) -> Any:
        """``responses.parse()``: the answer's text parsed as ``text_format`` (not in dumps)."""
        return self._output_parsed

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
    def tool_history(self) -> list[ToolRound]:
        """The rounds of ``auto_execute_tools`` that ran tools, as for chat completions."""
        history: list[ToolRound] = self._loop.tool_history if self._loop is not None else []
        return history

    @property
    def media(self) -> MediaView:
        """The auto-tool loop's media view (``MediaView``), as ``ChatCompletion.media``."""
        if self._loop is None:
            from .tools import MediaView  # noqa: PLC0415

            return MediaView()
        view: MediaView = self._loop.media
        return view

    @property
    def tool_handoff(self) -> ToolHandoff | None:
        """The control tool the auto-tool loop stopped on, as ``ChatCompletion.tool_handoff``."""
        handoff: ToolHandoff | None = self._loop.tool_handoff if self._loop is not None else None
        return handoff

    def _repr_markdown_(self) -> str:
        """Jupyter's rendering, as a ``ChatCompletion``'s: the answer as Markdown, then the rest."""
        return response_markdown(self)


if TYPE_CHECKING:  # parse() without text_format: ParsedResponse[Any] (PEP 696 default)
    from typing_extensions import TypeVar

    _T = TypeVar("_T", default=Any)
else:
    from typing import TypeVar

    _T = TypeVar("_T")


@response_type
class ParsedResponse(Response, Generic[_T]):
    """A response of ``responses.parse()``: ``output_parsed`` is the answer as ``text_format``."""

    @property
    def output_parsed(self) -> _T | None:
        """The answer's text parsed as an instance of ``text_format`` (``None`` without text)."""
        parsed: _T | None = self._output_parsed
        return parsed


@response_type
class ResponseStreamEvent(BaseObject):
    """One event of a streamed response.

    ``type`` (e.g. ``response.output_text.delta``), ``sequence_number``, and the fields that
    event type carries (``delta``, ``item``, ``response``, ...) as attributes.
    """

    type: str = ""
    sequence_number: int = 0

    if TYPE_CHECKING:
        # Each event type carries its own fields, read as attributes (of any type here).
        def __getattr__(self, name: str) -> Any: ...


@response_type
class ResponseInputContent(BaseObject):
    """A part of an input item's content.

    ``input_text`` (or the assistant's ``output_text``, a thought's ``reasoning_text``) with
    its ``text``; other parts (``input_image`` with ``image_url``, ...) keep their fields as
    attributes.
    """

    type: str = ""
    text: str | None = None


@response_type
class ResponseInputItem(BaseObject):
    """One input item of a stored response, as ``input_items.list()`` shows it.

    A ``message`` (``role``, ``content``), a ``function_call`` (``call_id``, ``name``,
    ``arguments``), a ``function_call_output`` (``call_id``, ``output``) or a ``reasoning``
    item; each has an ``id`` and a ``status``. Other fields are attributes too.
    """

    id: str = ""
    type: str = "message"
    status: str | None = None
    role: str | None = None
    content: list[ResponseInputContent] | None = None
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = None
    output: Any = None


@response_type
class ResponseItemList(BaseObject):
    """A page of a stored response's input items (``responses.input_items.list()``).

    ``data`` holds the page's items (:class:`ResponseInputItem`, each with an ``id`` and a
    ``type``); ``first_id``/``last_id`` name its ends and ``has_more`` says
    whether more follow (pass ``after=last_id`` for them). Iterating it yields the items of
    this page and of every page after it, as the openai package's pages do.
    """

    object: str = "list"
    data: list[ResponseInputItem] = attrs.field(factory=list)
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False
    #: The items of this page and of the pages after it (iteration yields them all).
    _following: list[ResponseInputItem] = attrs.field(factory=list, init=False, eq=False)

    def __iter__(self) -> Iterator[ResponseInputItem]:
        """The items of this page and of every page after it."""
        return iter(self._following or self.data)


# -- rendering: what a notebook (Markdown) or a terminal (text) shows for a response -----------


def response_markdown(response: Response) -> str:
    """The Markdown a notebook shows for a response (as ``completion_markdown`` for chat)."""
    return _render(response, markdown=True)


def response_text(response: Response) -> str:
    """The plain text a terminal shows for a response."""
    return _render(response, markdown=False)


def _render(response: Response, *, markdown: bool) -> str:
    blocks: list[str] = []
    calls: list[tuple[str, str]] = []
    for item in response.output:
        if isinstance(item, ResponseReasoningItem):
            thought = "".join(getattr(part, "text", "") or "" for part in item.content or ())
            if thought.strip():
                blocks.append(_render_piece.thinking(thought, markdown=markdown))
        elif isinstance(item, ResponseOutputMessage):
            text = "".join(p.text for p in item.content if isinstance(p, ResponseOutputText))
            if text:
                blocks.append(text)
        elif isinstance(item, ResponseFunctionToolCall):
            calls.append((item.name, item.arguments))
    if calls:
        blocks.append(_render_piece.calls(calls, markdown=markdown))
    reason = response.incomplete_details.reason if response.incomplete_details else None
    if response.status == "incomplete" and reason == "max_output_tokens":
        blocks.append(_render_piece.cut_off(markdown=markdown))
    elif response.status == "incomplete":
        note = f"(incomplete: {reason or 'no reason given'})"
        blocks.append(f"*{note}*" if markdown else note)
    if response.error is not None and response.error.message:
        error = f"Error: {response.error.message}"
        blocks.append(f"**{error}**" if markdown else error)
    view = response.media
    found = [
        (item.tool_name or "media", item.url, item.kind)
        for item in (*view.images, *view.videos, *view.audio, *view.models)
    ]
    blocks.extend(_render_piece.media(found, markdown=markdown))
    usage = response.usage
    counts = (
        f"{usage.input_tokens} input + {usage.output_tokens} output tokens"
        if usage is not None
        else None
    )
    blocks.extend(_render_piece.footer(response.model, counts, markdown=markdown))
    return "\n\n".join(blocks)


#: The request's parameter types (openai's names), loaded on first use. The module
#: ``__getattr__`` serving them is bound out of type checkers' sight: they read these names
#: from the ``TYPE_CHECKING`` import above, and a misspelt import stays an error there.
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_exports(
        globals(), __name__, dict.fromkeys(RESPONSE_PARAMS, "sogni_compat.types._response_params")
    )
