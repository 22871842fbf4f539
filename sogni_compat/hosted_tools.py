"""Sogni's hosted tools as Sogni publishes them: which tools exist and how each one runs.

The catalogue is package data, not code: ``data/hosted_tools.json`` is Sogni's published
hosted-tool manifest, copied unchanged from the ``sogni-client`` Python SDK (its ``version``
and origin are in ``data/catalog.json``), and ``data/catalog.json`` holds the names a durable
workflow step may use (Sogni's ``backboneToolCatalog``), the synchronous composition tools, the
conversation-control tools, the tools whose result is a 3D model, and which tools each
``sogni_tools`` value injects, each list with the source and commit it was copied from.
Nothing is loaded until :func:`catalog` is first called.

How the auto-tool loop runs a hosted tool, by :attr:`HostedTool.execution`:

- ``"workflow"``: a one-step ``POST creative-agent/workflows`` (generation, edits, analysis,
  asset tools, the original-image utilities ``remove_background``, ``segment_image`` and
  ``image_to_3d``: every name on Sogni's workflow-step allow-list);
- ``"execute"``: one ``POST creative-agent/tools/execute`` (composition tools);
- ``"control"``: not run; the loop ends and hands the question or answer to the caller
  (``ask_clarifying_question``, ``finalize_response``);
- ``"server"``: in the manifest but on neither the workflow allow-list nor the composition
  list (none in the shipped data): only Sogni's server-side execution
  (``sogni_tool_execution=True``) could run it, so the loop never sends it anywhere and tells
  the model so.

:attr:`HostedTool.result_kind` is ``"model"`` for a tool whose result is a 3D model (a binary
GLB, media type ``model``): the loop keeps it in a lane of its own, never among the images.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any, Literal

import attrs

__all__ = [
    "Execution",
    "Family",
    "HostedTool",
    "HostedToolCatalog",
    "MediaParameter",
    "ResultKind",
    "catalog",
]

#: How a hosted tool runs; see the module's documentation.
Execution = Literal["workflow", "execute", "control", "server"]
#: ``generation`` (media made or edited), ``app`` (analysis and asset tools run as workflow
#: steps), ``composition``, ``control``, or ``manifest`` (described, not runnable as a step).
Family = Literal["generation", "app", "composition", "control", "manifest"]
#: The media an index argument may name: a lane of the media context.
MediaKind = Literal["image", "video", "audio"]
#: What a tool's result may be: media of a lane, or a 3D ``model`` (kept apart, never indexed).
ResultKind = Literal["image", "video", "audio", "model"]

#: An argument naming media by position: ``sourceImageIndex``, ``videoIndices``, ...
_INDEX_NAME = re.compile(r"(?i)^[a-z_]*?(image|video|audio|voice)[a-z_]*?(index|indices)$")


@attrs.frozen
class MediaParameter:
    """An argument that addresses media by index, as the manifest describes it.

    ``kind`` is the media it selects. ``many`` is true for a list of indices. ``uploads_only``
    marks the few arguments numbered 0, 1, ... over uploads only (``video_to_video``'s
    ``videoSourceIndex``); every other one follows Sogni's common rule: negative indices are
    uploads (-1 the first), non-negative ones results. ``omit_means_latest``: the manifest says
    an omitted value selects the latest result. All of it is read from the manifest's words.
    """

    name: str
    kind: MediaKind
    many: bool = False
    uploads_only: bool = False
    omit_means_latest: bool = False
    #: -1 selects the most recent result (else the first upload), as a few video tools say.
    minus_one_latest: bool = False
    #: The argument matters only when this other argument is given ("Only relevant when ...").
    relevant_when: str | None = None


@attrs.frozen
class HostedTool:
    """One hosted tool: its ``name``, ``family``, ``execution`` and manifest ``definition``.

    ``definition`` is the OpenAI function tool from Sogni's manifest, or ``None`` for a tool the
    manifest does not describe (Sogni injects the analysis and control tools itself).
    """

    name: str
    family: Family
    execution: Execution
    definition: Mapping[str, Any] | None = attrs.field(default=None, repr=False)
    #: The arguments of this tool that address media by index, from its manifest schema.
    media_parameters: tuple[MediaParameter, ...] = attrs.field(default=(), repr=False)
    #: ``"model"`` when the tool's result is a 3D model (GLB), else ``None`` (its artifacts say).
    result_kind: ResultKind | None = None
    #: Sogni runs it only as a workflow step (or in hosted chat), never by ``tools/execute``.
    workflow_only: bool = False


def media_kind_of_argument(name: str) -> MediaKind | None:
    """The media an index argument named ``name`` selects, or ``None`` if it is no index."""
    match = _INDEX_NAME.match(name)
    if match is None:
        return None
    word = match.group(1).lower()
    return "image" if word == "image" else "video" if word == "video" else "audio"


def _media_parameters(definition: Mapping[str, Any] | None) -> tuple[MediaParameter, ...]:
    if definition is None:
        return ()
    properties = definition.get("parameters", {}).get("properties", {})
    found = []
    for name, schema in properties.items():
        kind = media_kind_of_argument(name)
        if kind is None or not isinstance(schema, Mapping):
            continue
        text = str(schema.get("description", ""))
        head = text[:200]
        minus_one = bool(re.search(r"-1 \(most recent|-1 = most recent", text))
        condition = re.search(r"Only relevant when (\w+) is set", text)
        found.append(
            MediaParameter(
                name=name,
                kind=kind,
                many=name.lower().endswith("indices"),
                uploads_only=bool(
                    re.search(r"0-based", head)
                    and re.search(r"(?i)upload", head)
                    and not re.search(r"(?i)generated|result|negative", head)
                ),
                omit_means_latest=minus_one
                or bool(
                    re.search(r"(?i)\bomit", text) and re.search(r"(?i)latest|most recent", text)
                ),
                minus_one_latest=minus_one,
                relevant_when=condition.group(1) if condition else None,
            )
        )
    return tuple(found)


@attrs.frozen
class HostedToolCatalog:
    """The shipped catalogue: look tools up by name with :meth:`get`.

    ``version`` is the manifest's version (e.g. ``"2026-08-24.1"``) and ``source`` where the
    copy came from; ``max_workflow_steps`` is the most steps Sogni accepts in one workflow.
    """

    version: str
    source: str
    max_workflow_steps: int
    tools: Mapping[str, HostedTool]
    #: ``sogni_tools`` value -> the names injected (``creative-tools``, ``creative-agent``).
    surfaces: Mapping[str, frozenset[str]] = attrs.field(factory=dict, repr=False)

    def get(self, name: str) -> HostedTool | None:
        """The tool called ``name``, or ``None`` when Sogni does not host one by that name."""
        return self.tools.get(name)

    def __getitem__(self, name: str) -> HostedTool:
        """The tool called ``name``; ``KeyError`` when Sogni does not host one by that name."""
        return self.tools[name]

    def __contains__(self, name: object) -> bool:
        return name in self.tools

    def definitions(self) -> list[dict[str, Any]]:
        """The manifest's tool definitions (OpenAI function tools), in manifest order."""
        return [dict(tool.definition) for tool in self.tools.values() if tool.definition]

    def names(self, execution: Execution | None = None) -> frozenset[str]:
        """Every hosted tool name, or those that run the way ``execution`` says."""
        return frozenset(
            name
            for name, tool in self.tools.items()
            if execution is None or tool.execution == execution
        )

    def injected(self, sogni_tools: object) -> frozenset[str]:
        """The tools Sogni's chat endpoint injects for a wire ``sogni_tools`` value.

        ``True``, ``"creative-tools"`` (and ``"rich"``): generation, analysis and the
        synchronous composition tools; ``"creative-agent"`` adds the control, asset-manifest
        and workflow-planning tools; ``False``, ``"none"`` or ``None``: none.
        """
        if sogni_tools is None or sogni_tools is False or sogni_tools == "none":
            return frozenset()
        if sogni_tools == "creative-agent":
            return self.surfaces["creative-agent"]
        return self.surfaces["creative-tools"]


