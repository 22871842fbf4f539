"""Streaming chunk objects (``object == "chat.completion.chunk"``)."""

from __future__ import annotations

import attrs

from ._base import BaseObject, response_type
from .chat import ChoiceLogprobs, CompletionUsage

__all__ = [
    "ChatCompletionChunk",
    "ChoiceDelta",
    "ChoiceDeltaFunctionCall",
    "ChoiceDeltaToolCall",
    "ChoiceDeltaToolCallFunction",
    "ChunkChoice",
]


@response_type
class ChoiceDeltaToolCallFunction(BaseObject):
    """A fragment of a tool call's function: ``name`` once, ``arguments`` in pieces."""

    name: str | None = None
    arguments: str | None = None


@response_type
class ChoiceDeltaToolCall(BaseObject):
    """A fragment of a tool call; fragments with the same ``index`` belong together."""

    index: int = 0
    id: str | None = None
    type: str | None = None
    function: ChoiceDeltaToolCallFunction | None = None


@response_type
class ChoiceDeltaFunctionCall(BaseObject):
    """A fragment of a legacy ``function_call``."""

    name: str | None = None
    arguments: str | None = None


@response_type
class ChoiceDelta(BaseObject):
    """What one chunk adds to a choice: ``role`` first, then ``content`` or ``tool_calls``."""

    role: str | None = None
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ChoiceDeltaToolCall] | None = None
    function_call: ChoiceDeltaFunctionCall | None = None
    #: A piece of the model's thinking, when the server streams it separately.
    reasoning_content: str | None = None


@response_type
class ChunkChoice(BaseObject):
    """One choice of a chunk: ``index``, ``delta`` and, on the last one, ``finish_reason``."""

    index: int = 0
    delta: ChoiceDelta = attrs.field(factory=ChoiceDelta)
    finish_reason: str | None = None
    logprobs: ChoiceLogprobs | None = None


@response_type
class ChatCompletionChunk(BaseObject):
    """One streamed event; ``choices`` may be empty on a final usage-only chunk."""

    id: str = ""
    object: str = "chat.completion.chunk"
    created: int = 0
    model: str = ""
    choices: list[ChunkChoice] = attrs.field(factory=list)
    usage: CompletionUsage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
