"""The Responses request's parameter types (input items, tools, text format), as openai's.

``TypedDict`` classes under the openai package's names (``from sogni_compat.types.responses
import ResponseInputParam, ...``), each item and part as in openai 3.63.0 (an image may also be
a ``pathlib.Path`` or bytes, as for chat). The unions hold what
``client.responses`` translates to chat completions, and nothing it refuses before sending:
input items are messages, function calls, their outputs and reasoning items (openai's
computer, file-search, MCP... items are not); content parts are text and images; tools are
function tools (and chat-shaped ones, as ``pydantic_function_tool`` makes for ``parse``).

Required keys sit in a base class of their own, as in :mod:`sogni_compat.types._chat_params`.
Nothing here imports openai.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, TypeAlias, TypedDict

from ._chat_params import ChatCompletionFunctionToolParam, ImageSource, PromptCacheBreakpoint

__all__ = [
    "EasyInputMessageParam",
    "FunctionToolParam",
    "ResponseFormatTextConfigParam",
    "ResponseFormatTextJSONSchemaConfigParam",
    "ResponseFunctionToolCallParam",
    "ResponseInputContentParam",
    "ResponseInputImageParam",
    "ResponseInputItemParam",
    "ResponseInputMessageContentListParam",
    "ResponseInputParam",
    "ResponseInputTextParam",
    "ResponseOutputMessageParam",
    "ResponseOutputRefusalParam",
    "ResponseOutputTextParam",
    "ResponseReasoningItemParam",
    "ResponseTextConfigParam",
    "ToolChoiceFunctionParam",
    "ToolChoiceOptions",
    "ToolParam",
]

_Status: TypeAlias = Literal["in_progress", "completed", "incomplete"]

# -- content ---------------------------------------------------------------------------------


class _InputTextRequired(TypedDict):
    text: str
    type: Literal["input_text"]


class ResponseInputTextParam(_InputTextRequired, total=False):
    """A text part: ``{"type": "input_text", "text": ...}``."""

    prompt_cache_breakpoint: PromptCacheBreakpoint


class _InputImageRequired(TypedDict):
    type: Literal["input_image"]


class ResponseInputImageParam(_InputImageRequired, total=False):
    """An image part: ``image_url`` a URL, a ``data:`` URI, a ``pathlib.Path`` or bytes.

    ``file_id`` (OpenAI's file store) is refused before sending. openai's type requires
    ``detail``; the translation does not, so it is optional here.
    """

    detail: Literal["low", "high", "auto", "original"]
    file_id: str | None
    image_url: ImageSource | None
    prompt_cache_breakpoint: PromptCacheBreakpoint


#: A part of an input message's content.
ResponseInputContentParam: TypeAlias = ResponseInputTextParam | ResponseInputImageParam
#: An input message's content as a list of parts.
ResponseInputMessageContentListParam: TypeAlias = list[ResponseInputContentParam]

# -- input items -----------------------------------------------------------------------------


class _EasyInputMessageRequired(TypedDict):
    content: str | ResponseInputMessageContentListParam
    role: Literal["user", "assistant", "system", "developer"]


class EasyInputMessageParam(_EasyInputMessageRequired, total=False):
    """A message: ``{"role": "user", "content": ...}`` (``type`` ``"message"`` optional)."""

    phase: Literal["commentary", "final_answer"] | None
    type: Literal["message"]


class _MessageRequired(TypedDict):
    content: ResponseInputMessageContentListParam
    role: Literal["user", "system", "developer"]


class Message(_MessageRequired, total=False):
    """A message whose content is a list of parts."""

    status: _Status
    type: Literal["message"]


class _OutputTextRequired(TypedDict):
    annotations: Iterable[Mapping[str, object]]
    text: str
    type: Literal["output_text"]


class ResponseOutputTextParam(_OutputTextRequired, total=False):
    """A text part of an earlier answer, given back as input."""

    logprobs: Iterable[Mapping[str, object]]


class ResponseOutputRefusalParam(TypedDict):
    """A refusal part of an earlier answer."""

    refusal: str
    type: Literal["refusal"]


class _OutputMessageRequired(TypedDict):
    id: str
    content: Iterable[ResponseOutputTextParam | ResponseOutputRefusalParam]
    role: Literal["assistant"]
    status: _Status
    type: Literal["message"]


class ResponseOutputMessageParam(_OutputMessageRequired, total=False):
    """An earlier answer's message, given back as input."""

    phase: Literal["commentary", "final_answer"] | None


class _FunctionToolCallRequired(TypedDict):
    arguments: str
    call_id: str
    name: str
    type: Literal["function_call"]


class ResponseFunctionToolCallParam(_FunctionToolCallRequired, total=False):
    """A function call the model made, given back as input before its output."""

    id: str
    namespace: str
    status: _Status


class _FunctionCallOutputRequired(TypedDict):
    call_id: str
    output: str | list[ResponseInputTextParam]
    type: Literal["function_call_output"]


class FunctionCallOutput(_FunctionCallOutputRequired, total=False):
    """A function's result for the call ``call_id`` (a ``function_call`` before it)."""

    id: str | None
    name: str | None
    namespace: str | None
    status: _Status | None


class _ReasoningSummary(TypedDict):
    text: str
    type: Literal["summary_text"]


class _ReasoningContent(TypedDict):
    text: str
    type: Literal["reasoning_text"]


class _ReasoningItemRequired(TypedDict):
    id: str
    summary: Iterable[_ReasoningSummary]
    type: Literal["reasoning"]


class ResponseReasoningItemParam(_ReasoningItemRequired, total=False):
    """An earlier answer's reasoning item (accepted, and not sent back to the model)."""

    content: Iterable[_ReasoningContent]
    encrypted_content: str | None
    status: _Status


#: One item of ``input``.
ResponseInputItemParam: TypeAlias = (
    EasyInputMessageParam
    | Message
    | ResponseOutputMessageParam
    | ResponseFunctionToolCallParam
    | FunctionCallOutput
    | ResponseReasoningItemParam
)
#: ``input`` as a list of items.
ResponseInputParam: TypeAlias = list[ResponseInputItemParam]

# -- tools, tool choice, text format ---------------------------------------------------------


class _FunctionToolRequired(TypedDict):
    name: str
    type: Literal["function"]


class FunctionToolParam(_FunctionToolRequired, total=False):
    """A function tool: ``{"type": "function", "name": ..., "parameters": ..., "strict": ...}``.

    openai's type requires ``parameters`` and ``strict``; the translation sends a tool without
    them as it is, so they are optional here.
    """

    parameters: dict[str, object] | None
    strict: bool | None
    description: str | None


#: A tool of ``tools``: a function tool, flat or chat-shaped (as ``function_tool`` makes).
ToolParam: TypeAlias = FunctionToolParam | ChatCompletionFunctionToolParam

#: ``tool_choice`` as a mode.
ToolChoiceOptions: TypeAlias = Literal["none", "auto", "required"]


class ToolChoiceFunctionParam(TypedDict):
    """A ``tool_choice`` forcing one function: ``{"type": "function", "name": ...}``."""

    name: str
    type: Literal["function"]


class ResponseFormatText(TypedDict):
    """Plain text answers."""

    type: Literal["text"]


class ResponseFormatJSONObject(TypedDict):
    """Answers that are a JSON object."""

    type: Literal["json_object"]


class _JSONSchemaConfigRequired(TypedDict):
    name: str
    schema: dict[str, object]
    type: Literal["json_schema"]


class ResponseFormatTextJSONSchemaConfigParam(_JSONSchemaConfigRequired, total=False):
    """Answers that follow a JSON schema: its ``name``, ``schema`` and ``strict``."""

    description: str
    strict: bool | None


#: ``text.format``.
ResponseFormatTextConfigParam: TypeAlias = (
    ResponseFormatText | ResponseFormatTextJSONSchemaConfigParam | ResponseFormatJSONObject
)


class ResponseTextConfigParam(TypedDict, total=False):
    """``text``: the answer's ``format`` and ``verbosity``."""

    format: ResponseFormatTextConfigParam
    verbosity: Literal["low", "medium", "high"] | None


class Reasoning(TypedDict, total=False):
    """``reasoning``: the model's thinking effort (``effort`` is what is sent)."""

    effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] | None
    generate_summary: Literal["auto", "concise", "detailed"] | None
    summary: Literal["auto", "concise", "detailed"] | None
