"""The module-level client: ``import sogni_compat as openai; openai.chat.completions.create()``.

As the openai package does, the package itself works as a client configured by module
attributes (``api_key``, ``base_url``, ``timeout``, ``max_retries``, ``default_headers``,
``default_query``, ``http_client``, ``app_source``; ``organization`` and ``project`` are accepted
and, set, warned about as the constructor does). ``sogni_compat.chat``, ``.models``,
``.beta``, ``.responses`` and ``.images`` are proxies that find the client when used, so a
reference taken before a setting changed still follows it; the client is made on first use
and made again when a setting has changed since (the old one is left to calls still using it,
never closed under them).
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Mapping
from typing import Any

from ._client import OpenAI
from ._secrets import Secret

__all__ = ["SETTINGS", "ModuleResource", "module_client"]

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


def _fingerprint(name: str, value: object) -> object:
    """What tells that a setting changed, without holding the key itself."""
    if name == "api_key" and isinstance(value, str):
        return hashlib.sha256(value.encode()).hexdigest()
    if name == "http_client" or callable(value):
        return id(value)
    return repr(value)


def module_client() -> OpenAI:
    """The client for the package's settings as they are now."""
    package = sys.modules["sogni_compat"]
    settings = {name: getattr(package, name, default) for name, default in SETTINGS.items()}
    if isinstance(settings["api_key"], str):
        settings["api_key"] = Secret(settings["api_key"])  # tracebacks show '***'
    seen = tuple(_fingerprint(name, value) for name, value in settings.items())
    with _lock:
        if _made[0] != seen or _made[1] is None:
            # The client made for the old settings is not closed: a call started before the
            # change (in another thread, say) may still be using it. It is dropped, and its
            # connections close when the last call using it lets go of it.
            _made[1] = OpenAI(**settings)
            _made[0] = seen
        client: OpenAI = _made[1]
    return client


class ModuleResource:
    """``sogni_compat.chat`` (and so on): a path into the module-level client, found on use."""

    __slots__ = ("_path",)

    def __init__(self, path: tuple[str, ...]) -> None:
        self._path = path

    def _resolve(self) -> Any:
        target: Any = module_client()
        for name in self._path:
            target = getattr(target, name)
        return target

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return ModuleResource((*self._path, name))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call what the path names on the current module-level client."""
        return self._resolve()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<sogni_compat.{'.'.join(self._path)} of the module-level client>"
