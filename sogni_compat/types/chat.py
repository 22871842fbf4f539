"""Chat completion response objects, with the OpenAI field names and Sogni's extras."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic

import attrs

from .._lazy import lazy_exports
from . import _render as _render_piece
from ._base import BaseObject, response_type
from ._param_names import CHAT_PARAMS

if TYPE_CHECKING:
    from ._chat_params import (
        ChatCompletionAssistantMessageParam,
        ChatCompletionContentPartImageParam,
        ChatCompletionContentPartInputAudioParam,
        ChatCompletionContentPartParam,
        ChatCompletionContentPartRefusalParam,
        ChatCompletionContentPartTextParam,
        ChatCompletionDeveloperMessageParam,
        ChatCompletionFunctionCallOptionParam,
        ChatCompletionFunctionMessageParam,
        ChatCompletionFunctionToolParam,
        ChatCompletionMessageCustomToolCallParam,
        ChatCompletionMessageFunctionToolCallParam,
        ChatCompletionMessageParam,
        ChatCompletionMessageToolCallParam,
        ChatCompletionMessageToolCallUnionParam,
        ChatCompletionNamedToolChoiceParam,
        ChatCompletionStreamOptionsParam,
        ChatCompletionSystemMessageParam,
        ChatCompletionToolChoiceOptionParam,
        ChatCompletionToolMessageParam,
        ChatCompletionToolParam,
        ChatCompletionToolUnionParam,
        ChatCompletionUserMessageParam,
        FunctionDefinition,
    )
    from .chunk import ChatCompletionChunk
    from .tools import MediaView, ToolHandoff, ToolRound

__all__ = [
    "ChatCompletion",
    "ChatCompletionAssistantMessageParam",
    "ChatCompletionChunk",
    "ChatCompletionContentPartImageParam",
    "ChatCompletionContentPartInputAudioParam",
    "ChatCompletionContentPartParam",
    "ChatCompletionContentPartRefusalParam",
    "ChatCompletionContentPartTextParam",
    "ChatCompletionDeveloperMessageParam",
    "ChatCompletionFunctionCallOptionParam",
    "ChatCompletionFunctionMessageParam",
    "ChatCompletionFunctionToolParam",
    "ChatCompletionMessage",
    "ChatCompletionMessageCustomToolCallParam",
    "ChatCompletionMessageFunctionToolCall",
    "ChatCompletionMessageFunctionToolCallParam",
    "ChatCompletionMessageParam",
    "ChatCompletionMessageToolCall",
    "ChatCompletionMessageToolCallParam",
    "ChatCompletionMessageToolCallUnionParam",
    "ChatCompletionNamedToolChoiceParam",
    "ChatCompletionStreamOptionsParam",
    "ChatCompletionSystemMessageParam",
    "ChatCompletionTokenLogprob",
    "ChatCompletionToolChoiceOptionParam",
    "ChatCompletionToolMessageParam",
    "ChatCompletionToolParam",
    "ChatCompletionToolUnionParam",
    "ChatCompletionUserMessageParam",
    "Choice",
    "ChoiceLogprobs",
    "CompletionTokensDetails",
    "CompletionUsage",
    "Function",
    "FunctionCall",
    "FunctionDefinition",
    "ParsedChatCompletion",
    "ParsedChatCompletionMessage",
    "ParsedChoice",
    "ParsedFunctionToolCall",
    "PromptTokensDetails",
    "TopLogprob",
    "completion_markdown",
    "completion_text",
]


@response_type
class Function(BaseObject):
    """The function a tool call invokes: its ``name`` and its ``arguments`` as JSON text."""

    name: str = ""
    arguments: str = ""
    _parsed_arguments: Any = attrs.field(default=None, init=False, eq=False)

    @property
    def parsed_arguments(self) -> Any:
        """``chat.completions.parse()`` with strict tools: the arguments, parsed."""
        return self._parsed_arguments


@response_type
class FunctionCall(BaseObject):
    """The legacy ``function_call`` of a message (same shape as :class:`Function`)."""

    name: str = ""
    arguments: str = ""


@response_type
class ChatCompletionMessageToolCall(BaseObject):
    """A tool call the model asked for: ``id``, ``type`` and ``function``."""

    id: str = ""
    type: str = "function"
    function: Function = attrs.field(factory=Function)


#: openai's later name for a function tool call (the only kind of tool call here), and its
#: name for one of ``parse()``, whose ``function.parsed_arguments`` is set: the same class.
ChatCompletionMessageFunctionToolCall = ChatCompletionMessageToolCall
ParsedFunctionToolCall = ChatCompletionMessageToolCall


@response_type
class ChatCompletionMessage(BaseObject):
    """The assistant's message; ``content`` is ``None`` when the model only calls tools."""

    role: str = "assistant"
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ChatCompletionMessageToolCall] | None = None
    function_call: FunctionCall | None = None
    annotations: list[Any] | None = None
    audio: Any | None = None
    #: The model's thinking, when the server returns it separately.
    reasoning_content: str | None = None
    _parsed: Any = attrs.field(default=None, init=False, eq=False)

    @property
    def parsed(self) -> Any:
        """``chat.completions.parse()``: the answer as an instance of the requested type."""
        return self._parsed


