"""Shared helpers of the resource namespaces: decoding a 2xx JSON answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests

from .._errors import (
    APIResponseValidationError,
    error_from_event,
    translate_transport_errors,
)
from .._json import loads
from .._secrets import excerpt

if TYPE_CHECKING:
    from .._requester import Requester

__all__ = ["Resource", "check_completion", "decode_json"]


def decode_json(response: requests.Response, *, release: bool = False) -> Any:
    """The JSON of a 2xx answer; :class:`APIResponseValidationError` when it is not JSON.

    ``release``: nobody reads the body again, so it is decoded to text and the bytes are let
    go before parsing: a large answer then peaks at two copies (text and parsed value), not
    three.
    """
    with translate_transport_errors(response.request):
        content = response.content
    if release and len(content) > _RELEASE_ABOVE:
        try:
            text = content.decode("utf-8-sig")  # as json.loads reads bytes: a BOM is skipped
        except UnicodeDecodeError:  # not UTF-8 (JSON may be UTF-16 or -32): parse the bytes
            pass
        else:
            response._content = b""
            del content
            try:
                return loads(text)
            except ValueError as exc:
                response._content = text.encode()  # the error's response keeps its body
                start = excerpt(text[:200], 200)
                raise APIResponseValidationError(
                    f"The server answered {response.status_code} with a body that is not "
                    f"valid JSON ({exc}): {start!r}",
                    response=response,
                    body=start,
                ) from None
    try:
        return loads(content)
    except ValueError as exc:
        start = excerpt(content[:400].decode("utf-8", "replace"), 200)
        raise APIResponseValidationError(
            f"The server answered {response.status_code} with a body that is not valid JSON "
            f"({exc}): {start!r}",
            response=response,
            body=start,
        ) from None


#: Bodies larger than this are released before parsing when the caller allows it (1 MiB:
#: where the copy matters; smaller bodies stay readable on the response, e.g. in a test's
#: ``responses.calls``).
_RELEASE_ABOVE = 1024 * 1024


def check_completion(data: Any) -> str | None:
    """Why ``data`` is not a chat completion, or ``None`` when it is one."""
    if not isinstance(data, dict):
        return f"expected a JSON object, got {type(data).__name__}"
    choices = data.get("choices")
    if not isinstance(choices, list):
        if "error" in data:
            return f"the server reported an error: {error_from_event(data).message}"
        return "it has no 'choices' list"
    for i, choice in enumerate(choices):
        if not isinstance(choice, dict):
            return f"choices[{i}] is not an object"
        message = choice.get("message", {})
        if not isinstance(message, dict):
            return f"choices[{i}].message is not an object"
        # The text fields code reads directly (tool calls are checked by whoever runs them).
        for key in ("content", "role", "refusal", "reasoning_content"):
            value = message.get(key)
            if value is not None and not isinstance(value, str):
                return f"choices[{i}].message.{key} is not a string"
    return None


class Resource:
    """A namespace bound to a client (``client.chat.completions``, ``client.models``)."""

    _client: Requester

    def __init__(self, client: Requester) -> None:
        self._client = client
