"""What code below the client may use of it: :class:`Requester`, a protocol for type hints.

The resources, streams, the tool loop and the media helpers all send requests through the
client that made them, yet none of them imports the client: they name this protocol, which
:class:`sogni_compat.OpenAI` satisfies (``mypy`` checks it, see ``_client._conforms``).
Imported only under ``TYPE_CHECKING``; nothing here runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol, TypeVar

import requests

from ._options import RequestOptions, Timeout

__all__ = ["Requester"]

_T = TypeVar("_T")


class Requester(Protocol):
    """A client's settings and its request path, as the layers below the client see them."""

    base_url: str
    timeout: Timeout
    max_retries: int
    tool_timeout: float
    max_response_bytes: int
    max_event_bytes: int
    allow_local_files: bool
    app_source: str | None
    model_aliases: dict[str, str]
    response_types: Literal["sogni", "openai"]
    _default_query: dict[str, Any]
    _session: requests.Session
    _sleep: Callable[[float], None]

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        options: RequestOptions | None = None,
        stream: bool = False,
        parse: Callable[[requests.Response], _T],
        deadline: float | None = None,
        retries: Literal[0] | None = None,
        max_bytes: int | None = None,
        final_statuses: frozenset[int] = frozenset(),
    ) -> _T:
        """Send one logical request, retrying as the client's policy says; ``parse`` it."""
        ...

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        options: RequestOptions | None = None,
        stream: bool = False,
        parse: Callable[[requests.Response], _T],
        deadline: float | None = None,
        retries: Literal[0] | None = None,
        max_bytes: int | None = None,
        final_statuses: frozenset[int] = frozenset(),
    ) -> tuple[_T, requests.Response, int]:
        """As :meth:`_request`, also returning the response and the number of retries."""
        ...

    def _forward(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        content: bytes | None,
        timeout: Timeout,
    ) -> tuple[requests.Response, float]:
        """One attempt of a request built elsewhere, sent with this client's key."""
        ...
