"""The media context of one auto-tool loop, kept as Sogni's own SDK loop keeps it.

Hosted tools name media by index, per kind (image, video, audio): negative indices are the
*uploads* (-1 the first), non-negative ones the *results* made so far in this loop (0 the
first). The uploads are the user's vision inputs (``image_url`` parts of user messages, in
order), then the call's ``media_references``; every successful hosted tool appends its media
to the results, and its result tells the model the ``startIndex`` and ``indices`` it got.

A workflow step only sees what its request carries, so :meth:`MediaContext.step` turns the
loop's indices into the step's own: the step's ``media_references`` list every upload of each
kind it refers to (so upload indices keep their meaning), then the results it refers to, and
each result index is rewritten to the upload slot holding that result. Data URIs are uploaded
(``GET image/uploadUrl``, ``PUT``, ``GET image/downloadUrl`` at the API root) the first time a
step needs them; workflows accept media only as http(s) URLs.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from .hosted_tools import HostedTool, MediaKind, MediaParameter, media_kind_of_argument
from .types.tools import MediaItem, MediaView

__all__ = ["MediaContext", "MediaError", "StepMedia"]

KINDS: tuple[MediaKind, ...] = ("image", "video", "audio")
#: Largest upload (decoded data URI) sent for a workflow step.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024


class MediaError(Exception):
    """An index names no media, or an upload cannot be made; told to the model."""


@attrs.define
class _Upload:
    """One upload: an http(s) URL, or a data URI still to upload (then its URL)."""

    kind: MediaKind
    url: str = ""
    data_uri: str = ""


@attrs.frozen
class StepMedia:
    """What one workflow step carries: its arguments and ``media_references``."""

    arguments: dict[str, Any]
    media_references: list[dict[str, str]]


#: ``upload(kind, data, content_type) -> download URL``.
Uploader = Callable[[MediaKind, bytes, str], str]


def _data_uri_parts(uri: str) -> tuple[bytes, str]:
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


def _vision_urls(messages: Sequence[Any]) -> list[str]:
    found = []
    for message in messages:
        if not isinstance(message, Mapping) or message.get("role") != "user":
            continue
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for part in content:
            if isinstance(part, Mapping) and part.get("type") == "image_url":
                image = part.get("image_url")
                url = image.get("url") if isinstance(image, Mapping) else image
                if isinstance(url, str) and url:
                    found.append(url)
    return found


class MediaContext:
    """Uploads and results of one loop; resolves index arguments for workflow steps."""

    def __init__(
        self, messages: Sequence[Any], media_references: Sequence[Mapping[str, Any]] | None
    ) -> None:
        self._uploads: dict[MediaKind, list[_Upload]] = {kind: [] for kind in KINDS}
        self._results: dict[MediaKind, list[MediaItem]] = {kind: [] for kind in KINDS}
        self._explicit: set[int] = set()
        for url in _vision_urls(messages):
            self._add_upload("image", url)
        for reference in media_references or ():
            kind = reference.get("kind")
            value = reference.get("url") or reference.get("value")
            if kind in KINDS and isinstance(value, str):
                self._explicit.add(id(self._add_upload(kind, value)))

    def _add_upload(self, kind: MediaKind, value: str) -> _Upload:
        upload = (
            _Upload(kind, data_uri=value)
            if value[:5].lower() == "data:"
            else _Upload(kind, url=value)
        )
        self._uploads[kind].append(upload)
        return upload

    # -- what the model and the caller see ----------------------------------------------------

    def add_results(
        self,
        kind: MediaKind,
        urls: Sequence[str],
        tool_name: str,
        tool_call_id: str,
        workflow_id: str | None = None,
    ) -> list[int]:
        """Append a tool's ``urls`` of ``kind``; returns their indices."""
        results = self._results[kind]
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
        uploads = [
            MediaItem(index=-(i + 1), kind=kind, url=upload.url)
            for kind in KINDS
            for i, upload in enumerate(self._uploads[kind])
        ]
        return MediaView(
            images=list(self._results["image"]),
            videos=list(self._results["video"]),
            audio=list(self._results["audio"]),
            uploads=uploads,
        )

    # -- one workflow step --------------------------------------------------------------------

    def _parameters(self, tool: HostedTool | None, arguments: Mapping[str, Any]) -> dict[str, Any]:
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
            if name not in arguments and parameter.omit_means_latest and not parameter.many:
                found[name] = parameter
        return found

    def _pick(self, parameter: MediaParameter, value: object) -> tuple[str, int]:
        """``("upload"|"result", position)`` of one index value, or :class:`MediaError`."""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise MediaError(f"{parameter.name} must be an integer index; got {value!r}")
        kind = parameter.kind
        uploads, results = len(self._uploads[kind]), len(self._results[kind])
        if parameter.uploads_only and value >= 0:
            where, position = "upload", value
        elif value < 0:
            where, position = "upload", -value - 1
        else:
            where, position = "result", value
        if position < (uploads if where == "upload" else results):
            return where, position
        raise MediaError(
            f"{parameter.name}={value} names no {kind}: this conversation has {uploads} "
            f"uploaded {kind}(s) (indices -1 to -{uploads}) and {results} generated {kind}(s) "
            f"(indices 0 to {results - 1})"
            if uploads or results
            else f"{parameter.name}={value} names no {kind}: this conversation has no {kind} yet"
        )

    def step(
        self, tool: HostedTool | None, arguments: Mapping[str, Any], upload: Uploader
    ) -> StepMedia:
        """The step's arguments with indices rewritten, and the media it must carry."""
        parameters = self._parameters(tool, arguments)
        rewritten = dict(arguments)
        picks: dict[str, list[tuple[str, int]]] = {}
        for name, parameter in parameters.items():
            if name not in arguments:  # omitted: the manifest says "the latest result"
                results = len(self._results[parameter.kind])
                if not results:
                    continue
                rewritten[name] = results - 1
            value = rewritten[name]
            if parameter.many:
                if not isinstance(value, list):
                    raise MediaError(f"{name} must be a list of indices; got {value!r}")
                picks[name] = [self._pick(parameter, item) for item in value]
            else:
                picks[name] = [self._pick(parameter, value)]
        used = {parameters[name].kind for name in picks}
        references: list[dict[str, str]] = []
        slot: dict[tuple[MediaKind, int], int] = {}  # (kind, result) -> index in the step
        for kind in KINDS:
            uploads = [u for u in self._uploads[kind] if kind in used or id(u) in self._explicit]
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
            kind = parameters[name].kind
            mapped = [
                slot[kind, position] if where == "result" else rewritten_value
                for (where, position), rewritten_value in zip(
                    chosen, _as_list(rewritten[name]), strict=True
                )
            ]
            rewritten[name] = mapped if parameters[name].many else mapped[0]
        return StepMedia(rewritten, references)

    def _url(self, item: _Upload, upload: Uploader) -> str:
        if not item.url:
            data, content_type = _data_uri_parts(item.data_uri)
            item.url = upload(item.kind, data, content_type)
            item.data_uri = ""
        return item.url


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]
