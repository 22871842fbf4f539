"""client.media.upload: local files become https URLs Sogni's tools can use."""

from __future__ import annotations

import io
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sogni_compat import OpenAI
from sogni_compat.testing import LocalSogniServer

from ._helpers import PNG

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """A fresh emulator per test."""
    with LocalSogniServer(workflow_seconds=0.1) as running:
        yield running


@pytest.fixture
def client(server: LocalSogniServer) -> Iterator[OpenAI]:
    """A client of the emulator."""
    with server.client() as c:
        yield c


def test_bytes_are_uploaded_without_the_key(server: LocalSogniServer, client: OpenAI) -> None:
    """Bytes go up by a presigned PUT without Authorization; the URL serves them back."""
    url = client.media.upload(PNG)
    assert url.startswith(server.root_url + "/media/uploads/image/")
    assert requests.get(url, timeout=10).content == PNG
    (put,) = [r for r in server.requests if r.method == "PUT"]
    assert "Authorization" not in put.headers
    assert put.headers["Content-Type"] == "image/png"
    ask = next(r for r in server.requests if "uploadUrl" in r.path)
    assert "type=referenceImage" in ask.path


def test_a_video_file_by_path(server: LocalSogniServer, client: OpenAI, tmp_path: Path) -> None:
    """A path is read; the kind comes from the bytes (an mp4 goes to the media route)."""
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(MP4)
    url = client.media.upload(clip)
    assert "/media/uploads/media/" in url
    (put,) = [r for r in server.requests if r.method == "PUT"]
    assert put.headers["Content-Type"] == "video/mp4"
    with clip.open("rb") as handle:
        assert client.media.upload(handle, kind="video").startswith(server.root_url)


@pytest.mark.parametrize(
    ("file", "kwargs", "refusal"),
    [
        (b"plain text", {}, (ValueError, "not one Sogni's uploads take")),
        (PNG, {"kind": "video"}, (ValueError, "does not match")),
        (b"", {}, (ValueError, "empty")),
        (Path("no-such-file.png"), {}, (FileNotFoundError, "no-such-file")),
        ("no-such-file.png", {}, (ValueError, "allow_local_files=True")),
        (3, {}, (TypeError, "bytes, a path or a binary file")),
    ],
)
def test_refused_before_sending(
    server: LocalSogniServer,
    client: OpenAI,
    file: Any,
    kwargs: dict[str, Any],
    refusal: tuple[type[Exception], str],
) -> None:
    """A type Sogni does not take, a wrong kind, an empty or unreadable file: nothing is sent."""
    error, message = refusal
    with pytest.raises(error, match=message):
        client.media.upload(file, **kwargs)
    assert server.requests == []


def test_uploaded_url_feeds_a_workflow(server: LocalSogniServer, client: OpenAI) -> None:
    """The URL works as a media_reference: the step's -1 resolves to it."""
    url = client.media.upload(PNG)
    answer = client.chat.completions.create(
        messages=[
            {
                "role": "user",
                "content": 'call edit_image({"prompt": "a hat", "sourceImageIndex": -1})',
            }
        ],
        sogni_tools=True,
        auto_execute_tools=True,
        media_references=[{"kind": "image", "url": url}],
    )
    result = answer.tool_history[0].tool_results[0]
    assert result.success is True, result.error
    (start,) = [r.json for r in server.requests if r.path == "/v1/creative-agent/workflows"]
    assert start["media_references"] == [{"kind": "image", "url": url}]


@pytest.mark.parametrize("source", ["pipe", "file object", "path"])
def test_a_small_file_costs_its_size_not_the_limit(
    source: str, client: OpenAI, tmp_path: Path
) -> None:
    """A 70-byte image from a pipe, a file object or a Path is read without 100 MiB set aside."""
    stored = tmp_path / "small.png"
    stored.write_bytes(PNG)

    def upload() -> str:
        if source == "path":
            return client.media.upload(stored)
        if source == "file object":
            with stored.open("rb") as file:
                return client.media.upload(file)
        read_end, write_end = os.pipe()
        os.write(write_end, PNG)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            return client.media.upload(pipe)

    upload()  # the first call builds what every later one reuses
    tracemalloc.start()
    try:
        url = upload()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert requests.get(url, timeout=10).content == PNG
    assert peak < 8 * 1024 * 1024, f"{peak:,} bytes at the peak for a {len(PNG)}-byte image"


class _Trickle(io.RawIOBase):
    """A file object that gives one byte a read, as a pipe fed in tiny writes may."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._at = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        piece = bytes(self._data[self._at : self._at + 1])
        self._at += len(piece)
        return piece


def test_a_file_giving_one_byte_a_read_costs_about_its_size(client: OpenAI) -> None:
    """512 KiB given a byte at a time is gathered in one buffer, not half a million objects."""
    data = PNG + b"\0" * (512 * 1024 - len(PNG))
    client.media.upload(PNG)  # the first call builds what every later one reuses
    tracemalloc.start()
    try:
        url = client.media.upload(_Trickle(data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert requests.get(url, timeout=10).content == data
    assert peak < 4 * len(data), f"{peak:,} bytes at the peak for {len(data):,}"
