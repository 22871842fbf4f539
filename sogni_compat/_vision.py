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
rules hold for the presigned upload URLs Sogni names (:func:`check_upload_url`) and for the
media files the command line saves. Every request to a host a server named (a download, a
presigned upload) goes out one way, :func:`outside_request`: without the key and without
anything of the client's session.
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

from ._errors import APITimeoutError, OpenAIError, translate_transport_errors
from ._transport import (
    DEADLINE,
    PEER_CHECK,
    BodyTooLargeError,
    PeerRefusedError,
    byte_chunks,
    is_loopback,
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
    "download",
    "download_image",
    "inline_images",
    "outside_request",
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


#: How much :func:`read_at_most` asks a file for at a time.
_READ_PIECE = 1024 * 1024


def read_at_most(file: Any, limit: int, size: int | None = None) -> bytes:
    """At most ``limit + 1`` bytes of ``file`` (so that more than ``limit`` shows).

    Memory follows what the file holds, not the limit (one ``read(limit + 1)`` sets that much
    aside however little the file holds): a file whose ``size`` is known (a regular file) is
    read in one piece of that size; otherwise by 1 MiB, gathered in one buffer (at most about
    twice the file's size at the end, however small the pieces the file gives). A file that
    gives something other than bytes (opened in text mode) is a ``TypeError``.
    """
    want = _READ_PIECE if size is None else min(max(size, 0), limit) + 1
    first = b""
    gathered: bytearray | None = None
    total = 0
    while total <= limit:
        piece = file.read(min(want, limit + 1 - total))
        if not isinstance(piece, bytes):
            raise TypeError("file must be opened in binary mode ('rb')")
        if not piece:
            break
        total += len(piece)
        if not first:
            first = piece
        else:
            if gathered is None:
                gathered = bytearray(first)
            gathered += piece
        want = _READ_PIECE
    return first if gathered is None else bytes(gathered)


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
            data = read_at_most(file, MAX_SOURCE_BYTES, info.st_size)
        except OSError as exc:
            raise ValueError(f"{where}: cannot read the image file {shown!r}: {exc}") from exc
    if len(data) > MAX_SOURCE_BYTES:  # it grew while being read
        raise ValueError(f"{where}: {shown} is over {MAX_SOURCE_BYTES:,} bytes")
    return data


# -- requests to hosts a server named ---------------------------------------------------------


#: IPv6 prefixes whose addresses carry an IPv4 address in their last 32 bits: NAT64's
#: well-known prefix (RFC 6052) and its local-use one (RFC 8215, never public itself).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


def _public(address: str) -> bool:
    """Whether ``address`` is a public unicast address.

    An IPv6 address that embeds an IPv4 one (``::ffff:a.b.c.d``, ``::a.b.c.d``, the
    IPv4-translated ``::ffff:0:a.b.c.d``, 6to4 ``2002::/16``, NAT64 ``64:ff9b::/96``, an
    ISATAP interface id ``…:0:5efe:a.b.c.d``) is judged by the IPv4 address it leads to;
    site-local ``fec0::/10`` is not public.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64 or ip.is_site_local:
            return False
        value = int(ip)
        low = ipaddress.IPv4Address(value & 0xFFFFFFFF)
        if (value >> 32) & 0xFDFFFFFF == 0x5EFE:  # ISATAP (u/l bit either way): both count
            return ip.is_global and low.is_global and not low.is_multicast
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and (
            ip in _NAT64
            or (value >> 32 == 0 and value > 1)  # IPv4-compatible
            or value >> 32 == 0xFFFF0000  # IPv4-translated
        ):
            embedded = low
        if embedded is not None:
            return embedded.is_global and not embedded.is_multicast
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


#: What a URL of each use is called in refusals, and the advice they end with.
_USES = {
    "image": ("an image can be downloaded from", "download the image yourself and pass its bytes"),
    "upload": ("an upload can go to", "nothing was sent"),
    "media": ("media can be downloaded from", "nothing was downloaded"),
}


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
        raise ValueError(f"{where}: {url!r} is not a URL {_USES[what][0]}")
    if not private_ok:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if any(not _public(a) for a in _addresses(host, port)):
            raise ValueError(_private_refusal(where, url, what))


def _private_refusal(where: str, url: str, what: str = "image") -> str:
    return (
        f"{where}: the {what} URL {url!r} points at a loopback, private or link-local address, "
        f"which is refused while base_url is a public address; {_USES[what][1]}"
    )


def check_upload_url(client: Requester, url: str, where: str) -> None:
    """Refuse (``ValueError``) a presigned upload URL the download rules would refuse.

    https only (plain http only to this machine), and no loopback, private or link-local
    address after resolution unless the client's ``base_url`` is itself such an address.
    """
    _check_url(url, where, _private_network_allowed(client), "upload")


def _peers_checked(client: Requester, url: str) -> bool:
    """Whether connections for ``url`` are checked: ``base_url`` public and no proxy."""
    proxies = transport_settings(client._session, url)["proxies"]
    return not (_private_network_allowed(client) or requests.utils.select_proxy(url, proxies))


@contextlib.contextmanager
def outside_request(
    client: Requester,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    data: bytes | None = None,
    timeout: Any,
    deadline: float,
    where: str,
    what: str,
) -> Iterator[requests.Response]:
    """One request to a host a server named: an image or media download, a presigned upload.

    The one way such a request is made. It is built and sent without the client's session,
    through its adapter only: none of the session's headers, cookies, authentication or
    default query parameters goes along (only ``headers``), no hook runs, and a cookie the
    host sets never enters the session's jar. No redirect is followed (the response is
    yielded as it is). Unless ``base_url`` is itself not public (or a proxy carries the
    request), a connection that reached a loopback, private or link-local address is refused
    (:class:`~sogni_compat._transport.PeerRefusedError`): a new one before anything is sent
    on it, a pooled one before the answer is read. Each read within the block ends by
    ``deadline``; transport failures become this package's errors. The URL itself is the
    caller's to check first (:func:`_check_url`).
    """
    session = client._session
    settings = transport_settings(session, url)
    prepared = requests.Request(method, url, headers=dict(headers), data=data).prepare()
    checked = _peers_checked(client, url)
    guard = PEER_CHECK.set(
        functools.partial(_refuse_private, where, url, what) if checked else None
    )
    token = DEADLINE.set(deadline)
    try:
        with translate_transport_errors(prepared):
            try:
                response = session.get_adapter(url).send(
                    prepared,
                    stream=True,
                    timeout=timeout,
                    verify=settings["verify"],
                    cert=settings["cert"],
                    proxies=settings["proxies"],
                )
            finally:
                PEER_CHECK.reset(guard)
            try:
                if checked:  # a connection that came from the pool
                    peer = _peer(response)
                    if peer is not None and not _public(peer):
                        raise PeerRefusedError(_private_refusal(where, url, what))
                yield response
            finally:
                response.close()
    finally:
        DEADLINE.reset(token)


def download(
    client: Requester,
    url: str,
    where: str,
    write: Callable[[bytes], object],
    *,
    limit: int,
    seconds: float,
    timeout: Any,
    what: str = "image",
) -> None:
    """Download ``url`` under the rules of this module, its body to ``write`` piece by piece.

    Never with the key or the session's credentials (:func:`outside_request`); at most 3
    redirects, each checked again and never from https to http; at most ``limit`` bytes after
    decompression (beyond: :class:`ImageTooLargeError`), all within ``seconds`` (each read
    within ``timeout``). Any other failure is a ``ValueError`` naming ``where``, but for an
    ``OSError`` of ``write`` (a full disk), raised as it is.
    """
    deadline = time.monotonic() + seconds
    private_ok = _private_network_allowed(client)
    accept = "image/png, image/jpeg, */*" if what == "image" else "*/*"
    for _ in range(MAX_IMAGE_REDIRECTS + 1):
        _check_url(url, where, private_ok, what)
        try:
            with outside_request(
                client,
                "GET",
                url,
                headers={"Accept": accept},
                timeout=timeout,
                deadline=deadline,
                where=where,
                what=what,
            ) as response:
                if response.is_redirect:
                    target = urljoin(url, response.headers["location"])
                    if url.lower().startswith("https:") and not target.lower().startswith("https:"):
                        raise ValueError(
                            f"{where}: the {what} URL {url!r} redirects to plain http, refused"
                        )
                    url = target
                    continue
                if response.status_code >= 400:
                    raise ValueError(
                        f"{where}: could not download the {what} {url}: HTTP "
                        f"{response.status_code} {response.reason or ''}".rstrip()
                    )
                size = 0
                unwritten: OSError | None = None
                for piece in byte_chunks(response.raw):
                    size += len(piece)
                    if size > limit:
                        raise BodyTooLargeError(size)
                    try:
                        write(piece)
                    except OSError as exc:  # not a transport failure: raised as it is
                        unwritten = exc
                        break
                    if time.monotonic() > deadline:
                        raise APITimeoutError(request=response.request)
            if unwritten is not None:
                raise unwritten
            return
        except BodyTooLargeError:
            too_big = (
                "far over 10 MB"
                if what == "image" and limit == MAX_SOURCE_BYTES
                else f"over {limit:,} bytes"
            )
            raise ImageTooLargeError(f"{where}: the {what} {url} is {too_big}", limit) from None
        except OpenAIError as exc:
            raise ValueError(f"{where}: could not download the {what} {url}: {exc}") from exc
    raise ValueError(f"{where}: the {what} URL redirects more than {MAX_IMAGE_REDIRECTS} times")


def download_image(
    client: Requester, url: str, where: str, *, limit: int = MAX_SOURCE_BYTES
) -> bytes:
    """Download an image for ``where`` under the rules of this module (never with the key).

    At most ``limit`` bytes (after decompression) are read, within the client's connect +
    read timeout in all: beyond, :class:`ImageTooLargeError`; any other failure is a
    ``ValueError`` naming ``where``.
    """
    connect, read = client.timeout
    pieces: list[bytes] = []
    download(
        client,
        url,
        where,
        pieces.append,
        limit=limit,
        seconds=connect + read,
        timeout=client.timeout,
    )
    return b"".join(pieces)


def _refuse_private(where: str, url: str, what: str, peer: str) -> None:
    """A :data:`~sogni_compat._transport.PEER_CHECK` for requests to hosts a server named."""
    if not _public(peer):
        raise PeerRefusedError(_private_refusal(where, url, what))


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
