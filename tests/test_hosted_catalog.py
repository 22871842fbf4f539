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
        ("image_to_3d", "generation", "workflow"),
        ("remove_background", "generation", "workflow"),
        ("segment_image", "generation", "workflow"),
        ("generate_speech", "generation", "workflow"),
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


def test_the_catalogue_records_where_every_list_comes_from() -> None:
    """Each list names the repository, file and commit it was copied from (and new names why)."""
    about = json.loads(DATA.joinpath("catalog.json").read_bytes())
    for section in ("workflow_steps", "workflow_only", "media_types", "sogni_tools"):
        assert about[section]["repository"].startswith("https://github.com/Sogni-AI/")
        assert len(about[section]["commit"]) == 40
        assert about[section]["path"]
    steps = about["workflow_steps"]
    assert steps["version"] == "4.2.0"
    added = {"image_to_3d", "remove_background", "segment_image"}
    assert added <= set(steps["generation"])
    assert added <= set(steps["history"])


def test_original_image_utilities_are_workflow_steps_only() -> None:
    """The utilities and speech run as workflow steps, never through tools/execute."""
    tools = catalog()
    only = {name for name, tool in tools.tools.items() if tool.workflow_only}
    assert only == {"image_to_3d", "remove_background", "segment_image", "generate_speech"}
    assert only <= tools.names("workflow")
    assert not only & tools.names("execute")
    assert tools.names("server") == frozenset()  # every manifest tool runs somewhere now


def test_only_image_to_3d_makes_a_model() -> None:
    """The 3D model lane is read from the data: image_to_3d's result is a model, no other's."""
    makers = {name for name, tool in catalog().tools.items() if tool.result_kind == "model"}
    assert makers == {"image_to_3d"}


@pytest.mark.parametrize(
    ("sogni_tools", "present", "absent"),
    [
        (True, {"generate_image", "analyze_image", "enhance_prompt", "image_to_3d"}, set()),
        (
            "creative-tools",
            {"generate_speech", "extract_metadata", "compose_script"},
            {"compose_workflow", "compose_workflow_template", "create_asset_manifest"},
        ),
        (
            "creative-agent",
            {"compose_workflow", "compose_workflow_template", "ask_clarifying_question"},
            set(),
        ),
        (False, set(), {"generate_image"}),
        ("none", set(), {"generate_image"}),
    ],
)
def test_injected_surfaces(sogni_tools: object, present: set[str], absent: set[str]) -> None:
    """creative-tools injects generation, analysis and composition; the planners need agent."""
    injected = catalog().injected(sogni_tools)
    assert present <= injected
    assert not absent & injected
    if sogni_tools in (True, "creative-tools"):
        assert not {"finalize_response", "label_asset", "compose_workflow"} & injected


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


@pytest.mark.parametrize(
    "module",
    [
        "_server.py",
        "_hosted.py",
        "_model.py",
        "_bindings.py",
        "_templates.py",
        "_routes_templates.py",
        "_routes_workflows.py",
        "_runs.py",
    ],
)
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


def test_tool_choice_may_name_only_an_injected_hosted_tool() -> None:
    """compose_workflow comes only with creative-agent: forcing it otherwise is refused."""
    from sogni_compat import OpenAI

    client = OpenAI(api_key="sk-test-1234567890abcdef", base_url="http://127.0.0.1:9/v1")
    choice = {"type": "function", "function": {"name": "compose_workflow"}}
    messages = [{"role": "user", "content": "plan it"}]
    with pytest.raises(ValueError, match="not in tools"):
        client.chat.completions.create(messages=messages, sogni_tools=True, tool_choice=choice)
    with pytest.raises(ValueError, match="not in tools"):
        client.chat.completions.create(
            messages=messages, sogni_tools="creative-tools", tool_choice=choice
        )
    from sogni_compat.testing import LocalSogniServer

    with LocalSogniServer() as server, server.client() as agent:
        answer = agent.chat.completions.create(
            messages=messages,
            sogni_tools="creative-agent",
            sogni_tool_execution=False,
            tool_choice=choice,
        )
    assert answer.choices[0].message.tool_calls is not None
    assert answer.choices[0].message.tool_calls[0].function.name == "compose_workflow"