def _read(name: str) -> Any:
    return json.loads(resources.files("sogni_compat").joinpath("data").joinpath(name).read_bytes())


@functools.cache
def catalog() -> HostedToolCatalog:
    """The hosted-tool catalogue shipped with this package (read once, on first use)."""
    about = _read("catalog.json")
    manifest = _read(about["manifest"]["file"])
    definitions = {
        tool["function"]["name"]: tool["function"]
        for tool in manifest["tools"]
        if isinstance(tool, Mapping) and isinstance(tool.get("function"), Mapping)
    }
    steps = about["workflow_steps"]
    control = set(about["loop_control"]["tools"])
    kinds: dict[str, tuple[Family, Execution]] = {}
    for name in steps["generation"]:
        kinds[name] = ("generation", "workflow")
    for name in steps["hosted_app"]:
        kinds[name] = ("control", "control") if name in control else ("app", "workflow")
    for name in about["composition"]["tools"]:
        kinds[name] = ("composition", "execute")
    models = frozenset(about["media_types"]["model"])
    only_steps = frozenset(about["workflow_only"]["tools"])
    tools = {
        name: HostedTool(
            name,
            *kinds.get(name, ("manifest", "server")),
            definition=definition,
            media_parameters=_media_parameters(definition),
            result_kind="model" if name in models else None,
            workflow_only=name in only_steps,
        )
        for name, definition in definitions.items()
    }
    for name, (family, execution) in kinds.items():
        if name not in tools:
            tools[name] = HostedTool(
                name,
                family,
                execution,
                result_kind="model" if name in models else None,
                workflow_only=name in only_steps,
            )
    surfaces = about["sogni_tools"]
    basic = frozenset(surfaces["creative-tools"]) | frozenset(surfaces["creative-tools_utilities"])
    return HostedToolCatalog(
        version=str(manifest.get("version", about["manifest"]["version"])),
        source=about["manifest"]["package"],
        max_workflow_steps=int(steps["max_steps"]),
        tools=tools,
        surfaces={
            "creative-tools": basic,
            "creative-agent": basic | frozenset(surfaces["creative-agent_adds"]),
        },
    )