@response_type
class TopLogprob(BaseObject):
    """One of the most likely tokens at a position, with its log probability."""

    token: str = ""
    logprob: float = 0.0
    bytes: list[int] | None = None


@response_type
class ChatCompletionTokenLogprob(BaseObject):
    """A token of the answer with its log probability and the likeliest alternatives."""

    token: str = ""
    logprob: float = 0.0
    bytes: list[int] | None = None
    top_logprobs: list[TopLogprob] = attrs.field(factory=list)


@response_type
class ChoiceLogprobs(BaseObject):
    """``logprobs=True``: the log probabilities of the content (and refusal) tokens."""

    content: list[ChatCompletionTokenLogprob] | None = None
    refusal: list[ChatCompletionTokenLogprob] | None = None


@response_type
class Choice(BaseObject):
    """One answer: ``index``, ``message``, ``finish_reason`` (``stop|length|tool_calls``)."""

    index: int = 0
    message: ChatCompletionMessage = attrs.field(factory=ChatCompletionMessage)
    finish_reason: str | None = None
    logprobs: ChoiceLogprobs | None = None


@response_type
class CompletionTokensDetails(BaseObject):
    """Breakdown of completion tokens (OpenAI field names)."""

    accepted_prediction_tokens: int | None = None
    audio_tokens: int | None = None
    reasoning_tokens: int | None = None
    rejected_prediction_tokens: int | None = None


@response_type
class PromptTokensDetails(BaseObject):
    """Breakdown of prompt tokens (OpenAI field names)."""

    audio_tokens: int | None = None
    cached_tokens: int | None = None


@response_type
class CompletionUsage(BaseObject):
    """Token counts of a completion."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    completion_tokens_details: CompletionTokensDetails | None = None
    prompt_tokens_details: PromptTokensDetails | None = None


@response_type
class ChatCompletion(BaseObject):
    """A chat completion (``object == "chat.completion"``) plus Sogni's extras.

    ``sogni_tool_results`` holds the results of Sogni hosted tools the server ran (plain
    dicts: their schema is not published); ``creative_workflows`` the durable workflows it
    started. ``_request_id`` is the ``x-request-id`` response header. ``tool_history`` lists
    what the auto-tool loop executed before this answer.
    """

    id: str = ""
    object: str = "chat.completion"
    created: int = 0
    model: str = ""
    choices: list[Choice] = attrs.field(factory=list)
    usage: CompletionUsage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
    sogni_tool_results: list[dict[str, Any]] | None = None
    creative_workflows: list[dict[str, Any]] | None = None
    #: What the auto-tool loop recorded: ``(tool_history, media, tool_handoff)``, or ``None``.
    _loop: tuple[Any, Any, Any] | None = attrs.field(default=None, init=False, eq=False)

    @property
    def tool_history(self) -> list[ToolRound]:
        """The rounds of ``auto_execute_tools`` that ran tools, in order (empty otherwise)."""
        if self._loop is None:
            self._loop = ([], None, None)
        history: list[ToolRound] = self._loop[0]
        return history

    @property
    def media(self) -> MediaView:
        """Every media URL the auto-tool loop used or made, by kind and index."""
        history, media, handoff = self._loop or ([], None, None)
        if media is None:
            from .tools import MediaView  # noqa: PLC0415 - tools imports this module

            media = MediaView()
            self._loop = (history, media, handoff)
        view: MediaView = media
        return view

    @property
    def tool_handoff(self) -> ToolHandoff | None:
        """The control tool (a question, a final answer) the auto-tool loop stopped on."""
        handoff: ToolHandoff | None = self._loop[2] if self._loop is not None else None
        return handoff

    def _repr_markdown_(self) -> str:
        """Jupyter's rendering: the answer as Markdown, tool calls, media and usage below."""
        return completion_markdown(self)


