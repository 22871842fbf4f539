"""The keywords of ``chat.completions.create`` and ``responses.create``, as ``TypedDict`` classes.

For type checkers and IDEs: each create method's overloads take ``**kwargs`` of one of these,
so a misspelt keyword or a value of the wrong type is reported before the call runs. Sogni's
keywords, the auto-tool loop's and the request options are shared (:class:`SogniParams`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    from ._chat_params import (
        ChatCompletionFunctionCallOptionParam,
        ChatCompletionMessageParam,
        ChatCompletionToolChoiceOptionParam,
        ChatCompletionToolParam,
    )
    from ._response_params import (
        Reasoning,
        ResponseInputItemParam,
        ResponseTextConfigParam,
        ToolChoiceFunctionParam,
        ToolChoiceOptions,
        ToolParam,
    )
    from .chat import ChatCompletionMessage, ChatCompletionMessageToolCall
    from .responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseReasoningItem
    from .tools import MediaView, ToolProgress

if TYPE_CHECKING:
    from typing import TypeAlias

    #: ``on_tool_progress``/``on_progress``: called with the tool call and its progress (or
    #: ``"bar"`` for a ready display, written beside it: a union alias inside another union
    #: keeps mypy from typing a lambda's parameters).
    ProgressCallback: TypeAlias = Callable[[ChatCompletionMessageToolCall, ToolProgress], Any]

__all__ = [
    "CompletionCreateParams",
    "CompletionCreateParamsBase",
    "CompletionParseParams",
    "EstimateCostParams",
    "ImageSettingsParams",
    "ResponseCreateParams",
    "ResponseCreateParamsBase",
    "RunCreateParams",
    "SogniParams",
    "WorkflowCreateParams",
]


class _JobSettings(TypedDict, total=False):
    """The billing and labelling keywords every Sogni job takes (camelCase too)."""

    token_type: Literal["sogni", "spark", "auto"] | None
    tokenType: Literal["sogni", "spark", "auto"] | None
    app_source: str | None
    appSource: str | None
    safe_content_filter: bool | None
    safeContentFilter: bool | None
    billing_mode: Literal["auto", "subscription", "tokens"] | None
    billingMode: Literal["auto", "subscription", "tokens"] | None
    max_estimated_capacity_units: float | None
    maxEstimatedCapacityUnits: float | None
    confirm_cost: bool | None
    confirmCost: bool | None


class _SogniKeywords(_JobSettings, total=False):
    """Sogni's keywords, the auto-tool loop's and the request options but ``timeout``."""

    think: bool | None
    task_profile: Literal["general", "coding", "reasoning"] | None
    taskProfile: Literal["general", "coding", "reasoning"] | None
    top_k: int | None
    min_p: float | None
    repetition_penalty: float | None
    sogni_tools: bool | Literal["creative-tools", "creative-agent", "none", "rich"] | None
    sogniTools: bool | Literal["creative-tools", "creative-agent", "none", "rich"] | None
    sogni_tool_execution: bool | None
    sogniToolExecution: bool | None
    chat_template_kwargs: Mapping[str, Any] | None
    media_references: Sequence[Mapping[str, Any]] | None
    mediaReferences: Sequence[Mapping[str, Any]] | None
    # the auto-tool loop (never sent)
    auto_execute_tools: bool | Literal["server"] | None
    autoExecuteTools: bool | Literal["server"] | None
    on_tool_call: Callable[[ChatCompletionMessageToolCall], Any] | None
    onToolCall: Callable[[ChatCompletionMessageToolCall], Any] | None
    on_tool_progress: (
        Callable[[ChatCompletionMessageToolCall, ToolProgress], Any] | Literal["bar"] | None
    )
    onToolProgress: (
        Callable[[ChatCompletionMessageToolCall, ToolProgress], Any] | Literal["bar"] | None
    )
    tool_handlers: Mapping[str, Callable[..., Any]] | None
    max_tool_rounds: int | None
    maxToolRounds: int | None
    max_tool_calls_per_round: int | None
    media_context: MediaView | Mapping[str, Sequence[str] | Sequence[Mapping[str, str]]] | None
    mediaContext: MediaView | Mapping[str, Sequence[str] | Sequence[Mapping[str, str]]] | None
    # request options
    extra_headers: Mapping[str, str | None] | None
    extra_query: Mapping[str, Any] | None
    extra_body: Mapping[str, Any] | None


class SogniParams(_SogniKeywords, total=False):
    """Sogni's keywords, the auto-tool loop's (never sent) and the request options."""

    timeout: float | tuple[float, float] | None


class ImageSettingsParams(_JobSettings, total=False):
    """Sogni's keywords of ``images.generate``/``images.edit``, sent with the workflow."""

    #: Merged into the tool's arguments (e.g. ``{"seed": 3}``).
    extra_body: Mapping[str, Any] | None


