"""``sogni-compat chat --save DIR``: the media results of a tool conversation, saved as files.

Every result is downloaded under the client's download rules (no key or session credential;
public https addresses unless ``base_url`` is itself local) into a file of its own, named
``{kind}-{n}{ext}`` by this module (never by the server) and never overwriting one that exists.
One command saves at most :data:`MAX_SAVE_FILES` files, :data:`MAX_SAVE_TOTAL_BYTES` bytes in
all, within :data:`SAVE_TOTAL_TIMEOUT` seconds; from the first result that cannot be saved
(a bound reached, a download that failed) the results are named, not saved.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Sequence
from typing import Any

from ._errors import OpenAIError
from ._secrets import mask

#: The extension a saved result gets when its URL names none it may keep.
_EXTENSIONS = {"image": ".png", "video": ".mp4", "audio": ".mp3", "model": ".glb"}
_KEPT = {
    "image": (".png", ".jpg", ".jpeg", ".webp", ".gif"),
    "video": (".mp4", ".webm", ".mov"),
    "audio": (".mp3", ".wav", ".flac", ".ogg", ".m4a"),
    "model": (".glb",),  # a 3D model is a binary GLB: always .glb
}
#: Largest media file ``--save`` writes, the longest one download may take, and the seconds
#: to connect and for each read.
MAX_SAVE_BYTES = 512 * 1024 * 1024
SAVE_TIMEOUT = 900.0
SAVE_READ_TIMEOUT = (10.0, 60.0)
#: Most files one command saves, their bytes in all, and the seconds all downloads may take.
MAX_SAVE_FILES = 64
MAX_SAVE_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
SAVE_TOTAL_TIMEOUT = 1800.0
_SAVED_NAME = re.compile(r"(image|video|audio|model)-(\d{1,18})(\.[A-Za-z0-9]+)?")


def _extension(item: Any) -> str:
    """``.png``, ``.glb``...: the URL's own extension when it fits the kind, else the kind's."""
    from urllib.parse import urlsplit  # noqa: PLC0415

    found = os.path.splitext(urlsplit(item.url).path)[1].lower()
    return found if found in _KEPT.get(item.kind, ()) else _EXTENSIONS.get(item.kind, "")


def _first_free_numbers(folder: str) -> dict[str, int]:
    """Per kind, the number after the highest of the ``{kind}-{n}`` files in ``folder``.

    So a second run into the same folder numbers its files after the first run's.
    """
    first: dict[str, int] = {}
    for name in os.listdir(folder):
        found = _SAVED_NAME.fullmatch(name)
        if found is not None:
            kind, number = found.group(1), int(found.group(2))
            first[kind] = max(first.get(kind, 0), number + 1)
    return first


def save_media(client: Any, folder: str, items: Sequence[Any]) -> tuple[list[str], list[str]]:
    """Save ``items`` (``MediaItem``) into ``folder``; returns the paths written, and problems.

    ``problems`` says what was not saved: each download that failed (the others are still
    saved), and, once a bound of this module is reached, how many results were left and their
    URLs. The caller prints them after the answer and the saved paths, and exits 1. The
    client's key is masked in them (a server may put it in a URL).
    """
    first = _first_free_numbers(folder)
    deadline = time.monotonic() + SAVE_TOTAL_TIMEOUT
    saved: list[str] = []
    problems: list[str] = []
    written = 0
    for position, item in enumerate(items):
        left = deadline - time.monotonic()
        room = MAX_SAVE_TOTAL_BYTES - written
        reason = _bound(position, left, room)
        if reason is None:
            number = first.get(item.kind, 0) + item.index
            name = f"{item.kind}-{number}{_extension(item)}"
            path = os.path.join(folder, name)
            try:
                target = _download(client, item.url, path, limit=room, seconds=left)
            except _TooLarge as exc:
                if room >= MAX_SAVE_BYTES:  # over the bound of one file
                    problems.append(f"--save: {exc}")
                    continue
                reason = _bound(position, left, 0)  # the bytes left for all ran out
            except OpenAIError as exc:
                reason = _bound(position, deadline - time.monotonic(), room)
                if reason is None:
                    problems.append(f"--save: {exc}")
                    continue
            else:
                saved.append(target)
                written += os.path.getsize(target)
                continue
        rest = [str(other.url) for other in items[position:]]
        problems += [f"--save: {len(rest)} result(s) not saved: {reason}", *rest]
        break
    return saved, [mask(line) for line in problems]


def _bound(position: int, left: float, room: int) -> str | None:
    """Which bound of one command stops the result at ``position``, if one does."""
    if position >= MAX_SAVE_FILES:
        return f"at most {MAX_SAVE_FILES} files per command"
    if left <= 0:
        return f"at most {SAVE_TOTAL_TIMEOUT:g} s of downloads per command"
    if room <= 0:
        return f"at most {MAX_SAVE_TOTAL_BYTES:,} bytes in all per command"
    return None


class _TooLarge(OpenAIError):
    """A download over what it may write."""


def _download(
    client: Any,
    url: str,
    target: str,
    *,
    limit: int = MAX_SAVE_BYTES,
    seconds: float = SAVE_TIMEOUT,
) -> str:
    """Save ``url`` (a result Sogni handed out) as ``target``, which must not exist; returns it.

    Under the client's download rules (no key or session credential; public https addresses
    unless ``base_url`` is itself local), at most :data:`MAX_SAVE_BYTES` and
    :data:`SAVE_TIMEOUT` seconds. A file that exists is never overwritten: the next free
    number is taken. A failed download is an :class:`OpenAIError` (exit status 1) and leaves
    no partial file behind.
    """
    import tempfile  # noqa: PLC0415

    from ._vision import ImageTooLargeError, download  # noqa: PLC0415 - only when saving

    folder, name = os.path.split(target)
    root, extension = os.path.splitext(name)
    kind, _, number = root.rpartition("-")
    while True:  # the name is taken by creating it, so nothing that exists is overwritten
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            break
        except FileExistsError:
            number = str(int(number) + 1)
            target = os.path.join(folder, f"{kind}-{number}{extension}")
        except OSError as exc:
            raise OpenAIError(f"--save: {target}: {exc.strerror or exc}") from None
    handle, partial = tempfile.mkstemp(prefix=".sogni-compat-", suffix=".part", dir=folder)
    done = False
    try:
        with os.fdopen(handle, "wb") as file:
            download(
                client,
                url,
                "--save",
                file.write,
                limit=min(limit, MAX_SAVE_BYTES),
                seconds=min(seconds, SAVE_TIMEOUT),
                timeout=SAVE_READ_TIMEOUT,
                what="media",
            )
        os.replace(partial, target)
        done = True
    except ImageTooLargeError:
        over = min(limit, MAX_SAVE_BYTES)
        raise _TooLarge(mask(f"could not save {url}: over {over:,} bytes")) from None
    except ValueError as exc:  # refused, or failed: the message says which
        raise OpenAIError(mask(str(exc))) from None
    except OSError as exc:
        raise OpenAIError(mask(f"--save: {target}: {exc.strerror or exc}")) from None
    finally:
        with contextlib.suppress(OSError):
            os.remove(partial)
        if not done:
            with contextlib.suppress(OSError):
                os.remove(target)
    return target
