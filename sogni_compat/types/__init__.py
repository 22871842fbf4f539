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
    from .durable import (
        Artifact,
        BillingPreview,
        ChatRun,
        CostEstimate,
        FinalResponse,
        RunEvent,
        RunWaiting,
        Workflow,
        WorkflowEvent,
    )
    from .templates import WorkflowTemplate, WorkflowTemplateDeleted
    from .tools import MediaItem, MediaView, ToolHandoff, ToolProgress, ToolResult, ToolRound

__all__ = [
    "Artifact",
    "BaseObject",
    "BillingPreview",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "ChatCompletionMessageToolCall",
    "ChatCompletionTokenLogprob",
    "ChatRun",
    "Choice",
    "ChoiceDelta",
    "ChoiceDeltaFunctionCall",
    "ChoiceDeltaToolCall",
    "ChoiceDeltaToolCallFunction",
    "ChoiceLogprobs",
    "ChunkChoice",
    "CompletionTokensDetails",
    "CompletionUsage",
    "CostEstimate",
    "FinalResponse",
    "Function",
    "FunctionCall",
    "MediaItem",
    "MediaView",
    "Model",
    "ModelsPage",
    "PromptTokensDetails",
    "RunEvent",
    "RunWaiting",
    "ToolHandoff",
    "ToolProgress",
    "ToolResult",
    "ToolRound",
    "TopLogprob",
    "Workflow",
    "WorkflowEvent",
    "WorkflowTemplate",
    "WorkflowTemplateDeleted",
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
        "Artifact": ".durable",
        "BillingPreview": ".durable",
        "ChatRun": ".durable",
        "CostEstimate": ".durable",
        "FinalResponse": ".durable",
        "RunEvent": ".durable",
        "RunWaiting": ".durable",
        "Workflow": ".durable",
        "WorkflowEvent": ".durable",
        "WorkflowTemplate": ".templates",
        "WorkflowTemplateDeleted": ".templates",
        "MediaItem": ".tools",
        "MediaView": ".tools",
        "ToolHandoff": ".tools",
        "ToolProgress": ".tools",
        "ToolResult": ".tools",
        "ToolRound": ".tools",
    },
)
