"""Images the way people have them, made into what Sogni accepts: inline JPEG/PNG data URIs.

An ``image_url`` part may hold a local path (``str`` or ``pathlib.Path``), raw ``bytes``, an
``http(s)`` URL (downloaded here) or a data URI (passed through unchanged), either directly or
as ``{"url": ..., "detail": ...}``. Images must be JPEG or PNG (detected from the bytes), at
most 10 MB each and 20 per request, with the longest side at most 1024 px; larger images are
downscaled when Pillow is installed. Every violation is a ``ValueError`` raised before sending.
"""

from __future__ import annotations

import base64
import io
import os
import struct
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["MAX_IMAGES", "MAX_IMAGE_BYTES", "MAX_SIDE", "inline_images"]

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGES = 20
MAX_SIDE = 1024
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


def inline_images(messages: Sequence[Any], fetch: Callable[[str], bytes]) -> list[Any] | None:
    """The messages with every image part inlined, or ``None`` when nothing had to change.

    The caller's messages are never modified; changed ones are copied.
    """
    count = 0
    changed = False
    out: list[Any] = []
    for i, message in enumerate(messages):
        content = message.get("content") if isinstance(message, Mapping) else None
        if not isinstance(content, list):
            out.append(message)
            continue
        parts: list[Any] = []
        touched = False
        for j, part in enumerate(content):
            if isinstance(part, Mapping) and part.get("type") == "image_url":
                count += 1
                if count > MAX_IMAGES:
                    raise ValueError(
                        f"at most {MAX_IMAGES} images per request; messages[{i}].content[{j}] "
                        f"is image number {count}"
                    )
                new = _inline_part(part, f"messages[{i}].content[{j}]", fetch)
                touched = touched or new is not part
                parts.append(new)
            else:
                parts.append(part)
        if touched:
            changed = True
            out.append({**message, "content": parts})
        else:
            out.append(message)
    return out if changed else None


def _inline_part(part: Mapping[str, Any], where: str, fetch: Callable[[str], bytes]) -> Any:
    image = part.get("image_url")
    extra: dict[str, Any] = {}
    if isinstance(image, Mapping):
        extra = {k: v for k, v in image.items() if k != "url"}
        source = image.get("url")
    else:
        source = image
    if isinstance(source, str) and source[:5].lower() == "data:":
        if isinstance(image, Mapping):
            return part
        return {**part, "image_url": {"url": source}}
    data = _load(source, where, fetch)
    return {**part, "image_url": {"url": _data_uri(data, where), **extra}}


def _load(source: object, where: str, fetch: Callable[[str], bytes]) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str) and source[:8].lower().startswith(("http://", "https://")):
        return fetch(source)
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        try:
            size = os.path.getsize(path)
            if size > MAX_IMAGE_BYTES * 4:  # even Pillow will not bring this under the limit
                raise ValueError(f"{where}: {path} is {size:,} bytes; images are at most 10 MB")
            with open(path, "rb") as file:
                return file.read()
        except OSError as exc:
            raise ValueError(f"{where}: cannot read the image file {path!r}: {exc}") from exc
    raise ValueError(
        f"{where}.image_url must be a file path, bytes, an http(s) URL or a data URI; "
        f"got {type(source).__name__}"
    )


def _kind(data: bytes) -> str | None:
    if data.startswith(_PNG):
        return "png"
    if data.startswith(_JPEG):
        return "jpeg"
    return None


def _dimensions(data: bytes, kind: str) -> tuple[int, int] | None:
    """Width and height read from the header, without decoding the image."""
    if kind == "png":
        if len(data) >= 24 and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        return None
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def _data_uri(data: bytes, where: str) -> str:
    kind = _kind(data)
    if kind is None:
        raise ValueError(f"{where}: only JPEG and PNG images are accepted; these bytes are neither")
    size = _dimensions(data, kind)
    if size is None:
        raise ValueError(f"{where}: the {kind.upper()} image is damaged (no size in its header)")
    if max(size) > MAX_SIDE or len(data) > MAX_IMAGE_BYTES:
        data = _downscale(data, kind, size, where)
    return f"data:image/{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _downscale(data: bytes, kind: str, size: tuple[int, int], where: str) -> bytes:
    try:
        from PIL import Image  # noqa: PLC0415 - optional
    except ImportError:
        problem = (
            f"is {size[0]}x{size[1]} px (longest side at most {MAX_SIDE})"
            if max(size) > MAX_SIDE
            else f"is {len(data):,} bytes (at most 10 MB)"
        )
        raise ValueError(
            f"{where}: the image {problem}; install Pillow to have it downscaled "
            "automatically, or resize it yourself"
        ) from None
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        out = io.BytesIO()
        if kind == "png":
            image.save(out, "PNG", optimize=True)
        else:
            image.convert("RGB").save(out, "JPEG", quality=90)
    result = out.getvalue()
    if len(result) > MAX_IMAGE_BYTES:
        raise ValueError(f"{where}: the image is still over 10 MB after downscaling")
    return result
