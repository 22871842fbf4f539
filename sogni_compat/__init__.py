"""sogni_compat: a synchronous, OpenAI-compatible drop-in client for Sogni's LLM API.

Change ``from openai import OpenAI`` to ``from sogni_compat import OpenAI``.
"""

import logging

from ._client import OpenAI, Sogni
from ._config import NOT_GIVEN
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    OpenAIError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ToolRoundsExceededError,
    UnprocessableEntityError,
)
from ._streaming import Stream
from ._version import __version__
from .types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionMessageToolCall,
    Choice,
    CompletionUsage,
    Model,
    ToolProgress,
    ToolResult,
    ToolRound,
)

#: Sogni's name for the base error class.
SogniError = OpenAIError

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "ChatCompletionMessageToolCall",
    "Choice",
    "CompletionUsage",
    "ConflictError",
    "InternalServerError",
    "Model",
    "NotFoundError",
    "OpenAI",
    "OpenAIError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "Sogni",
    "SogniError",
    "Stream",
    "ToolProgress",
    "ToolResult",
    "ToolRound",
    "ToolRoundsExceededError",
    "UnprocessableEntityError",
    "__version__",
]

logging.getLogger("sogni_compat").addHandler(logging.NullHandler())
