"""client.images against servers that list too much or serve bombs, and inputs too big to read."""

from __future__ import annotations

import base64
import io
import threading
from pathlib import Path
from typing import Any

import pytest

from sogni_compat import APIError
from sogni_compat.resources.media import MAX_MEDIA_BYTES
from sogni_compat.testing import LocalSogniServer

from ._helpers import PNG
from ._hostile import (
    Exchange,
    HostileServer,
    event_stream_head,
    gzip_bomb,
    head,
    json_response,
    response,
)

MIB = 1 << 20
#: A JPEG's first bytes: enough for the type to be recognised.
JPEG = b"\xff\xd8\xff\xe0" + bytes(64)


def ok(key: str, data: Any) -> bytes:
    """A ``{"status": "success", "data": {key: data}}`` answer."""
    return json_response(200, {"status": "success", "data": {key: data}})


class Workflows:
    """A server whose workflow finishes at once listing ``count`` artifacts it then serves.

    ``artifact(exchange, number)`` answers a download; every download is counted.
    """

    def __init__(self, count: int, artifact: Any = None) -> None:
        self.count = count
        self.artifact = artifact or (lambda exchange, number: exchange.send(response(200, PNG)))
        self.downloads: list[int] = []
        self.puts: list[Exchange] = []
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        """Answer one request."""
        path = exchange.path
        root = f"http://127.0.0.1:{exchange.sock.getsockname()[1]}"
        if path.startswith("/a/"):
            number = int(path[3:].split(".")[0])
            with self._lock:
                self.downloads.append(number)
            self.artifact(exchange, number)
        elif path.endswith("/uploadUrl"):
            exchange.send(ok("uploadUrl", f"{root}/put/{len(self.puts)}"))
        elif path.endswith("/downloadUrl"):
            exchange.send(ok("downloadUrl", f"{root}/uploaded.png"))
        elif path.startswith("/put/"):
            self.puts.append(exchange)
            exchange.send(response(200, b"", "text/plain"))
        elif path.endswith("/events/stream"):
            exchange.send(event_stream_head() + b'data: {"status": "completed"}\n\n')
            exchange.close()
        elif exchange.method == "POST":
            exchange.send(ok("workflow", {"workflowId": "wf7", "status": "running"}))
        else:
            artifacts = [{"url": f"{root}/a/{i}.png", "kind": "image"} for i in range(self.count)]
            workflow = {"workflowId": "wf7", "status": "completed", "artifacts": artifacts}
            exchange.send(ok("workflow", workflow))


def test_n_images_are_kept_however_many_artifacts_are_listed() -> None:
    """A workflow listing 30 artifacts gives n images, and only n are downloaded."""
    server_script = Workflows(30)
    with HostileServer(server_script) as server, server.client() as client:
        urls = client.images.generate(prompt="a fox")
        encoded = client.images.generate(prompt="a fox", n=2, response_format="b64_json")
    assert len(urls.data) == 1
    assert urls.data[0].url is not None
    assert urls.data[0].url.endswith("/a/0.png")
    assert [base64.b64decode(image.b64_json or "") for image in encoded.data] == [PNG, PNG]
    assert sorted(server_script.downloads) == [0, 1]


def test_the_downloads_of_one_call_share_max_response_bytes() -> None:
    """Four 1 MiB images under max_response_bytes of 3 MiB: an APIError naming the fourth."""
    big = PNG + bytes(MIB - len(PNG))

    def artifact(exchange: Exchange, number: int) -> None:
        exchange.send(response(200, big, "image/png"))

    server_script = Workflows(4, artifact)
    with HostileServer(server_script) as server, server.client(max_response_bytes=3 * MIB) as c:
        with pytest.raises(APIError, match="image 3 of workflow wf7") as caught:
            c.images.generate(prompt="a fox", n=4, response_format="b64_json")
        three = c.images.generate(prompt="a fox", n=3, response_format="b64_json")
    assert "max_response_bytes=3,145,728" in str(caught.value)
    assert len(three.data) == 3


def test_a_gzip_bomb_artifact_is_an_api_error_naming_it() -> None:
    """An artifact inflating to 64 MiB stops at the bound as an APIError naming the image."""
    bomb = gzip_bomb(64 * MIB)

    def artifact(exchange: Exchange, number: int) -> None:
        fields = {
            "Content-Type": "image/png",
            "Content-Encoding": "gzip",
            "Content-Length": str(len(bomb)),
        }
        exchange.send(head(200, fields) + bomb)

    refused = pytest.raises(APIError, match=r"image 0 of workflow wf7: .*/a/0\.png")
    with (
        HostileServer(Workflows(1, artifact)) as server,
        server.client() as client,
        refused as caught,
    ):
        client.images.generate(prompt="a fox", response_format="b64_json")
    assert not isinstance(caught.value, ValueError)
    assert "larger than max_response_bytes=33,554,432" in str(caught.value)


