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
from .model import Model, ModelsPage

__all__ = [
    "BaseObject",
    "ChatCompletion",
    "ChatCompletionMessage",
    "ChatCompletionMessageToolCall",
    "Choice",
    "CompletionTokensDetails",
    "CompletionUsage",
    "Function",
    "FunctionCall",
    "Model",
    "ModelsPage",
    "PromptTokensDetails",
]