if TYPE_CHECKING:  # parse() with a dict format: ParsedChatCompletion[Any] (PEP 696 default)
    from typing_extensions import TypeVar

    _T = TypeVar("_T", default=Any)
else:
    from typing import TypeVar

    _T = TypeVar("_T")


@response_type
class ParsedChatCompletionMessage(ChatCompletionMessage, Generic[_T]):
    """A message of ``chat.completions.parse()``: ``parsed`` is the answer as the format's type."""

    @property
    def parsed(self) -> _T | None:
        """The answer parsed as an instance of ``response_format`` (``None`` without one)."""
        parsed: _T | None = self._parsed
        return parsed


@response_type
class ParsedChoice(Choice, Generic[_T]):
    """A choice of ``chat.completions.parse()``: its ``message`` has ``parsed``."""

    if TYPE_CHECKING:
        message: ParsedChatCompletionMessage[_T]


@response_type
class ParsedChatCompletion(ChatCompletion, Generic[_T]):
    """What ``chat.completions.parse()`` returns (the openai package's ``ParsedChatCompletion``).

    A :class:`ChatCompletion` whose choices' messages have ``parsed``, typed as the
    ``response_format`` class given (``Any`` for a dict format).
    """

    if TYPE_CHECKING:
        choices: list[ParsedChoice[_T]]  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]


# -- rendering: what a notebook (Markdown) or a terminal (text) shows for a completion ---------


def _media(completion: ChatCompletion) -> list[tuple[str, str, str | None]]:
    """``(tool, url, kind)`` of every media URL the answer's tools produced."""
    found: list[tuple[str, str, str | None]] = []
    for result in completion.sogni_tool_results or ():
        if isinstance(result, dict):
            urls = result.get("urls") or ([result["url"]] if "url" in result else [])
            kind = result.get("media_type") or result.get("mediaType") or result.get("kind")
            for url in urls if isinstance(urls, list) else ():
                if isinstance(url, str):
                    found.append((str(result.get("tool", "media")), url, kind))
    media = completion.media
    for item in (*media.images, *media.videos, *media.audio, *media.models):
        found.append((item.tool_name or "media", item.url, item.kind))
    return found


def completion_markdown(completion: ChatCompletion) -> str:
    """The Markdown a notebook shows for a completion."""
    return _render(completion, markdown=True)


def completion_text(completion: ChatCompletion) -> str:
    """The plain text a terminal shows for a completion (what :func:`show` prints there)."""
    return _render(completion, markdown=False)


def _render(completion: ChatCompletion, *, markdown: bool) -> str:
    blocks: list[str] = []
    several = len(completion.choices) > 1
    for choice in completion.choices:
        message = choice.message
        if several:
            blocks.append(f"**Choice {choice.index}**" if markdown else f"[choice {choice.index}]")
        if message.reasoning_content:
            blocks.append(_render_piece.thinking(message.reasoning_content, markdown=markdown))
        if message.content:
            blocks.append(message.content)
        if message.refusal:
            blocks.append(_render_piece.refusal(message.refusal, markdown=markdown))
        calls = [
            (call.function.name, call.function.arguments)
            for call in message.tool_calls or ()
            if getattr(call, "function", None) is not None
        ]
        if calls:
            blocks.append(_render_piece.calls(calls, markdown=markdown))
        if choice.finish_reason == "length":
            blocks.append(_render_piece.cut_off(markdown=markdown))
    blocks.extend(_render_piece.media(_media(completion), markdown=markdown))
    usage = completion.usage
    counts = (
        f"{usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens"
        if usage is not None
        else None
    )
    blocks.extend(_render_piece.footer(completion.model, counts, markdown=markdown))
    return "\n\n".join(blocks)


#: The request's parameter types (openai's names), loaded on first use. The module
#: ``__getattr__`` serving them is bound out of type checkers' sight: they read these names
#: from the ``TYPE_CHECKING`` import above, and a misspelt import stays an error there.
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_exports(
        globals(),
        __name__,
        {
            **dict.fromkeys(CHAT_PARAMS, "sogni_compat.types._chat_params"),
            "ChatCompletionChunk": "sogni_compat.types.chunk",
        },
    )
