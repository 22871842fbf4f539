"""The chat request's parameter types (messages, content parts, tools), as the openai package's.

``TypedDict`` classes under the openai package's names, so typed OpenAI code keeps its
annotations with ``from sogni_compat.types.chat import ...`` and type checkers check each
message (``{"role": "usr", ...}`` is an error). Messages and their parts mirror openai 3.63.0
(keys, which are required, their types), plus what this package adds: an image part's
``image_url`` may also be a ``pathlib.Path``, raw bytes or a plain URL string (each becomes a
data URI before sending). Tools and ``tool_choice`` are what this package sends: function
tools, and ``"none"``, ``"auto"``, ``"required"`` or a named function (openai's custom tools
and ``allowed_tools`` are refused before sending, so they are not offered here).

Required keys sit in a base class of their own (``total=True``), the others in the class
(``total=False``): the same type for checkers as openai's ``Required[...]``, and the right
``__required_keys__`` at run time without ``typing_extensions``. Nothing here imports openai.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Literal, TypeAlias, TypedDict

__all__ = [
    "ChatCompletionAssistantMessageParam",
    "ChatCompletionContentPartImageParam",
    "ChatCompletionContentPartInputAudioParam",
    "ChatCompletionContentPartParam",
    "ChatCompletionContentPartRefusalParam",
    "ChatCompletionContentPartTextParam",
    "ChatCompletionDeveloperMessageParam",
    "ChatCompletionFunctionCallOptionParam",
    "ChatCompletionFunctionMessageParam",
    "ChatCompletionFunctionToolParam",
    "ChatCompletionMessageCustomToolCallParam",
    "ChatCompletionMessageFunctionToolCallParam",
    "ChatCompletionMessageParam",
    "ChatCompletionMessageToolCallParam",
    "ChatCompletionMessageToolCallUnionParam",
    "ChatCompletionNamedToolChoiceParam",
    "ChatCompletionStreamOptionsParam",
    "ChatCompletionSystemMessageParam",
    "ChatCompletionToolChoiceOptionParam",
    "ChatCompletionToolMessageParam",
    "ChatCompletionToolParam",
    "ChatCompletionToolUnionParam",
    "ChatCompletionUserMessageParam",
    "FunctionDefinition",
]


# -- content parts ---------------------------------------------------------------------------


class _PromptCacheBreakpointRequired(TypedDict):
    mode: Literal["explicit"]


class PromptCacheBreakpoint(_PromptCacheBreakpointRequired, total=False):
    """Where OpenAI's prompt cache may break (sent as given)."""

    ttl: Literal["30m", "12h"]


class _ContentPartTextRequired(TypedDict):
    text: str
    type: Literal["text"]


class ChatCompletionContentPartTextParam(_ContentPartTextRequired, total=False):
    """A text part: ``{"type": "text", "text": ...}``."""

    prompt_cache_breakpoint: PromptCacheBreakpoint


#: An image: an ``https://`` URL or a ``data:`` URI, a ``pathlib.Path`` or raw bytes.
ImageSource: TypeAlias = str | bytes | os.PathLike[str]


class _ImageURLRequired(TypedDict):
    url: ImageSource


class ImageURL(_ImageURLRequired, total=False):
    """An image part's image (see :data:`ImageSource`), and how closely to look at it."""

    detail: Literal["auto", "low", "high", "original"]


class _ContentPartImageRequired(TypedDict):
    image_url: ImageURL | ImageSource
    type: Literal["image_url"]


class ChatCompletionContentPartImageParam(_ContentPartImageRequired, total=False):
    """An image part: ``{"type": "image_url", "image_url": {"url": ...}}`` (or the source)."""

    prompt_cache_breakpoint: PromptCacheBreakpoint


class InputAudio(TypedDict):
    """An audio part's audio: base64 ``data`` and its ``format``."""

    data: str
    format: Literal["wav", "mp3"]


class _ContentPartInputAudioRequired(TypedDict):
    input_audio: InputAudio
    type: Literal["input_audio"]


class ChatCompletionContentPartInputAudioParam(_ContentPartInputAudioRequired, total=False):
    """An audio part (sent as given)."""

    prompt_cache_breakpoint: PromptCacheBreakpoint


class FileFile(TypedDict, total=False):
    """A file part's file: its data, an id, or its name."""

    file_data: str
    file_id: str
    filename: str


class _FileRequired(TypedDict):
    file: FileFile
    type: Literal["file"]


class File(_FileRequired, total=False):
    """A file part (sent as given)."""

    prompt_cache_breakpoint: PromptCacheBreakpoint


class ChatCompletionContentPartRefusalParam(TypedDict):
    """A refusal part of an assistant message: ``{"type": "refusal", "refusal": ...}``."""

    refusal: str
    type: Literal["refusal"]


#: A part of a user message's content.
ChatCompletionContentPartParam: TypeAlias = (
    ChatCompletionContentPartTextParam
    | ChatCompletionContentPartImageParam
    | ChatCompletionContentPartInputAudioParam
    | File
)

# -- messages --------------------------------------------------------------------------------


class _DeveloperMessageRequired(TypedDict):
    content: str | Iterable[ChatCompletionContentPartTextParam]
    role: Literal["developer"]