class WorkflowCreateParams(_JobSettings, total=False):
    """The keywords of ``workflows.create``: ``steps`` or a template, media, settings."""

    #: The plan: ``{"id", "toolName", "arguments", "depends_on"}`` per step (Sogni's JSON).
    steps: Sequence[Mapping[str, Any]] | None
    workflow_id: str | None
    workflowId: str | None
    inputs: Mapping[str, Any] | None
    #: Files uploaded as the workflow's media: bytes, a ``pathlib.Path``, a binary file, a URL.
    media: Sequence[bytes | os.PathLike[str] | IO[bytes] | str] | None
    media_references: Sequence[Mapping[str, Any]] | None
    mediaReferences: Sequence[Mapping[str, Any]] | None
    idempotency_key: str | None
    idempotencyKey: str | None
    extra_body: Mapping[str, Any] | None
    timeout: float | None


class _CompletionRequired(TypedDict):
    #: openai's message dicts, or this package's message objects (an earlier answer's).
    messages: Sequence[ChatCompletionMessageParam | ChatCompletionMessage]


class _OpenAIChatKeywords(TypedDict, total=False):
    """openai's keywords of a chat completion but ``messages``, ``response_format``, ``stream``."""

    model: str | None
    stream_options: Mapping[str, Any] | None
    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    max_completion_tokens: int | None
    stop: str | Sequence[str] | None
    n: int | None
    seed: int | None
    frequency_penalty: float | None
    presence_penalty: float | None
    logit_bias: Mapping[str, Any] | None
    logprobs: bool | None
    top_logprobs: int | None
    user: str | None
    tools: Sequence[ChatCompletionToolParam] | None
    tool_choice: ChatCompletionToolChoiceOptionParam | None
    parallel_tool_calls: bool | None
    functions: Sequence[Mapping[str, Any]] | None
    function_call: Literal["none", "auto"] | ChatCompletionFunctionCallOptionParam | None
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] | None
    metadata: Mapping[str, Any] | None
    store: bool | None
    service_tier: str | None
    prompt_cache_key: str | None
    prompt_cache_retention: str | None
    safety_identifier: str | None
    verbosity: Literal["low", "medium", "high"] | None
    prediction: Mapping[str, Any] | None
    modalities: Sequence[str] | None


class CompletionParseParams(_CompletionRequired, _OpenAIChatKeywords, SogniParams, total=False):
    """The keywords of ``parse`` and ``stream`` but ``response_format`` (a class there)."""


class EstimateCostParams(_CompletionRequired, _OpenAIChatKeywords, _SogniKeywords, total=False):
    """The keywords of ``estimate_cost`` but ``timeout`` (seconds there): ``create()``'s."""

    response_format: Mapping[str, Any] | None
    stream: bool | None


