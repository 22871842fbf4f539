"""Response types (attrs classes with the OpenAI SDK's field names)."""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports as _lazy_exports
from ._base import BaseObject
from .chat import (
    ChatCompletion,
    ChatCompletionMessage,
    ChatCompletionMessageToolCall,
    ChatCompletionTokenLogprob,
    Choice,
    ChoiceLogprobs,
    CompletionTokensDetails,
    CompletionUsage,
    Function,
    FunctionCall,
    PromptTokensDetails,
    TopLogprob,
)
from .model import Model, ModelsPage

if TYPE_CHECKING:
    from .chunk import (
        ChatCompletionChunk,
        ChoiceDelta,
        ChoiceDeltaFunctionCall,
        ChoiceDeltaToolCall,
        ChoiceDeltaToolCallFunction,
        ChunkChoice,
    )
    from .tools import MediaItem, MediaView, ToolHandoff, ToolProgress, ToolResult, ToolRound

__all__ = [
    "BaseObject",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "ChatCompletionMessageToolCall",
    "ChatCompletionTokenLogprob",
    "Choice",
    "ChoiceDelta",
    "ChoiceDeltaFunctionCall",
    "ChoiceDeltaToolCall",
    "ChoiceDeltaToolCallFunction",
    "ChoiceLogprobs",
    "ChunkChoice",
    "CompletionTokensDetails",
    "CompletionUsage",
    "Function",
    "FunctionCall",
    "MediaItem",
    "MediaView",
    "Model",
    "ModelsPage",
    "PromptTokensDetails",
    "ToolHandoff",
    "ToolProgress",
    "ToolResult",
    "ToolRound",
    "TopLogprob",
]

#: Types of streaming and of the tool loop, imported on first use.
__getattr__, __dir__ = _lazy_exports(
    globals(),
    __name__,
    {
        "ChatCompletionChunk": ".chunk",
        "ChoiceDelta": ".chunk",
        "ChoiceDeltaFunctionCall": ".chunk",
        "ChoiceDeltaToolCall": ".chunk",
        "ChoiceDeltaToolCallFunction": ".chunk",
        "ChunkChoice": ".chunk",
        "MediaItem": ".tools",
        "MediaView": ".tools",
        "ToolHandoff": ".tools",
        "ToolProgress": ".tools",
        "ToolResult": ".tools",
        "ToolRound": ".tools",
    },
)