class ChatCompletionDeveloperMessageParam(_DeveloperMessageRequired, total=False):
    """A developer message (instructions), as newer OpenAI models take them."""

    name: str


class _SystemMessageRequired(TypedDict):
    content: str | Iterable[ChatCompletionContentPartTextParam]
    role: Literal["system"]


class ChatCompletionSystemMessageParam(_SystemMessageRequired, total=False):
    """A system message: instructions for the model."""

    name: str


class _UserMessageRequired(TypedDict):
    content: str | Iterable[ChatCompletionContentPartParam]
    role: Literal["user"]


class ChatCompletionUserMessageParam(_UserMessageRequired, total=False):
    """A user message: text, or a list of parts (text, images)."""

    name: str


class Audio(TypedDict):
    """An earlier audio answer, by id."""

    id: str


class FunctionCall(TypedDict):
    """A legacy ``function_call`` of an assistant message."""

    arguments: str
    name: str


class Function(TypedDict):
    """The function a tool call invokes: its name and its arguments as JSON text."""

    arguments: str
    name: str


class ChatCompletionMessageFunctionToolCallParam(TypedDict):
    """A tool call of an assistant message: ``id``, ``type`` ``"function"``, ``function``."""

    id: str
    function: Function
    type: Literal["function"]


#: A function tool call (openai's older name).
ChatCompletionMessageToolCallParam: TypeAlias = ChatCompletionMessageFunctionToolCallParam


class Custom(TypedDict):
    """The input and name of a custom tool call."""

    input: str
    name: str


class ChatCompletionMessageCustomToolCallParam(TypedDict):
    """A custom tool call of an assistant message (in a history, sent as given)."""

    id: str
    custom: Custom
    type: Literal["custom"]


#: A tool call of an assistant message.
ChatCompletionMessageToolCallUnionParam: TypeAlias = (
    ChatCompletionMessageFunctionToolCallParam | ChatCompletionMessageCustomToolCallParam
)
#: A part of an assistant message's content.
ContentArrayOfContentPart: TypeAlias = (
    ChatCompletionContentPartTextParam | ChatCompletionContentPartRefusalParam
)


class _AssistantMessageRequired(TypedDict):
    role: Literal["assistant"]


class ChatCompletionAssistantMessageParam(_AssistantMessageRequired, total=False):
    """An assistant message of the history: its text, or the tool calls it asked for."""

    audio: Audio | None
    content: str | Iterable[ContentArrayOfContentPart] | None
    function_call: FunctionCall | None
    name: str
    refusal: str | None
    tool_calls: Iterable[ChatCompletionMessageToolCallUnionParam]


class ChatCompletionToolMessageParam(TypedDict):
    """A tool's result: ``content`` for the call ``tool_call_id``."""

    content: str | Iterable[ChatCompletionContentPartTextParam]
    role: Literal["tool"]
    tool_call_id: str


class ChatCompletionFunctionMessageParam(TypedDict):
    """A legacy function result (``role="function"``)."""

    content: str | None
    name: str
    role: Literal["function"]


#: One message of ``messages``.
ChatCompletionMessageParam: TypeAlias = (
    ChatCompletionDeveloperMessageParam
    | ChatCompletionSystemMessageParam
    | ChatCompletionUserMessageParam
    | ChatCompletionAssistantMessageParam
    | ChatCompletionToolMessageParam
    | ChatCompletionFunctionMessageParam
)

# -- tools -----------------------------------------------------------------------------------


class _FunctionDefinitionRequired(TypedDict):
    name: str


class FunctionDefinition(_FunctionDefinitionRequired, total=False):
    """A function tool's function: its name, description and JSON-schema ``parameters``."""

    description: str
    parameters: dict[str, object]
    strict: bool | None


class ChatCompletionFunctionToolParam(TypedDict):
    """A function tool: ``{"type": "function", "function": {...}}``."""

    function: FunctionDefinition
    type: Literal["function"]


#: A tool of ``tools`` (function tools are the tools this package sends).
ChatCompletionToolParam: TypeAlias = ChatCompletionFunctionToolParam
#: ``tools=`` as openai 1.99 and later names it (function tools, here too).
ChatCompletionToolUnionParam: TypeAlias = ChatCompletionFunctionToolParam


class ChatCompletionStreamOptionsParam(TypedDict, total=False):
    """``stream_options``: ``include_usage`` (a last chunk with the usage)."""

    include_usage: bool
    include_obfuscation: bool


class _NamedFunction(TypedDict):
    name: str


class ChatCompletionNamedToolChoiceParam(TypedDict):
    """A ``tool_choice`` forcing one function: ``{"type": "function", "function": {...}}``."""

    function: _NamedFunction
    type: Literal["function"]


#: ``tool_choice``: ``"none"``, ``"auto"``, ``"required"`` or one named function.
ChatCompletionToolChoiceOptionParam: TypeAlias = (
    Literal["none", "auto", "required"] | ChatCompletionNamedToolChoiceParam
)


class ChatCompletionFunctionCallOptionParam(TypedDict):
    """A legacy ``function_call`` forcing one function: ``{"name": ...}``."""

    name: str
