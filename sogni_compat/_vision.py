"""Images the way people have them, made into what Sogni accepts: inline JPEG/PNG data URIs.

An ``image_url`` part may hold a local file (a ``pathlib.Path``; a plain string only with the
client's ``allow_local_files=True``, since message text may come from end users), raw
``bytes``, an ``http(s)`` URL (downloaded here) or a data URI (passed through unchanged),
either directly or as ``{"url": ..., "detail": ...}``. Images must be JPEG or PNG (detected
from the bytes), at most 10 MB each and 20 per request, with the longest side at most 1024 px;
larger images are downscaled when Pillow is installed. Every violation is a ``ValueError``
raised before sending.

Sources are bounded: a local file must be a regular file (not a device or a pipe) of at most
40 MB. A download must be ``https://`` (plain ``http://`` only to this machine), follows at
most 3 redirects (each checked again, never from https to http), reads at most 40 MB and ends
within the client's connect + read timeout in all. Addresses that are not public (loopback,
private, link-local) are refused unless the client's ``base_url`` is itself such an address
(a local emulator or gateway): a service forwarding its users' messages must not fetch its
own network for them. Names are checked after resolution, and again (through the client's
own adapter) on the address each connection reached, before anything is sent on it. The same
rules hold for the presigned upload URLs Sogni names (:func:`check_upload_url`).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import ipaddress
import os
import socket
import stat
import struct
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import requests
import urllib3.util

from ._errors import TRANSPORT_ERRORS, OpenAIError, translate_error
from ._transport import (
    DEADLINE,
    PEER_CHECK,
    BodyTooLargeError,
    PeerRefusedError,
    is_loopback,
    read_body,
    transport_settings,
)

if TYPE_CHECKING:
    from ._requester import Requester

__all__ = [
    "MAX_IMAGES",
    "MAX_IMAGE_BYTES",
    "MAX_SIDE",
    "ImageTooLargeError",
    "check_upload_url",
    "connections_checked",
    "download_image",
    "inline_images",
]

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGES = 20
MAX_SIDE = 1024
#: Largest source read (a file or a download): even Pillow will not bring more under 10 MB.
MAX_SOURCE_BYTES = 4 * MAX_IMAGE_BYTES
#: Redirects an image download follows.
MAX_IMAGE_REDIRECTS = 3
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


class ImageTooLargeError(ValueError):
    """A download passed its size limit (``limit`` bytes, counted after decompression)."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


def inline_images(
    messages: Sequence[Any], fetch: Callable[[str, str], bytes], *, allow_local_files: bool
) -> list[Any] | None:
    """The messages with every image part inlined, or ``None`` when nothing had to change.

    The caller's messages are never modified; changed ones are copied. ``fetch(url, where)``
    downloads a URL.
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
                new = _inline_part(part, f"messages[{i}].content[{j}]", fetch, allow_local_files)
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


def _inline_part(
    part: Mapping[str, Any],
    where: str,
    fetch: Callable[[str, str], bytes],
    allow_local_files: bool,
) -> Any:
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
    data = _load(source, where, fetch, allow_local_files)
    return {**part, "image_url": {"url": _data_uri(data, where), **extra}}


def _load(
    source: object, where: str, fetch: Callable[[str, str], bytes], allow_local_files: bool
) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str) and source[:8].lower().startswith(("http://", "https://")):
        return fetch(source, where)
    if isinstance(source, str) and "://" in source[:16]:
        raise ValueError(
            f"{where}: image URLs must be https:// (plain http:// only to this machine); "
            f"got {source[:80]!r}"
        )
    if isinstance(source, str) and not allow_local_files:
        shown = source if len(source) <= 80 else source[:77] + "..."
        raise ValueError(
            f"{where}.image_url is {shown!r}, which is not an http(s) URL or a data URI. To "
            "send a local file pass a pathlib.Path (or create the client with "
            "allow_local_files=True; strings are not opened as paths by default, because "
            "message text may come from your users)"
        )
    if isinstance(source, str | os.PathLike):
        return _read_file(os.fspath(source), where)
    raise ValueError(
        f"{where}.image_url must be a file path, bytes, an http(s) URL or a data URI; "
        f"got {type(source).__name__}"
    )


def _read_file(path: str | bytes, where: str) -> bytes:
    """A regular file's bytes, at most :data:`MAX_SOURCE_BYTES`; never blocks on a pipe."""
    shown = os.fsdecode(path)
    # O_NONBLOCK: opening a FIFO does not wait for a writer (it is then refused below).
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ValueError(f"{where}: cannot read the image file {shown!r}: {exc}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(
                f"{where}: {shown!r} is not a regular file (a device, pipe or directory)"
            )
        if info.st_size > MAX_SOURCE_BYTES:
            raise ValueError(
                f"{where}: {shown} is {info.st_size:,} bytes; images are at most 10 MB"
            )
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as file:
        try:
            data = file.read(MAX_SOURCE_BYTES + 1)
        except OSError as exc:
            raise ValueError(f"{where}: cannot read the image file {shown!r}: {exc}") from exc
    if len(data) > MAX_SOURCE_BYTES:  # it grew while being read
        raise ValueError(f"{where}: {shown} is over {MAX_SOURCE_BYTES:,} bytes")
    return data


