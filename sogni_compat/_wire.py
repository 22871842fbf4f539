"""Reading a 2xx answer: JSON, a chat completion's shape, Sogni's ``{status, data}`` envelope.

Every resource, stream and follower reads answers with these, so a body that is not what was
promised is one :class:`~sogni_compat.APIResponseValidationError` everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from ._errors import (
    APIResponseValidationError,
    error_from_event,
    translate_transport_errors,
)
from ._json import loads
from ._secrets import excerpt

__all__ = [
    "check_completion",
    "decode_json",
    "media_urls",
    "run_of",
    "status_of",
    "success_data",
    "workflow_of",
]


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


def success_data(response: requests.Response) -> dict[str, Any]:
    """``data`` of a ``{"status": "success", "data": {...}}`` answer."""
    body = decode_json(response)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise APIResponseValidationError(
            "Sogni's answer has no 'data' object", response=response, body=body
        )
    return data


def _object_of(response: requests.Response, key: str) -> dict[str, Any]:
    """``data.<key>`` of a success answer (or ``data`` itself when it has no such key)."""
    data = success_data(response)
    found = data.get(key, data)
    if not isinstance(found, dict):
        raise APIResponseValidationError(
            f"Sogni's answer has no {key!r} object", response=response, body=data
        )
    return found


def workflow_of(response: requests.Response) -> dict[str, Any]:
    """The workflow object of a workflow answer (``data.workflow``)."""
    return _object_of(response, "workflow")


def status_of(data: Mapping[str, Any]) -> str | None:
    """The status an event or snapshot reports (``status`` or ``workflow.status``), if a string."""
    status = data.get("status")
    nested = data.get("workflow")
    if status is None and isinstance(nested, dict):
        status = nested.get("status")
    return status if isinstance(status, str) else None


def run_of(response: requests.Response) -> dict[str, Any]:
    """The run object of a durable chat run answer (``data.run``)."""
    return _object_of(response, "run")


def media_urls(value: object) -> list[str]:
    """The URLs of a ``mediaUrls`` list: plain strings, or ``{url, mediaType}`` rows.

    Sogni's intelligence client writes the rows (``mediaType`` ``image``, ``video``,
    ``audio`` or ``model``); older payloads carry plain URLs. Anything else is skipped.
    """
    if not isinstance(value, list):
        return []
    found = []
    for item in value:
        url = item.get("url") if isinstance(item, Mapping) else item
        if isinstance(url, str):
            found.append(url)
    return found
