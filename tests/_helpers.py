"""Helpers shared by the tests: constants and wire bodies."""

from __future__ import annotations

import base64
import json
from typing import Any

from sogni_compat.types.chat import ChatCompletionMessageParam

BASE_URL = "https://api.test/v1"
API_KEY = "sk-test-key-0123456789"
CHAT_URL = f"{BASE_URL}/chat/completions"
#: A 1x1 transparent PNG: the smallest real image to upload.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAACAAFUok9dAAAAAElFTkSuQmCC"
)


def completion(content: str = "Hello!", **extra: Any) -> dict[str, Any]:
    """A minimal chat completion as the server sends it."""
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1767225600,
        "model": "qwen3.6-35b-a3b-gguf-iq4xs",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }
    body.update(extra)
    return body


def sent_json(call: Any) -> Any:
    """The JSON body of a recorded request."""
    return json.loads(call.request.body)


USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]


def error_class(error: BaseException | None) -> type:
    """The package's class of ``error``, looking through the twin made once openai is loaded."""
    made = type(error)
    twin_of: type = made.__dict__.get("_twin_of", made)
    return twin_of
