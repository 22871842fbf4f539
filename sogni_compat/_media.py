"""The media context of one auto-tool loop, kept as Sogni's own SDK loop keeps it.

Hosted tools name media by index, per kind (image, video, audio): negative indices are the
*uploads* (-1 the first), non-negative ones the *results* made so far (0 the first). The uploads
are the user's vision inputs (``image_url`` parts of user messages, in order, taken from the
messages as the caller gave them, so a file or bytes are uploaded at full size and an http(s)
URL is passed as it is), then the call's ``media_references``; the results are those of a
previous answer passed as ``media_context``, then each successful hosted tool's media, and the
tool's result tells the model the ``startIndex`` and ``indices`` it got. A 3D model (a GLB, media
type ``model``, from ``image_to_3d``) goes to a lane of its own: it is never an image, has no
index a tool argument could name, and so is never handed to an image tool.

A workflow step only sees what its request carries, so :meth:`MediaContext.step` gives every
step all the uploads (so upload indices, and tools that work on "the original", keep their
meaning) followed by the results the step refers to, each result index rewritten to the slot
holding it. Data URIs, files and bytes are uploaded (``GET image/uploadUrl``, ``PUT``, ``GET
image/downloadUrl`` at the API root) the first time a step needs them, once per loop.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ._vision import _read_file
from .hosted_tools import (
    HostedTool,
    MediaKind,
    MediaParameter,
    ResultKind,
    media_kind_of_argument,
)
from .types.tools import MediaItem, MediaView

__all__ = [
    "MediaContext",
    "MediaError",
    "StepMedia",
    "check_media_context",
    "sniff_content_type",
]

KINDS: tuple[MediaKind, ...] = ("image", "video", "audio")
#: Largest upload sent for a workflow step (Sogni's presigned uploads take 100 MB).
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
_VIEW_FIELDS = {"image": "images", "video": "videos", "audio": "audio"}
#: The ``media_context`` field of the 3D models (not a lane tools index).
_MODELS = "models"
#: The ``media_context`` field of a previous answer's uploads (``{"kind", "url"}`` each).
_UPLOADS = "uploads"


class MediaError(Exception):
    """An index names no media, or an upload cannot be made; told to the model."""


@attrs.define
class _Upload:
    """One upload: an http(s) URL, or something still to upload (then its URL)."""

    kind: MediaKind
    url: str = ""
    #: Reads the bytes and their content type, the first time a step needs them.
    load: Callable[[], tuple[bytes, str]] | None = None
    #: The SHA-256 of the bytes, once read: how a later call knows the same file again.
    digest: str | None = None

    def read(self) -> tuple[bytes, str]:
        """The bytes and content type (read once, then kept), with their digest noted."""
        assert self.load is not None
        data, content_type = self.load()
        self.load = lambda: (data, content_type)
        self.digest = hashlib.sha256(data).hexdigest()
        return data, content_type


@attrs.frozen
class StepMedia:
    """What one workflow step carries: its arguments and ``media_references``."""

    arguments: dict[str, Any]
    media_references: list[dict[str, str]]


#: ``upload(kind, data, content_type) -> download URL``.
Uploader = Callable[[MediaKind, bytes, str], str]


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"ID3", "audio/mpeg"),
    (b"\xff\xfb", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"\x1aE\xdf\xa3", "video/webm"),
)


def sniff_content_type(data: bytes, name: str | None = None) -> str | None:
    """The content type the bytes (or, failing that, a file name) show, if any."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data[4:8] == b"ftyp":
        return "video/quicktime" if data[8:10] == b"qt" else "video/mp4"
    if name:
        import mimetypes  # noqa: PLC0415 - only for a name the bytes did not settle

        return mimetypes.guess_type(name)[0]
    return None


def _content_type(data: bytes) -> str:
    return sniff_content_type(data) or "application/octet-stream"


def _from_data_uri(uri: str) -> Callable[[], tuple[bytes, str]]:
    def load() -> tuple[bytes, str]:
        head, _, payload = uri.partition(",")
        content_type = head[5:].split(";", 1)[0].strip().lower() or "application/octet-stream"
        if ";base64" not in head.lower():
            raise MediaError("a data URI to upload must be base64-encoded")
        if len(payload) > MAX_UPLOAD_BYTES * 4 // 3 + 4:
            raise MediaError(f"an upload is larger than {MAX_UPLOAD_BYTES:,} bytes")
        try:
            return base64.b64decode(payload, validate=True), content_type
        except (binascii.Error, ValueError) as exc:
            raise MediaError(f"a data URI to upload is not valid base64: {exc}") from None

    return load


