"""Response types (attrs classes with the OpenAI SDK's field names)."""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from .chunk import (
        ChatCompletionChunk,
        ChoiceDelta,
        ChoiceDeltaFunctionCall,
        ChoiceDeltaToolCall,
        ChoiceDeltaToolCallFunction,
        ChunkChoice,
    )
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

#: Types of streaming and of the tool loop, imported on first use.
_LAZY = {
    "ChatCompletionChunk": ".chunk",
    "ChoiceDelta": ".chunk",
    "ChoiceDeltaFunctionCall": ".chunk",
    "ChoiceDeltaToolCall": ".chunk",
    "ChoiceDeltaToolCallFunction": ".chunk",
    "ChunkChoice": ".chunk",
    "ToolProgress": ".tools",
    "ToolResult": ".tools",
    "ToolRound": ".tools",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib  # noqa: PLC0415 - only when a lazy name is first used

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
