"""The emulator's reading of a workflow step's ``dependsOn``: binding objects, checked and applied.

Sogni's type (the TypeScript SDK's ``StartCreativeWorkflowDependency``, the same as the
intelligence client's ``BackboneWorkflowStepDependencyBinding``) is an object ``{sourceStepId,
targetArgument, transform, sourceArtifactId?, sourceArtifactIndex?, mediaType?, required?}``
with ``transform`` one of :data:`TRANSFORMS`. A start whose ``dependsOn`` holds anything else
(a bare step id, an object without a known ``transform``) is refused with a 400, as the
emulator's reading of the contract; Sogni's own checks of bindings are not published.

When a step runs, each binding takes one artifact of its source step (``sourceArtifactId``,
else the ``sourceArtifactIndex``-th of the kind the transform or ``mediaType`` names, 0 by
default), or one of the workflow's uploads for ``sourceStepId: "$input_media"``, and puts it in
``targetArgument``: its URL (``artifact_url``, ``image_url``...), a ``data:`` URI
(``artifact_data_uri``), its index in the workflow's media context (``image_index``...; into
an ``...Indices`` argument as a one-item list), subtitle cues or SRT text, overlay items or an
asset reference. A binding whose source made nothing fails the step unless ``required`` is
false. It imports nothing from the client.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

__all__ = ["INPUT_MEDIA", "TRANSFORMS", "Made", "apply_bindings", "check_bindings"]

#: The ``sourceStepId`` that names a workflow's uploads (its ``media_references``).
INPUT_MEDIA = "$input_media"
#: Every ``transform`` Sogni's binding type names.
TRANSFORMS = (
    "artifact_url",
    "artifact_data_uri",
    "image_url",
    "video_url",
    "audio_url",
    "image_index",
    "video_index",
    "audio_index",
    "subtitle_cues",
    "subtitle_srt",
    "overlay_items",
    "asset_ref",
)
_MEDIA_TYPES = ("image", "video", "audio")
_MIME = {
    "image": "image/png",
    "video": "video/mp4",
    "audio": "audio/mpeg",
    "model": "model/gltf-binary",
}
_KEYS = frozenset(
    {
        "sourceStepId",
        "targetArgument",
        "transform",
        "sourceArtifactId",
        "sourceArtifactIndex",
        "mediaType",
        "required",
    }
)


class BindingError(Exception):
    """A ``dependsOn`` entry that is not a binding Sogni's type allows."""


@attrs.frozen
class Made:
    """One artifact a step made (or an upload): its kind, URL, id and index in its lane."""

    kind: str
    url: str
    artifact_id: str
    #: Its index in the workflow's media context (uploads -1, -2...; results 0, 1...).
    index: int | None
    text: str | None = None


def _example(step_id: str) -> str:
    return (
        f"Workflow step {step_id} dependsOn entries must be binding objects "
        '{"sourceStepId", "targetArgument", "transform"}'
    )


def check_bindings(step_id: str, depends: object) -> list[str]:
    """The source step ids of a ``dependsOn`` list; :class:`BindingError` for a bad entry."""
    if not isinstance(depends, list):
        raise BindingError(f"Workflow step {step_id} dependsOn must be a list")
    sources = []
    for number, item in enumerate(depends):
        if not isinstance(item, dict):
            raise BindingError(f"{_example(step_id)}; dependsOn[{number}] is {item!r}")
        source, target = item.get("sourceStepId"), item.get("targetArgument")
        if not isinstance(source, str) or not source:
            raise BindingError(f"{_example(step_id)}; dependsOn[{number}] has no sourceStepId")
        if not isinstance(target, str) or not target:
            raise BindingError(f"{_example(step_id)}; dependsOn[{number}] has no targetArgument")
        transform = item.get("transform")
        if transform not in TRANSFORMS:
            raise BindingError(
                f"Workflow step {step_id} dependsOn[{number}].transform must be one of "
                f"{', '.join(TRANSFORMS)}; got {transform!r}"
            )
        unknown = sorted(set(item) - _KEYS)
        if unknown:
            raise BindingError(
                f"Workflow step {step_id} dependsOn[{number}] has unknown field(s): "
                f"{', '.join(unknown)}"
            )
        media_type = item.get("mediaType")
        if media_type is not None and media_type not in _MEDIA_TYPES:
            raise BindingError(
                f"Workflow step {step_id} dependsOn[{number}].mediaType must be image, video "
                f"or audio; got {media_type!r}"
            )
        index = item.get("sourceArtifactIndex")
        if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
            raise BindingError(
                f"Workflow step {step_id} dependsOn[{number}].sourceArtifactIndex must be an "
                "integer"
            )
        sources.append(source)
    return sources