def _from_bytes(data: bytes) -> Callable[[], tuple[bytes, str]]:
    return lambda: (data, _content_type(data))


def _from_file(path: str, where: str) -> Callable[[], tuple[bytes, str]]:
    def load() -> tuple[bytes, str]:
        try:
            data = _read_file(path, where)
        except (OSError, ValueError) as exc:
            raise MediaError(str(exc)) from None
        return data, _content_type(data)

    return load


def _vision_sources(messages: Sequence[Any], allow_local_files: bool) -> list[_Upload]:
    """The image inputs of the user messages, as the caller gave them."""
    found = []
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping) or message.get("role") != "user":
            continue
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            if not isinstance(part, Mapping) or part.get("type") != "image_url":
                continue
            image = part.get("image_url")
            source = image.get("url") if isinstance(image, Mapping) else image
            upload = _source(source, f"messages[{i}].content[{j}]", allow_local_files)
            if upload is not None:
                found.append(upload)
    return found


def _source(source: object, where: str, allow_local_files: bool) -> _Upload | None:
    if isinstance(source, bytes | bytearray | memoryview):
        return _Upload("image", load=_from_bytes(bytes(source)))
    if isinstance(source, str):
        if source[:5].lower() == "data:":
            return _Upload("image", load=_from_data_uri(source))
        if source[:8].lower().startswith(("http://", "https://")):
            return _Upload("image", url=source)
        if not allow_local_files:
            return None  # the chat call refused it already
    if isinstance(source, str | os.PathLike):
        return _Upload("image", load=_from_file(os.fspath(source), where))
    return None


def _is_url(value: object) -> bool:
    return isinstance(value, str) and value.lower().startswith(("https://", "http://"))


def check_media_context(value: object) -> None:
    """A ``media_context`` must be a previous answer's ``media`` or a dict of URL lists."""
    if value is None or isinstance(value, MediaView):
        return
    if not isinstance(value, Mapping):
        raise TypeError(
            "media_context must be a previous answer's .media, or a dict such as "
            f"{{'images': [url, ...], 'videos': [...], 'audio': [...]}}; got "
            f"{type(value).__name__}"
        )
    for field in value:
        if field == _UPLOADS:
            uploads = value[field]
            if not isinstance(uploads, list | tuple) or not all(
                isinstance(u, Mapping) and u.get("kind") in KINDS and _is_url(u.get("url"))
                for u in uploads
            ):
                raise ValueError(
                    "media_context['uploads'] must be a list of {'kind': 'image' | 'video' | "
                    "'audio', 'url': an http(s) URL}"
                )
            continue
        if field not in (*_VIEW_FIELDS.values(), _MODELS):
            raise ValueError(
                f"media_context has no field {field!r}; use 'images', 'videos', 'audio', "
                "'models' and 'uploads'"
            )
        urls = value[field]
        if not isinstance(urls, list | tuple) or not all(
            isinstance(u, str) and u.lower().startswith(("https://", "http://")) for u in urls
        ):
            raise ValueError(f"media_context[{field!r}] must be a list of http(s) URLs")


