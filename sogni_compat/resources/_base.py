"""Shared helpers of the resource namespaces: decoding a 2xx JSON answer."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import requests

from .._errors import APIResponseValidationError, translate_transport_errors

if TYPE_CHECKING:
    from .._client import OpenAI

__all__ = ["Resource", "decode_json"]


def decode_json(response: requests.Response) -> Any:
    """The JSON of a 2xx answer; :class:`APIResponseValidationError` when it is not JSON."""
    with translate_transport_errors(response.request):
        content = response.content
    try:
        return json.loads(content)
    except ValueError as exc:
        excerpt = content[:200].decode("utf-8", "replace")
        raise APIResponseValidationError(
            f"The server answered {response.status_code} with a body that is not valid JSON: "
            f"{excerpt!r}",
            response=response,
            body=excerpt,
        ) from exc


class Resource:
    """A namespace bound to a client (``client.chat.completions``, ``client.models``)."""

    _client: OpenAI

    def __init__(self, client: OpenAI) -> None:
        self._client = client
