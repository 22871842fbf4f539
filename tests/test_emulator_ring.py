"""The emulator keeps a bounded ring of recent requests and uploads, so serve can run for days."""

from __future__ import annotations

import json
import socket

import pytest
import requests

from sogni_compat.testing import LocalSogniServer

from ._helpers import PNG

MIB = 1 << 20


def post(server: LocalSogniServer, number: int, size: int) -> None:
    """One request with a body of ``size`` bytes to a route that does not exist."""
    answer = requests.post(
        f"{server.base_url}/nowhere/{number}",
        data=b"x" * size,
        headers={"Authorization": "Bearer any-key"},
        timeout=10,
    )
    assert answer.status_code == 404


def test_the_default_ring_keeps_at_most_64_mib_of_bodies() -> None:
    """80 requests of 1 MiB: all counted, the newest kept, their bodies within 64 MiB."""
    with LocalSogniServer() as server:
        assert (server.max_recorded_requests, server.max_recorded_bytes) == (10_000, 64 * MIB)
        for number in range(80):
            post(server, number, MIB)
        kept = server.requests
        assert server.requests_received == 80
    assert sum(len(r.body) for r in kept) <= 64 * MIB
    assert len(kept) == 64
    assert kept[-1].path == "/v1/nowhere/79"
    assert [r.path for r in kept] == [f"/v1/nowhere/{n}" for n in range(16, 80)]


def test_the_ring_size_is_configurable() -> None:
    """max_recorded_requests=5 keeps the last five; the count goes on."""
    with LocalSogniServer(max_recorded_requests=5) as server:
        for number in range(12):
            post(server, number, 10)
        assert [r.path for r in server.requests] == [f"/v1/nowhere/{n}" for n in range(7, 12)]
        assert server.requests_received == 12


def test_the_newest_request_is_kept_even_when_over_the_bytes() -> None:
    """A body larger than max_recorded_bytes is still the last request recorded."""
    with LocalSogniServer(max_recorded_bytes=1000) as server:
        post(server, 1, 10)
        post(server, 2, 5000)
        assert [(r.path, len(r.body)) for r in server.requests] == [("/v1/nowhere/2", 5000)]


def test_uploads_kept_are_bounded_too() -> None:
    """Past max_upload_bytes the oldest upload is forgotten (404); the newest is served."""
    with LocalSogniServer(max_upload_bytes=3 * MIB) as server, server.client() as client:
        big = PNG + bytes(MIB - len(PNG))
        urls = [client.media.upload(big, kind="image") for _ in range(4)]
        assert requests.get(urls[-1], timeout=10).content == big
        assert requests.get(urls[0], timeout=10).status_code == 404


def test_a_body_over_128_mib_is_refused_unread() -> None:
    """A request announcing 200 MB is answered 413 without its body being read or kept."""
    with LocalSogniServer() as server:
        host, port = server.root_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(
                b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                b"Content-Length: 200000000\r\n\r\n{"
            )
            status = sock.recv(4096).split(b"\r\n", 1)[0]
        assert status == b"HTTP/1.1 413 Request Entity Too Large"
        assert server.requests == []


def test_the_413_arrives_whole_while_the_body_is_still_coming() -> None:
    """The 413 for an oversized body is a complete answer (status, headers and JSON body)."""
    with LocalSogniServer() as server:
        host, port = server.root_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(
                b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                b"Content-Length: 200000000\r\n\r\n" + b" " * MIB
            )
            answer = b""
            while piece := sock.recv(65536):
                answer += piece
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    assert len(body) == length
    assert json.loads(body)["error"]["message"] == "Request body over 134,217,728 bytes"


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "10"])
def test_bad_bounds_are_refused(value: object) -> None:
    """A bound that is not a whole number >= 1 is a ValueError naming it."""
    with pytest.raises(ValueError, match="max_recorded_requests must be"):
        LocalSogniServer(max_recorded_requests=value)  # type: ignore[arg-type]
