"""Response types (attrs classes with the OpenAI SDK's field names)."""

from ._base import BaseObject
from .chat import (
    ChatCompletion,
    ChatCompletionMessage,
    ChatCompletionMessageToolCall,
    Choice,
    CompletionTokensDetails,
    CompletionUsage,
    Function,
    FunctionCall,
    PromptTokensDetails,
)
from .chunk import (
    ChatCompletionChunk,
    ChoiceDelta,
    ChoiceDeltaFunctionCall,
    ChoiceDeltaToolCall,
    ChoiceDeltaToolCallFunction,
    ChunkChoice,
)
from .model import Model, ModelsPage
from .tools import ToolProgress, ToolResult, ToolRound

__all__ = [
    "BaseObject",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "ChatCompletionMessageToolCall",
    "Choice",
    "ChoiceDelta",
    "ChoiceDeltaFunctionCall",
    "ChoiceDeltaToolCall",
    "ChoiceDeltaToolCallFunction",
    "ChunkChoice",
    "CompletionTokensDetails",
    "CompletionUsage",
    "Function",
    "FunctionCall",
    "Model",
    "ModelsPage",
    "PromptTokensDetails",
    "ToolProgress",
    "ToolResult",
    "ToolRound",
]