def _kind_of(binding: Mapping[str, Any]) -> str | None:
    transform = str(binding["transform"])
    head = transform.split("_", 1)[0]
    media_type = binding.get("mediaType")
    return media_type if isinstance(media_type, str) else head if head in _MEDIA_TYPES else None


def _pick(binding: Mapping[str, Any], candidates: Sequence[Made]) -> Made | None:
    wanted = binding.get("sourceArtifactId")
    if isinstance(wanted, str):
        return next((made for made in candidates if made.artifact_id == wanted), None)
    kind = _kind_of(binding)
    pool = [made for made in candidates if kind is None or made.kind == kind]
    position = binding.get("sourceArtifactIndex") or 0
    return pool[position] if 0 <= position < len(pool) else None


def _value(binding: Mapping[str, Any], made: Made, current: object) -> Any:
    transform = binding["transform"]
    target = str(binding["targetArgument"])
    if transform.endswith("_index"):
        if made.index is None:
            raise BindingError(f"{made.url} has no media index ({made.kind})")
        if target.lower().endswith("indices"):
            return [*(current if isinstance(current, list) else []), made.index]
        return made.index
    if transform == "artifact_data_uri":  # a stand-in: the emulator keeps no media bytes
        data = base64.b64encode(f"emulated {made.kind} {made.url}".encode()).decode()
        return f"data:{_MIME.get(made.kind, 'application/octet-stream')};base64,{data}"
    text = made.text or f"made by {made.artifact_id}"
    if transform == "subtitle_cues":
        return [{"start": 0.0, "end": 2.0, "text": text}]
    if transform == "subtitle_srt":
        return f"1\n00:00:00,000 --> 00:00:02,000\n{text}\n"
    if transform == "overlay_items":
        return [*(current if isinstance(current, list) else []), {"url": made.url}]
    if transform == "asset_ref":
        return {"artifactId": made.artifact_id, "url": made.url, "kind": made.kind}
    return made.url  # artifact_url, image_url, video_url, audio_url


def apply_bindings(
    step_id: str,
    arguments: Mapping[str, Any],
    depends: Sequence[Mapping[str, Any]],
    made: Mapping[str, Sequence[Made]],
    uploads: Sequence[Made],
) -> dict[str, Any]:
    """``arguments`` with every binding's value put in its ``targetArgument``.

    ``made`` is each earlier step's artifacts, ``uploads`` the workflow's. Raises
    :class:`BindingError` when a required binding finds nothing, or a kind does not fit.
    """
    bound = dict(arguments)
    for binding in depends:
        source = binding["sourceStepId"]
        candidates = uploads if source == INPUT_MEDIA else made.get(source, ())
        chosen = _pick(binding, candidates)
        if chosen is None:
            if binding.get("required") is False:
                continue
            raise BindingError(
                f"binding {source!r} -> {binding['targetArgument']!r} ({binding['transform']}) "
                f"found no artifact for step {step_id}"
            )
        kind = str(binding["transform"]).split("_", 1)[0]
        if kind in _MEDIA_TYPES and chosen.kind != kind:
            raise BindingError(
                f"binding {source!r} -> {binding['targetArgument']!r} wants a {kind} "
                f"({binding['transform']}) but the artifact is a {chosen.kind}"
            )
        target = str(binding["targetArgument"])
        bound[target] = _value(binding, chosen, bound.get(target))
    return bound
