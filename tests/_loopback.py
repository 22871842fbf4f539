"""A guard for tests that drive third-party frameworks: loopback addresses only.

Frameworks phone home (tracing exporters, telemetry, model catalogues). Under
:func:`loopback_only`, resolving a name that is not a loopback name and connecting a socket to
an address that is not a loopback address fail at once (nothing leaves the machine, not even
a DNS query) and are recorded, so the test can fail on them.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

__all__ = ["loopback_only"]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Refuse every name and address but loopback ones; the list records each refusal."""
    refused: list[str] = []
    resolve = socket.getaddrinfo
    connect = socket.socket.connect
    connect_ex = socket.socket.connect_ex

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback(host):
            refused.append(f"resolve {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, f"the test allows loopback only: {host}")
        return resolve(host, *args, **kwargs)

    def outside(sock: socket.socket, address: Any) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return False
        return not _is_loopback(address[0] if isinstance(address, tuple) else address)

    def guarded_connect(sock: socket.socket, address: Any) -> None:
        if outside(sock, address):
            refused.append(f"connect {address!r}")
            raise ConnectionRefusedError(f"the test allows loopback only: {address}")
        connect(sock, address)

    def guarded_connect_ex(sock: socket.socket, address: Any) -> int:
        if outside(sock, address):
            refused.append(f"connect {address!r}")
            raise ConnectionRefusedError(f"the test allows loopback only: {address}")
        return connect_ex(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    return refused
