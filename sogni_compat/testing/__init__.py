"""Test without the network: a loopback emulator of Sogni's API, and a ``responses`` mock.

- :class:`LocalSogniServer` is a real HTTP server on a free loopback port (standard library
  only): point any client at ``server.base_url``, the official ``openai`` SDK included.
- :class:`MockSogni` queues answers for your unit tests without sockets; it needs the
  ``responses`` package (``pip install responses``), which is imported only when you use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._model import DEFAULT_MODEL, MODELS
from ._server import LocalSogniServer, RecordedRequest

if TYPE_CHECKING:
    from ._mock import MockSogni

__all__ = ["DEFAULT_MODEL", "MODELS", "LocalSogniServer", "MockSogni", "RecordedRequest"]


def __getattr__(name: str) -> Any:
    if name == "MockSogni":
        from ._mock import MockSogni  # noqa: PLC0415 - imports responses, only when asked

        return MockSogni
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
