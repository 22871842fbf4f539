"""Vision inputs: paths, bytes and URLs become inline JPEG/PNG data URIs, within Sogni's limits."""

from __future__ import annotations

import base64
import copy
import io
import pathlib
import struct
import sys
import zlib
from typing import Any

import pytest
import responses

from sogni_compat import OpenAI
from sogni_compat.types.chat import ChatCompletionContentPartParam, ChatCompletionMessageParam

from ._helpers import CHAT_URL, completion, sent_json


def png(width: int, height: int, padding: int = 0) -> bytes:
    """A valid RGB PNG of the given size (plus ``padding`` junk bytes after IEND)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x10\x80\xf0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
        + b"\0" * padding
    )


def jpeg_header(width: int, height: int) -> bytes:
    """The start of a baseline JPEG: SOI, an APP0 segment, then SOF0 with the size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def with_image(image_url: Any, text: str = "What is this?") -> list[ChatCompletionMessageParam]:
    """One user message with a text part and an image part."""
    return [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": text},
                {"type": "image_url", "image_url": image_url},
            ],
        }
    ]


def sent_image(mock: responses.RequestsMock, call: int = -1) -> dict[str, Any]:
    """The image_url object of the last chat request."""
    chats = [c for c in mock.calls if c.request.url == CHAT_URL]
    image: dict[str, Any] = sent_json(chats[call])["messages"][0]["content"][1]["image_url"]
    return image


def decoded(url: str) -> tuple[str, bytes]:
    """(mime type, bytes) of a data URI."""
    head, _, payload = url.partition(",")
    return head.removeprefix("data:").removesuffix(";base64"), base64.b64decode(payload)


@pytest.fixture
def no_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make Pillow unimportable, as on a machine without it."""
    monkeypatch.setitem(sys.modules, "PIL", None)


def test_local_path_string_and_pathlib(
    client: OpenAI, mock: responses.RequestsMock, tmp_path: pathlib.Path
) -> None:
    """A Path, or a str with allow_local_files=True, is sent as a PNG data URI; detail is kept."""
    image = tmp_path / "cat.png"
    image.write_bytes(png(4, 3))
    mock.post(CHAT_URL, json=completion())
    client.with_options(allow_local_files=True).chat.completions.create(
        messages=with_image(str(image))
    )
    client.chat.completions.create(messages=with_image({"url": image, "detail": "low"}))
    first, second = sent_image(mock, 0), sent_image(mock, 1)
    assert decoded(first["url"]) == ("image/png", png(4, 3))
    assert second["detail"] == "low"
    assert decoded(second["url"])[1] == png(4, 3)


def test_raw_bytes_and_jpeg_detection(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Raw bytes are sniffed: a JPEG is sent as image/jpeg."""
    mock.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=with_image(jpeg_header(640, 480)))
    mime, data = decoded(sent_image(mock)["url"])
    assert mime == "image/jpeg"
    assert data == jpeg_header(640, 480)


def test_http_url_is_downloaded_without_the_key(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """An http(s) URL is fetched and inlined; the API key is not sent to the image host."""
    mock.get("https://images.test/cat.png", body=png(2, 2), content_type="image/png")
    mock.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=with_image({"url": "https://images.test/cat.png"}))
    download = mock.calls[0].request
    assert "Authorization" not in download.headers
    assert decoded(sent_image(mock)["url"]) == ("image/png", png(2, 2))


def test_data_uri_passes_through(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A data URI is sent unchanged, and the caller's messages are never modified."""
    uri = "data:image/png;base64," + base64.b64encode(png(1, 1)).decode()
    messages = with_image({"url": uri, "detail": "high"}) + with_image(png(1, 1))
    before = copy.deepcopy(messages)
    mock.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=messages)
    assert messages == before
    sent = sent_json(mock.calls[0])["messages"]
    assert sent[0]["content"][1]["image_url"] == {"url": uri, "detail": "high"}
    assert sent[1]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (b"GIF89a\x01\x00\x01\x00", "only JPEG and PNG"),
        (b"\x89PNG\r\n\x1a\nshort", "damaged"),
        (12345, "must be a file path, bytes, an http\\(s\\) URL or a data URI"),
        (pathlib.Path("/no/such/dir/cat.png"), "cannot read the image file '/no/such/dir/cat.png'"),
        ("/etc/hostname", "not an http\\(s\\) URL or a data URI. To send a local file pass a"),
    ],
)
def test_bad_images_are_refused_before_sending(
    client: OpenAI, mock: responses.RequestsMock, image: Any, message: str
) -> None:
    """Unsupported, damaged or missing images raise ValueError naming the part; nothing is sent."""
    with pytest.raises(ValueError, match=message) as caught:
        client.chat.completions.create(messages=with_image(image))
    assert "messages[0].content[1]" in str(caught.value)


def test_failed_download_is_a_value_error(client: OpenAI, mock: responses.RequestsMock) -> None:
    """An image URL that cannot be fetched names the URL."""
    mock.get("https://images.test/gone.png", status=404)
    with pytest.raises(ValueError, match=r"could not download the image https://images.test/gone"):
        client.chat.completions.create(messages=with_image("https://images.test/gone.png"))


def test_at_most_twenty_images(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A 21st image in one request is refused."""
    parts: list[ChatCompletionContentPartParam] = [
        {"type": "image_url", "image_url": png(1, 1)} for _ in range(21)
    ]
    with pytest.raises(ValueError, match="at most 20 images"):
        client.chat.completions.create(messages=[{"role": "user", "content": parts}])


def test_large_image_without_pillow(
    client: OpenAI, mock: responses.RequestsMock, no_pillow: None
) -> None:
    """Without Pillow, an image over 1024 px or 10 MB is a clear error suggesting Pillow."""
    with pytest.raises(ValueError, match=r"2000x10 px .*install Pillow"):
        client.chat.completions.create(messages=with_image(png(2000, 10)))
    with pytest.raises(ValueError, match=r"bytes \(at most 10 MB\).*install Pillow"):
        client.chat.completions.create(messages=with_image(png(2, 2, padding=11 * 1024 * 1024)))


@pytest.mark.optional
def test_large_images_are_downscaled_with_pillow(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """With Pillow, a 2000x1500 PNG and a 1600x3200 JPEG arrive at most 1024 px wide or high."""
    image_module = pytest.importorskip("PIL.Image")
    buffer = io.BytesIO()
    image_module.new("RGB", (1600, 3200), (200, 10, 10)).save(buffer, "JPEG")
    mock.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=with_image(png(2000, 1500)))
    client.chat.completions.create(messages=with_image(buffer.getvalue()))
    sizes = []
    for call in (0, 1):
        mime, data = decoded(sent_image(mock, call)["url"])
        with image_module.open(io.BytesIO(data)) as sent:
            sizes.append((mime, sent.size))
    assert sizes == [("image/png", (1024, 768)), ("image/jpeg", (512, 1024))]