class MediaContext:
    """Uploads and results of one loop; resolves index arguments for workflow steps."""

    def __init__(
        self,
        messages: Sequence[Any],
        media_references: Sequence[Mapping[str, Any]] | None,
        *,
        allow_local_files: bool = False,
        seed: MediaView | Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._uploads: dict[MediaKind, list[_Upload]] = {kind: [] for kind in KINDS}
        self._results: dict[MediaKind, list[MediaItem]] = {kind: [] for kind in KINDS}
        # A previous answer's uploads come first, where they were (-1 the first); the call's
        # own follow, except those that are the same media (a history that still holds the
        # image), which would otherwise be counted, and uploaded, twice.
        seeded = _seeded_uploads(seed)
        for upload in seeded:
            self._uploads[upload.kind].append(upload)
        own = _vision_sources(messages, allow_local_files)
        for reference in media_references or ():
            kind = reference.get("kind")
            value = reference.get("url") or reference.get("value")
            if kind in KINDS and isinstance(value, str):
                own.append(
                    _Upload(kind, load=_from_data_uri(value))
                    if value[:5].lower() == "data:"
                    else _Upload(kind, url=value)
                )
        for upload in own:
            if not seeded or not _already_uploaded(upload, seeded):
                self._uploads[upload.kind].append(upload)
        #: 3D models made (or carried over): their own lane, never indexed by a tool argument.
        self._models: list[MediaItem] = []
        for kind in KINDS:
            for item in _seeded(seed, kind):
                self._results[kind].append(attrs.evolve(item, index=len(self._results[kind])))
        for item in _seeded_models(seed):
            self._models.append(attrs.evolve(item, index=len(self._models)))

    # -- what the model and the caller see ----------------------------------------------------

    def add_results(
        self,
        kind: ResultKind,
        urls: Sequence[str],
        tool_name: str,
        tool_call_id: str,
        workflow_id: str | None = None,
    ) -> list[int]:
        """Append a tool's ``urls`` of ``kind``; returns their positions in its lane.

        A ``model`` goes to the models' lane, which no tool argument addresses.
        """
        results = self._models if kind == "model" else self._results[kind]
        start = len(results)
        results.extend(
            MediaItem(
                index=start + i,
                kind=kind,
                url=url,
                tool_name=tool_name,
                tool_call_id=tool_call_id,
                workflow_id=workflow_id,
            )
            for i, url in enumerate(urls)
        )
        return list(range(start, len(results)))

    def view(self) -> MediaView:
        """A snapshot of the context for ``completion.media``."""
        uploads = []
        for kind in KINDS:
            for i, upload in enumerate(self._uploads[kind]):
                item = MediaItem(index=-(i + 1), kind=kind, url=upload.url)
                item._digest = upload.digest
                uploads.append(item)
        return MediaView(
            images=list(self._results["image"]),
            videos=list(self._results["video"]),
            audio=list(self._results["audio"]),
            uploads=uploads,
            models=list(self._models),
        )

    # -- one workflow step --------------------------------------------------------------------

    def _parameters(
        self, tool: HostedTool | None, arguments: Mapping[str, Any]
    ) -> dict[str, MediaParameter]:
        """Every index argument of the call, with how it is numbered."""
        described = {p.name: p for p in tool.media_parameters} if tool is not None else {}
        found: dict[str, MediaParameter] = {}
        for name in arguments:
            kind = media_kind_of_argument(name)
            if name in described:
                found[name] = described[name]
            elif kind is not None:
                found[name] = MediaParameter(name, kind, many=name.lower().endswith("indices"))
        for name, parameter in described.items():
            if name in arguments or not parameter.omit_means_latest or parameter.many:
                continue
            if parameter.relevant_when is not None and arguments.get(parameter.relevant_when) in (
                None,
                "",
            ):
                continue  # "only relevant when X is set", and X is not
            found[name] = parameter
        return found

    def _pick(self, parameter: MediaParameter, value: object) -> tuple[str, int]:
        """``("upload"|"result", position)`` of one index value, or :class:`MediaError`."""
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**31:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            shown = repr(value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise MediaError(f"{parameter.name} must be an integer index; got {shown}")
        kind = parameter.kind
        uploads, results = len(self._uploads[kind]), len(self._results[kind])
        if parameter.minus_one_latest and value == -1 and results:
            return "result", results - 1  # "-1: the most recent video"
        if parameter.uploads_only and value >= 0:
            where, position = "upload", value
        elif value < 0:
            where, position = "upload", -value - 1
        else:
            where, position = "result", value
        if 0 <= position < (uploads if where == "upload" else results):
            return where, position
        number = str(value) if abs(value) < 10**6 else f"{str(value)[:8]}..."
        have = []
        if uploads:
            have.append(f"{uploads} uploaded {kind}(s) (indices -1 to -{uploads})")
        if results:
            have.append(f"{results} generated {kind}(s) (indices 0 to {results - 1})")
        raise MediaError(
            f"{parameter.name}={number} names no {kind}: this conversation has "
            + (" and ".join(have) if have else f"no {kind} yet")
        )

    def step(
        self, tool: HostedTool | None, arguments: Mapping[str, Any], upload: Uploader
    ) -> StepMedia:
        """The step's arguments with indices rewritten, and the media it must carry."""
        rewritten = {k: v for k, v in arguments.items() if v is not None or not _is_index(k)}
        parameters = self._parameters(tool, rewritten)
        picks: dict[str, list[tuple[str, int]]] = {}
        for name, parameter in parameters.items():
            if name not in rewritten:  # omitted: the manifest says "the latest result"
                results = len(self._results[parameter.kind])
                if not results:
                    continue
                rewritten[name] = results - 1
            value = rewritten[name]
            if parameter.many:
                if not isinstance(value, list):
                    raise MediaError(f"{name} must be a list of indices; got {value!r}"[:120])
                picks[name] = [self._pick(parameter, item) for item in value]
            else:
                picks[name] = [self._pick(parameter, value)]
        references: list[dict[str, str]] = []
        slot: dict[tuple[MediaKind, int], int] = {}  # (kind, result) -> index in the step
        for kind in KINDS:
            uploads = self._uploads[kind]
            references.extend({"kind": kind, "url": self._url(u, upload)} for u in uploads)
            wanted = sorted(
                {
                    position
                    for name, chosen in picks.items()
                    if parameters[name].kind == kind
                    for where, position in chosen
                    if where == "result"
                }
            )
            for number, position in enumerate(wanted):
                slot[kind, position] = -(len(uploads) + number + 1)
                references.append({"kind": kind, "url": self._results[kind][position].url})
        for name, chosen in picks.items():
            parameter = parameters[name]
            mapped = [
                slot[parameter.kind, position]
                if where == "result"
                else (position if parameter.uploads_only else -(position + 1))
                for where, position in chosen
            ]
            rewritten[name] = mapped if parameter.many else mapped[0]
        return StepMedia(rewritten, references)

    def _url(self, item: _Upload, upload: Uploader) -> str:
        if not item.url and item.load is not None:
            data, content_type = item.read()
            if len(data) > MAX_UPLOAD_BYTES:
                raise MediaError(f"an upload is larger than {MAX_UPLOAD_BYTES:,} bytes")
            item.url = upload(item.kind, data, content_type)
            item.load = None
        return item.url


def _is_index(name: str) -> bool:
    return media_kind_of_argument(name) is not None


def _seeded_uploads(seed: MediaView | Mapping[str, Any] | None) -> list[_Upload]:
    """The uploads a previous answer carries, as uploads of this call (URLs only).

    An upload no step needed was never sent to Sogni and has no URL: only the messages can
    bring it back.
    """
    if seed is None:
        return []
    if isinstance(seed, MediaView):
        return [
            _Upload(item.kind, url=item.url, digest=item._digest)
            for item in seed.uploads
            if item.kind in KINDS and item.url
        ]
    return [_Upload(u["kind"], url=u["url"]) for u in seed.get(_UPLOADS, ())]


def _already_uploaded(upload: _Upload, seeded: Sequence[_Upload]) -> bool:
    """Whether ``upload`` is one of the ``seeded`` uploads: the same URL, or the same bytes."""
    same_kind = [s for s in seeded if s.kind == upload.kind]
    if upload.url:
        return any(s.url == upload.url for s in same_kind)
    digests = {s.digest for s in same_kind if s.digest}
    if not digests or upload.load is None:
        return False
    try:
        upload.read()  # kept: a step that needs it uploads these bytes
    except MediaError:
        return False  # the step that needs it says what is wrong
    return upload.digest in digests


def _seeded_models(seed: MediaView | Mapping[str, Sequence[str]] | None) -> list[MediaItem]:
    if seed is None:
        return []
    if isinstance(seed, MediaView):
        return list(seed.models)
    return [MediaItem(kind="model", url=url) for url in seed.get(_MODELS, ())]


def _seeded(seed: MediaView | Mapping[str, Sequence[str]] | None, kind: MediaKind) -> list[Any]:
    field = _VIEW_FIELDS[kind]
    if seed is None:
        return []
    if isinstance(seed, MediaView):
        items: list[Any] = list(getattr(seed, field))
        return items
    return [MediaItem(kind=kind, url=url) for url in seed.get(field, ())]
