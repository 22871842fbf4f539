"""sogni_compat: a synchronous, OpenAI-compatible drop-in client for Sogni's LLM API.

Change ``from openai import OpenAI`` to ``from sogni_compat import OpenAI``.
"""

import logging
import typing

from ._client import OpenAI, Sogni
from ._client import served_namespaces as _served_namespaces
from ._config import ENV_LOG as _ENV_LOG
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
    ContentFilterFinishReasonError,
    CostApprovalRequiredError,
    CostEstimateWarning,
    InternalServerError,
    LengthFinishReasonError,
    NotFoundError,
    OpenAIError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ToolRoundsExceededError,
    UnprocessableEntityError,
    WaitTimeoutError,
)
from ._lazy import lazy_exports as _lazy_exports
from ._secrets import MaskingFilter as _MaskingFilter
from ._transport import HTTPAdapter
from ._version import __version__
from .types import (
    ChatCompletion,
    ChatCompletionMessage,
    ChatCompletionMessageToolCall,
    Choice,
    CompletionUsage,
    Model,
)

if typing.TYPE_CHECKING:
    from ._streaming import Stream
    from ._structured import function_tool, pydantic_function_tool
    from .resources.chat import Beta, Chat
    from .resources.images import Images
    from .resources.media import Media
    from .resources.models import Models
    from .resources.responses import Responses
    from .resources.workflows import Workflows
    from .types import ChatCompletionChunk, ToolProgress, ToolResult, ToolRound

    # The module-level client's namespaces (proxies at run time, found on use): typed as the
    # client's, so ``sogni_compat.chat.completions.create(...)`` is checked as the method is.
    chat: Chat
    beta: Beta
    models: Models
    responses: Responses
    images: Images
    media: Media
    workflows: Workflows

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
    "ContentFilterFinishReasonError",
    "CostApprovalRequiredError",
    "CostEstimateWarning",
    "HTTPAdapter",
    "InternalServerError",
    "LengthFinishReasonError",
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
    "WaitTimeoutError",
    "__version__",
    "function_tool",
    "pydantic_function_tool",
]

logging.getLogger("sogni_compat").addHandler(logging.NullHandler())
# Whatever a log line quotes (a URL, a server's text), a client's key is masked in it.
logging.getLogger("sogni_compat").addFilter(_MaskingFilter())


def _log_from_environment() -> None:
    """``SOGNI_LOG=debug`` (or ``info``): send the client's log records to stderr."""
    import os  # noqa: PLC0415 - keeps the module namespace to the public names

    level = os.environ.get(_ENV_LOG, "").strip().upper()
    if level in ("DEBUG", "INFO"):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        package_logger = logging.getLogger("sogni_compat")
        package_logger.addHandler(handler)
        package_logger.setLevel(level)


_log_from_environment()

# -- the module-level client (import sogni_compat as openai) ---------------------------------

#: Settings of the module-level client, as the openai package has them.
api_key: str | None = None
base_url: str | None = None
timeout: float | tuple[float, float] | None = None
max_retries: int = 2
default_headers: typing.Mapping[str, str] | None = None
default_query: typing.Mapping[str, typing.Any] | None = None
http_client: typing.Any = None
app_source: str | None = None
organization: str | None = None
project: str | None = None

#: The resources the module serves from its module-level client: the client's own namespaces.
_MODULE_RESOURCES = frozenset({*_served_namespaces(), "beta"})

#: Imported on first use, so ``import sogni_compat`` stays light: streaming and the tool loop.
_lazy_getattr, __dir__ = _lazy_exports(
    globals(),
    __name__,
    {
        "Stream": "._streaming",
        "ChatCompletionChunk": ".types",
        "ToolProgress": ".types",
        "ToolResult": ".types",
        "ToolRound": ".types",
        "function_tool": "._structured",
        "pydantic_function_tool": "._structured",
    },
)


def _module_getattr(name: str) -> typing.Any:
    """Lazy exports, and ``chat``/``models``/``beta`` of the module-level client."""
    if name in _MODULE_RESOURCES:
        from ._module_client import ModuleResource  # noqa: PLC0415 - on first use

        return ModuleResource((name,))
    if name in ("AsyncOpenAI", "AsyncSogni"):
        raise ImportError(
            f"sogni_compat has no {name}: it is a blocking client. For async code, "
            "sogni_compat.OpenAI(...).as_async_openai() gives a genuine openai.AsyncOpenAI "
            "bound to Sogni"
        )
    from ._client import _NOT_SERVED, not_served  # noqa: PLC0415

    if name in _NOT_SERVED:
        raise AttributeError(not_served(f"sogni_compat.{name}"))
    return _lazy_getattr(name)


# Bound out of type checkers' sight: they read the names above, and a misspelt one (or an
# endpoint Sogni does not serve, ``sogni_compat.embeddings``) stays an error there.
if not typing.TYPE_CHECKING:
    __getattr__ = _module_getattr
