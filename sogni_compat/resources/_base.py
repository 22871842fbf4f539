"""The base of the resource namespaces: a namespace bound to the client's request path."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._requester import Requester

__all__ = ["Resource"]


class Resource:
    """A namespace bound to a client (``client.chat.completions``, ``client.models``)."""

    _client: Requester

    def __init__(self, client: Requester) -> None:
        self._client = client