class CountingFile(io.RawIOBase):
    """A binary file of ``size`` zeros that counts the bytes read from it."""

    def __init__(self, size: int, start: bytes = b"") -> None:
        self.size = size
        self.start = start
        self.given = 0

    def readable(self) -> bool:
        """It is."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Zeros (after ``start``), counted."""
        count = min(len(buffer), self.size - self.given)
        head = self.start[self.given : self.given + count]
        buffer[:count] = head + bytes(count - len(head))
        self.given += count
        return count


@pytest.fixture
def server() -> Any:
    """A fresh emulator per test."""
    with LocalSogniServer(workflow_seconds=0.1) as running:
        yield running


def test_a_big_file_object_is_read_no_further_than_the_limit(server: LocalSogniServer) -> None:
    """A 300 MB file object is read at most to 100 MB + 1 byte, then refused; nothing sent."""
    file = CountingFile(300 * 1000 * 1000, PNG)
    refused = pytest.raises(ValueError, match=r"^image: the file is over 104,857,600")
    with server.client() as client, refused:
        client.images.edit(image=io.BufferedReader(file), prompt="add a hat")
    assert file.given <= MAX_MEDIA_BYTES + 1 + io.DEFAULT_BUFFER_SIZE
    assert server.requests == []


def test_a_big_file_on_disk_is_refused_before_reading(
    server: LocalSogniServer, tmp_path: Path
) -> None:
    """A 150 MB file opened 'rb' is refused from its size, nothing read, nothing sent."""
    path = tmp_path / "big.png"
    with path.open("wb") as handle:
        handle.write(PNG)
        handle.truncate(150 * 1000 * 1000)  # sparse: no disk space used
    with path.open("rb") as handle, server.client() as client:
        with pytest.raises(ValueError, match=r"^image: .*104,857,600"):
            client.images.edit(image=handle, prompt="add a hat")
        assert handle.tell() == 0
    with server.client() as client, pytest.raises(ValueError, match=r"^image: .*104,857,600"):
        client.images.edit(image=path, prompt="add a hat")
    assert server.requests == []


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        (bytes(150 * 1000 * 1000), "^mask: .*104,857,600"),
        (bytes(1000), "^mask: content type None is not one"),
        (("mask.txt", b"plain words", "text/plain"), "^mask: content type 'text/plain'"),
        (b"RIFF\0\0\0\0WAVEfmt ", "^mask: kind='image' does not match"),
    ],
)
def test_a_mask_is_checked_like_the_image(
    server: LocalSogniServer, mask: Any, message: str
) -> None:
    """A mask too big, of no image type, or audio is a ValueError naming mask; nothing sent."""
    with server.client() as client, pytest.raises(ValueError, match=message):
        client.images.edit(image=PNG, mask=mask, prompt="add a hat")
    assert server.requests == []


def test_an_image_that_is_not_one_is_refused(server: LocalSogniServer) -> None:
    """Bytes of no image type are refused as the image, before anything is sent."""
    with server.client() as client, pytest.raises(ValueError, match=r"^image: content type"):
        client.images.edit(image=b"not an image at all", prompt="add a hat")
    with server.client() as client, pytest.raises(TypeError, match=r"^image: file must be"):
        client.images.edit(image=12, prompt="add a hat")  # type: ignore[arg-type]
    assert server.requests == []


def test_the_mask_goes_with_its_own_type() -> None:
    """A JPEG mask (or one given as openai's tuple) is uploaded as image/jpeg, not image/png."""
    server_script = Workflows(1)
    with HostileServer(server_script) as server, server.client() as client:
        client.images.edit(image=PNG, mask=("mask.jpg", JPEG, "image/jpeg"), prompt="a hat")
        client.images.edit(image=("photo.jpg", io.BytesIO(JPEG)), mask=PNG, prompt="a hat")
    types = [put.headers["content-type"] for put in server_script.puts]
    assert types == ["image/png", "image/jpeg", "image/jpeg", "image/png"]
    assert [put.body for put in server_script.puts] == [PNG, JPEG, JPEG, PNG]