# -- downloads -------------------------------------------------------------------------------


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return ip.is_global and not ip.is_multicast


def _addresses(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (itself for a literal); empty when it does not."""
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [host]
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []  # the download cannot connect either; the error will say so
    return [str(info[4][0]) for info in found]


def _private_network_allowed(client: Requester) -> bool:
    """Whether the client's base URL is itself on a loopback or private address."""
    parts = urllib3.util.parse_url(client.base_url)
    host = parts.host or ""
    if is_loopback(host):
        return True
    return any(not _public(a) for a in _addresses(host, parts.port or 443))


def _check_url(url: str, where: str, private_ok: bool, what: str = "image") -> None:
    """Refuse (``ValueError``) a URL the rules of this module do not allow ``what`` to use."""
    try:
        parts = urllib3.util.parse_url(url)
    except urllib3.exceptions.LocationParseError as exc:
        raise ValueError(f"{where}: {url!r} is not a valid URL") from exc
    host = parts.host or ""
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(host)):
        raise ValueError(
            f"{where}: {what} URLs must be https:// (plain http:// only to this machine); "
            f"got {url!r}"
        )
    if "\\" in url or parts.auth or not host:
        use = "an image can be downloaded from" if what == "image" else f"an {what} can go to"
        raise ValueError(f"{where}: {url!r} is not a URL {use}")
    if not private_ok:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if any(not _public(a) for a in _addresses(host, port)):
            raise ValueError(_private_refusal(where, url, what))


def _private_refusal(where: str, url: str, what: str = "image") -> str:
    advice = (
        "download the image yourself and pass its bytes" if what == "image" else "nothing was sent"
    )
    return (
        f"{where}: the {what} URL {url!r} points at a loopback, private or link-local address, "
        f"which is refused while base_url is a public address; {advice}"
    )


def check_upload_url(client: Requester, url: str, where: str) -> None:
    """Refuse (``ValueError``) a presigned upload URL the download rules would refuse.

    https only (plain http only to this machine), and no loopback, private or link-local
    address after resolution unless the client's ``base_url`` is itself such an address.
    """
    _check_url(url, where, _private_network_allowed(client), "upload")


