"""The module-level client: ``import sogni_compat as openai; openai.chat.completions.create()``.

As the openai package does, the package itself works as a client configured by module
attributes (``api_key``, ``base_url``, ``timeout``, ``max_retries``, ``default_headers``,
``default_query``, ``http_client``, ``app_source``; ``organization`` and ``project`` are accepted
and, set, warned about as the constructor does). The client is made on first use and
made again when a setting has changed since.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from ._client import OpenAI

__all__ = ["SETTINGS", "module_client"]

#: The module attributes that configure the module-level client, with their defaults.
SETTINGS: Mapping[str, Any] = {
    "api_key": None,
    "base_url": None,
    "timeout": None,
    "max_retries": 2,
    "default_headers": None,
    "default_query": None,
    "http_client": None,
    "app_source": None,
    "organization": None,
    "project": None,
}

_lock = threading.Lock()
_made: list[Any] = [None, None]  # [settings seen, client]


def module_client(namespace: Mapping[str, Any]) -> OpenAI:
    """The client for the settings now in ``namespace`` (the package's globals)."""
    settings = {name: namespace.get(name, default) for name, default in SETTINGS.items()}
    seen = tuple(
        id(value) if name == "http_client" else repr(value) for name, value in settings.items()
    )
    with _lock:
        if _made[0] != seen or _made[1] is None:
            old = _made[1]
            _made[1] = OpenAI(**settings)
            _made[0] = seen
            if old is not None:
                old.close()
        client: OpenAI = _made[1]
    return client
