"""``client.media.upload(...)``: put a local file on Sogni, get an https URL for its tools.

Workflows, durable runs and ``media_references`` take media only as http(s) URLs; this uploads
bytes or a file through Sogni's upload-URL routes (the presigned ``PUT`` carries no key) and
returns the download URL. The type and size are checked before anything is sent.
"""

from __future__ import annotations

import os
import stat
import time
from typing import Any, Literal

from .._media import sniff_content_type
from .._options import check_seconds
from .._tools.upload import upload_media
from .._vision import read_at_most
from ._base import Resource

__all__ = ["MAX_MEDIA_BYTES", "Media", "kind_and_bytes", "refuse_path_string"]

#: Largest upload (Sogni's presigned uploads take 100 MB).
MAX_MEDIA_BYTES = 100 * 1024 * 1024
MediaKindName = Literal["image", "video", "audio"]
#: Content types Sogni's upload routes accept, per kind.
ALLOWED = {
    "image": ("image/png", "image/jpeg", "image/webp", "image/gif"),
    "video": ("video/mp4", "video/webm", "video/quicktime"),
    "audio": ("audio/mpeg", "audio/wav", "audio/x-wav", "audio/ogg", "audio/mp4", "audio/flac"),
}


def refuse_path_string(source: object, where: str, allow_local_files: bool) -> None:
    """Refuse a local path given as a plain string, unless ``allow_local_files``.

    As on the chat path: strings may come from end users, so only a ``pathlib.Path`` (or an
    open file, or bytes) names a local file, unless the client was made to trust strings.
    """
    if isinstance(source, str) and not allow_local_files:
        shown = source if len(source) <= 80 else source[:77] + "..."
        raise ValueError(
            f"{where} is the string {shown!r}, which is not opened as a local path (strings "
            "may come from your users). To send a local file pass a pathlib.Path, an open "
            "binary file or bytes, or create the client with allow_local_files=True"
        )


class Media(Resource):
    """``client.media.upload(file, kind=...)``."""

    _path = "media"

    def upload(
        self,
        file: Any,
        *,
        kind: MediaKindName | None = None,
        content_type: str | None = None,
        timeout: float | None = None,
    ) -> str:
        """Upload ``file`` (bytes, a ``pathlib.Path``, or a binary file); returns its https URL.

        A path given as a plain string is read only by a client made with
        ``allow_local_files=True``. ``kind`` (``image``, ``video``, ``audio``) and
        ``content_type`` are read from the bytes (or the file name) when not given; a type
        Sogni does not take, a file over 100 MB or a kind that does not match the type is a
        ``ValueError`` before anything is sent. ``timeout`` bounds the whole upload in seconds
        (default: the client's connect + read timeout).
        """
        client = self._client
        refuse_path_string(file, "file", client.allow_local_files)
        if kind is not None and not isinstance(kind, str):
            raise TypeError(f"kind must be 'image', 'video' or 'audio'; got {type(kind).__name__}")
        if kind is not None and kind not in ALLOWED:
            raise ValueError(f"kind must be 'image', 'video' or 'audio'; got {kind!r}")
        if content_type is not None and not isinstance(content_type, str):
            raise TypeError(f"content_type must be a string; got {type(content_type).__name__}")
        seconds = None if timeout is None else check_seconds(timeout)
        chosen, data, found = kind_and_bytes(file, kind, content_type)
        connect, read = client.timeout
        budget = seconds if seconds is not None else connect + read
        return upload_media(
            client,
            chosen,
            data,
            found,
            deadline=time.monotonic() + budget,
            timeout=client.timeout,
        )


def kind_and_bytes(
    file: Any, kind: MediaKindName | None = None, content_type: str | None = None
) -> tuple[MediaKindName, bytes, str]:
    """``(kind, bytes, content type)`` of an upload, checked as :meth:`Media.upload` says."""
    name: str | None = None
    if isinstance(file, bytes | bytearray | memoryview):
        data = bytes(file)
    elif isinstance(file, str | os.PathLike):
        name = os.fspath(file)
        info = os.stat(name)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{name} is not a regular file")
        if info.st_size > MAX_MEDIA_BYTES:
            raise ValueError(
                f"{name} is {info.st_size:,} bytes; uploads take at most {MAX_MEDIA_BYTES:,}"
            )
        data = _whole(name)
    elif callable(getattr(file, "read", None)):
        left = _left_in(file)
        if left is not None and left > MAX_MEDIA_BYTES:  # refused before reading any of it
            raise ValueError(
                f"the file has {left:,} bytes left to read; uploads take at most "
                f"{MAX_MEDIA_BYTES:,}"
            )
        try:
            data = read_at_most(file, MAX_MEDIA_BYTES, left)
        except UnicodeDecodeError:
            raise TypeError("file must be opened in binary mode ('rb')") from None
        given = getattr(file, "name", None)
        name = given if isinstance(given, str) else None
    else:
        raise TypeError(f"file must be bytes, a path or a binary file; got {type(file).__name__}")
    if not data:
        raise ValueError("the file is empty")
    if len(data) > MAX_MEDIA_BYTES:
        raise ValueError(f"the file is over {MAX_MEDIA_BYTES:,} bytes, Sogni's upload limit")
    found = content_type or sniff_content_type(data, name)
    kinds = [k for k, types in ALLOWED.items() if found in types]
    if not kinds:
        raise ValueError(
            f"content type {found!r} is not one Sogni's uploads take "
            f"({', '.join(t for types in ALLOWED.values() for t in types)}); pass "
            "content_type= if the file was not recognised"
        )
    if kind is not None and kind not in kinds:
        raise ValueError(f"kind={kind!r} does not match the file's type {found!r}")
    chosen: MediaKindName = kind or kinds[0]  # type: ignore[assignment]
    assert found is not None
    return chosen, data, found


def _left_in(file: Any) -> int | None:
    """Bytes left in a file object that is a regular file on disk, or ``None`` if unknown."""
    try:
        info = os.fstat(file.fileno())
        position = file.tell()
    except (AttributeError, OSError, ValueError, TypeError):  # io.UnsupportedOperation too
        return None
    if not stat.S_ISREG(info.st_mode) or not isinstance(position, int):
        return None
    return info.st_size - position


def _whole(path: str) -> bytes:
    with open(path, "rb") as handle:
        data = read_at_most(handle, MAX_MEDIA_BYTES, _left_in(handle))
    if len(data) > MAX_MEDIA_BYTES:
        raise ValueError(f"{path} grew over {MAX_MEDIA_BYTES:,} bytes while being read")
    return data