class RunCreateParams(_CompletionRequired, _JobSettings, total=False):
    """The keywords of ``chat.runs.create``: the chat keywords a run uses, and the run's own."""

    model: str | None
    tools: Sequence[ChatCompletionToolParam] | None
    tool_choice: ChatCompletionToolChoiceOptionParam | None
    parallel_tool_calls: bool | None
    temperature: float | None
    top_p: float | None
    top_k: int | None
    min_p: float | None
    max_tokens: int | None
    max_completion_tokens: int | None
    repetition_penalty: float | None
    frequency_penalty: float | None
    presence_penalty: float | None
    seed: int | None
    stop: str | Sequence[str] | None
    think: bool | None
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] | None
    task_profile: Literal["general", "coding", "reasoning"] | None
    taskProfile: Literal["general", "coding", "reasoning"] | None
    chat_template_kwargs: Mapping[str, Any] | None
    media_references: Sequence[Mapping[str, Any]] | None
    mediaReferences: Sequence[Mapping[str, Any]] | None
    sogni_tools: bool | Literal["creative-tools", "creative-agent", "none", "rich"] | None
    sogniTools: bool | Literal["creative-tools", "creative-agent", "none", "rich"] | None
    # the run's own
    session_id: str | None
    sessionId: str | None
    client_message_id: str | None
    clientMessageId: str | None
    runtime_config: Mapping[str, Any] | None
    runtimeConfig: Mapping[str, Any] | None
    media_context: MediaView | Mapping[str, Sequence[str]] | None
    mediaContext: MediaView | Mapping[str, Sequence[str]] | None
    #: Files uploaded as the run's media: bytes, a ``pathlib.Path``, a binary file, a data URI.
    media: Sequence[bytes | os.PathLike[str] | IO[bytes] | str] | None
    idempotency_key: str | None
    idempotencyKey: str | None
    # request options
    extra_headers: Mapping[str, str | None] | None
    extra_body: Mapping[str, Any] | None
    timeout: float | tuple[float, float] | None


class CompletionCreateParamsBase(CompletionParseParams, total=False):
    """Every keyword of ``create`` but ``stream``: OpenAI's, Sogni's and request options."""

    response_format: Mapping[str, Any] | None


class CompletionCreateParams(CompletionCreateParamsBase, total=False):
    """Every keyword ``create`` accepts, ``stream`` included."""

    stream: bool | None


class _ResponseRequired(TypedDict):
    #: A string, or openai's input item dicts and this package's output items (an earlier
    #: response's ``output``).
    input: (
        str
        | Sequence[
            ResponseInputItemParam
            | ResponseOutputMessage
            | ResponseFunctionToolCall
            | ResponseReasoningItem
        ]
    )


class ResponseCreateParamsBase(_ResponseRequired, SogniParams, total=False):
    """Every keyword of ``responses.create`` but ``stream``: OpenAI's, Sogni's, request options.

    openai's keywords that this translation refuses (``background``, ``conversation``,
    ``prompt``, ``max_tool_calls``...) are not here.
    """

    model: str | None
    instructions: str | None
    tools: Sequence[ToolParam] | None
    tool_choice: ToolChoiceOptions | ToolChoiceFunctionParam | None
    text: ResponseTextConfigParam | None
    reasoning: Reasoning | None
    max_output_tokens: int | None
    temperature: float | None
    top_p: float | None
    top_logprobs: int | None
    parallel_tool_calls: bool | None
    metadata: Mapping[str, str] | None
    user: str | None
    previous_response_id: str | None
    store: bool | None
    truncation: Literal["auto", "disabled"] | None
    include: Sequence[str] | None
    prompt_cache_key: str | None
    prompt_cache_retention: Literal["in_memory", "24h"] | None
    safety_identifier: str | None
    service_tier: str | None
    stream_options: Mapping[str, Any] | None


class ResponseCreateParams(ResponseCreateParamsBase, total=False):
    """Every keyword ``responses.create`` accepts, ``stream`` included."""

    stream: bool | None
