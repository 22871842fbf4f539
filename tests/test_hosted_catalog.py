"""The shipped hosted-tool catalogue: Sogni's data, read as published, and nothing typed in."""

from __future__ import annotations

import ast
import hashlib
import json
from importlib import resources
from pathlib import Path

import pytest

import sogni_compat
from sogni_compat.hosted_tools import catalog, media_kind_of_argument

PACKAGE = Path(sogni_compat.__file__).parent
DATA = resources.files("sogni_compat").joinpath("data")


def test_manifest_is_the_published_copy() -> None:
    """The shipped manifest is byte for byte the copy catalog.json describes, version shown."""
    about = json.loads(DATA.joinpath("catalog.json").read_bytes())
    raw = DATA.joinpath("hosted_tools.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == about["manifest"]["sha256"]
    manifest = json.loads(raw)
    assert manifest["version"] == about["manifest"]["version"] == catalog().version
    assert "ISC" in DATA.joinpath("hosted_tools.LICENSE").read_text(encoding="utf-8")
    assert catalog().definitions() == [tool["function"] for tool in manifest["tools"]]


@pytest.mark.parametrize(
    ("name", "family", "execution"),
    [
        ("generate_image", "generation", "workflow"),
        ("animate_photo", "generation", "workflow"),
        ("analyze_image", "app", "workflow"),
        ("extract_metadata", "app", "workflow"),
        ("enhance_prompt", "composition", "execute"),
        ("ask_clarifying_question", "control", "control"),
        ("finalize_response", "control", "control"),
        ("image_to_3d", "manifest", "server"),
        ("remove_background", "manifest", "server"),
        ("segment_image", "manifest", "server"),
    ],
)
def test_every_family_has_an_execution(name: str, family: str, execution: str) -> None:
    """Each tool Sogni may inject says how the loop runs it."""
    tool = catalog().get(name)
    assert tool is not None
    assert (tool.family, tool.execution) == (family, execution)


def test_workflow_steps_are_exactly_the_allow_list() -> None:
    """Only names on Sogni's workflow-step allow-list ever run as workflow steps."""
    about = json.loads(DATA.joinpath("catalog.json").read_bytes())
    steps = about["workflow_steps"]
    allowed = set(steps["generation"]) | set(steps["hosted_app"]) - set(
        about["loop_control"]["tools"]
    )
    assert catalog().names("workflow") == allowed
    assert catalog().get("not_a_tool") is None
    assert "not_a_tool" not in catalog()


def test_no_hosted_tool_names_are_typed_into_the_client() -> None:
    """No string in the client's code is a hosted tool's name: the data decides.

    The one exception is client.images, which by definition runs generate_image and edit_image.
    """
    names = catalog().names()
    found = []
    for path in PACKAGE.rglob("*.py"):
        if "testing" in path.parts or path.name == "images.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.name}:{node.lineno} {node.value}")
    assert found == []


@pytest.mark.parametrize("module", ["_server.py", "_hosted.py", "_model.py"])
def test_emulator_imports_no_client_code(module: str) -> None:
    """The emulator's modules import nothing of the client at module level."""
    tree = ast.parse((PACKAGE / "testing" / module).read_text(encoding="utf-8"))
    imported = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (
            node.level > 1 or "sogni_compat" in (node.module or "")
        ):
            imported.append(node.module)
        if isinstance(node, ast.Import):
            imported += [a.name for a in node.names if a.name.startswith("sogni_compat")]
    assert imported == []


@pytest.mark.parametrize(
    ("argument", "kind"),
    [
        ("sourceImageIndex", "image"),
        ("referenceImageIndices", "image"),
        ("videoIndices", "video"),
        ("sourceVideoIndex", "video"),
        ("audioIndex", "audio"),
        ("voiceSourceIndex", "audio"),
        ("prompt", None),
        ("index", None),
    ],
)
def test_index_arguments_by_name(argument: str, kind: str | None) -> None:
    """Index arguments are recognised by name, with the media kind they select."""
    assert media_kind_of_argument(argument) == kind


def test_index_numbering_read_from_the_manifest() -> None:
    """The manifest's own words decide uploads-only numbering and "omit = latest"."""
    video_to_video = {p.name: p for p in catalog().tools["video_to_video"].media_parameters}
    assert video_to_video["videoSourceIndex"].uploads_only is True
    assert video_to_video["sourceImageIndex"].uploads_only is False
    animate = {p.name: p for p in catalog().tools["animate_photo"].media_parameters}
    assert animate["sourceImageIndex"].omit_means_latest is True
    assert animate["endImageIndex"].omit_means_latest is False
    assert animate["sourceImageIndices"].many is True