@contextlib.contextmanager
def connections_checked(
    client: Requester, url: str, where: str, what: str = "upload"
) -> Iterator[None]:
    """Within the block, a new connection for ``url`` reaching a non-public address is refused.

    The check is made on the address connected to, before anything is sent, by the client's
    own adapter (:data:`~sogni_compat._transport.PEER_CHECK`); it is skipped when
    ``base_url`` is itself not public, or when a proxy carries the request (the connection
    then reaches the proxy).
    """
    session = client._session
    proxies = transport_settings(session, url)["proxies"]
    if _private_network_allowed(client) or requests.utils.select_proxy(url, proxies):
        yield
        return

    def check(peer: str) -> None:
        if not _public(peer):
            raise PeerRefusedError(_private_refusal(where, url, what))

    token = PEER_CHECK.set(check)
    try:
        yield
    finally:
        PEER_CHECK.reset(token)


def download_image(
    client: Requester, url: str, where: str, *, limit: int = MAX_SOURCE_BYTES
) -> bytes:
    """Download an image for ``where`` under the rules of this module (never with the key).

    At most ``limit`` bytes (after decompression) are read: beyond,
    :class:`ImageTooLargeError`; any other failure is a ``ValueError`` naming ``where``.
    """
    connect, read = client.timeout
    deadline = time.monotonic() + connect + read
    session = client._session
    private_ok = _private_network_allowed(client)
    for _ in range(MAX_IMAGE_REDIRECTS + 1):
        _check_url(url, where, private_ok)
        settings = transport_settings(session, url)
        # Built and sent without the session: no session cookies, auth or headers go along,
        # and the image host's cookies never enter the session's jar.
        prepared = requests.Request(
            "GET", url, headers={"Accept": "image/png, image/jpeg, */*"}
        ).prepare()
        direct = requests.utils.select_proxy(url, settings["proxies"]) is None
        check = functools.partial(_refuse_private, where, url)
        guard = PEER_CHECK.set(check if direct and not private_ok else None)
        token = DEADLINE.set(deadline)
        try:
            response = session.get_adapter(url).send(
                prepared,
                stream=True,
                timeout=client.timeout,
                verify=settings["verify"],
                cert=settings["cert"],
                proxies=settings["proxies"],
            )
            try:
                if direct and not private_ok:  # a connection that came from the pool
                    peer = _peer(response)
                    if peer is not None and not _public(peer):
                        raise ValueError(_private_refusal(where, url))
                if response.is_redirect:
                    target = urljoin(url, response.headers["location"])
                    if url.lower().startswith("https:") and not target.lower().startswith("https:"):
                        raise ValueError(
                            f"{where}: the image URL {url!r} redirects to plain http, refused"
                        )
                    url = target
                    continue
                if response.status_code >= 400:
                    raise ValueError(
                        f"{where}: could not download the image {url}: HTTP "
                        f"{response.status_code} {response.reason or ''}".rstrip()
                    )
                read_body(response, deadline, limit)
                return response.content
            finally:
                response.close()
        except BodyTooLargeError:
            size = "far over 10 MB" if limit == MAX_SOURCE_BYTES else f"over {limit:,} bytes"
            raise ImageTooLargeError(f"{where}: the image {url} is {size}", limit) from None
        except (OpenAIError, *TRANSPORT_ERRORS) as exc:
            error = translate_error(exc, prepared) if not isinstance(exc, OpenAIError) else exc
            raise ValueError(f"{where}: could not download the image {url}: {error}") from exc
        finally:
            DEADLINE.reset(token)
            PEER_CHECK.reset(guard)
    raise ValueError(f"{where}: the image URL redirects more than {MAX_IMAGE_REDIRECTS} times")


def _refuse_private(where: str, url: str, peer: str) -> None:
    """A :data:`~sogni_compat._transport.PEER_CHECK` for image downloads."""
    if not _public(peer):
        raise PeerRefusedError(_private_refusal(where, url))


def _peer(response: requests.Response) -> str | None:
    """The address the response came from, when the connection is at hand."""
    sock = getattr(getattr(response.raw, "_connection", None), "sock", None)
    try:
        return str(sock.getpeername()[0]) if sock is not None else None
    except OSError:
        return None


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
