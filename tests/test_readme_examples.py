"""Every Python example in the README and the docs runs as written, offline.

A broken example fails the tests.

Each block runs on its own (nothing carries over from the block before) in a fresh working
directory, with ``SOGNI_BASE_URL``/``SOGNI_API_KEY`` and ``OPENAI_BASE_URL``/``OPENAI_API_KEY``
pointing at a ``LocalSogniServer``, as a reader trying the examples offline would set them, and
may reach loopback addresses only (an example whose framework phones home fails). A block
that defines ``test_*`` functions (a pytest example) has them called too. Blocks that import
an optional integration run in the optional groups.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sogni_compat.testing import MODELS, LocalSogniServer

from ._loopback import loopback_only

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs" / "pages").glob("*.md"))]
#: Packages of the optional groups (``integrations``, and ``integrations-openai1`` for the
#: frameworks that need an older openai).
OPTIONAL = (
    "langchain_openai",
    "instructor",
    "outlines",
    "haystack",
    "smolagents",
    "IPython",
    "agents",
    "pydantic_ai",
    "agno",
    "semantic_kernel",
    "langchain",
    "langgraph",
    "autogen_agentchat",
    "autogen_core",
    "autogen_ext",
    "llama_index",
    "atomic_agents",
)
_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.M)


def _blocks() -> list[Any]:
    params = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for match in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M):
            line = text.count("\n", 0, match.start()) + 1
            code = match.group(1)
            optional = any(re.search(rf"^\s*(from|import) {p}\b", code, re.M) for p in OPTIONAL)
            marks = [pytest.mark.optional] if optional else []
            name = document.relative_to(ROOT).as_posix()
            params.append(pytest.param(code, id=f"{name}:{line}", marks=marks))
    return params


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSogniServer]:
    """An emulator that also serves the OpenAI model name the "Before" example uses."""
    with LocalSogniServer(models=(*MODELS, "gpt-4o-mini"), workflow_seconds=0.1) as running:
        yield running


@pytest.mark.parametrize("code", _blocks())
def test_example_runs_offline(
    code: str, server: LocalSogniServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The block runs without an error against the emulator (and loopback only); its tests pass."""
    for package in OPTIONAL:
        if re.search(rf"^\s*(from|import) {package}\b", code, re.M):
            pytest.importorskip(package)  # installed by the optional group, which runs it
    for match in _IMPORT.finditer(code):
        module = match.group(1) or match.group(2)
        if module.split(".")[0] in OPTIONAL:
            # Some frameworks trip pydantic's deprecation warnings on import: theirs, not the
            # example's (warnings are errors here).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                importlib.import_module(module)
    refused = loopback_only(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOGNI_API_KEY", "readme-key")
    monkeypatch.setenv("SOGNI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "readme-key")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    exec(compile(code, "README example", "exec"), namespace)
    for name, value in list(namespace.items()):
        if name.startswith("test_") and callable(value):
            value()
    assert refused == []


def _typed_project(root: Path) -> list[str]:
    """The examples without an optional framework, one file each, in a strict project."""
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.mypy]\nstrict = true\n")
    names = []
    for block in _blocks():
        if block.marks:  # an optional framework's example: its types are the framework's
            continue
        name = re.sub(r"\W", "_", block.id) + ".py"
        (root / name).write_text(block.values[0])
        names.append(name)
    return names


@pytest.mark.optional
@pytest.mark.parametrize("checker", ["mypy", "pyright"])
def test_examples_pass_the_type_checkers(checker: str, tmp_path: Path) -> None:
    """Every example type-checks under mypy --strict and pyright, as a user's script would."""
    pytest.importorskip(checker)
    names = _typed_project(tmp_path / "project")
    command = ["--cache-dir", str(tmp_path / "cache"), *names] if checker == "mypy" else names
    done = subprocess.run(
        [sys.executable, "-m", checker, *command],
        cwd=tmp_path / "project",
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(names) >= 25


def test_documents_have_examples() -> None:
    """The README and docs hold examples to run (a fence change must not silence this test)."""
    names = {p.id.split(":")[0] for p in _blocks()}
    assert "README.md" in names
    assert "docs/pages/tools.md" in names
    assert len(_blocks()) >= 25


OUTPUTS = {
    "from sogni_compat.hosted_tools import catalog": "2026-08-24.1",
    'call generate_image({"prompt": "a cat"}) then': "0 generate_image http://127.0.0.1:",
}


@pytest.mark.parametrize("marker", sorted(OUTPUTS))
def test_example_prints_what_the_readme_says(
    marker: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Examples whose output the README states print it."""
    (code,) = [p.values[0] for p in _blocks() if marker in p.values[0]]
    exec(compile(code, "README example", "exec"), {"__name__": "__readme__"})
    assert capsys.readouterr().out.startswith(OUTPUTS[marker])


def test_readme_links_point_at_files() -> None:
    """Every relative link in the README names a file of the repository."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if "://" not in link]
    assert local
    assert [link for link in local if not (ROOT / link).exists()] == []


def _section(document: Path, title: str) -> tuple[int, str]:
    """The line a ``## title`` section starts on, and its text up to the next section."""
    text = document.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text.count("\n", 0, start) + 2, text[start:end]


def test_limits_are_near_the_top_of_readme_and_overview() -> None:
    """README and the docs overview both say, early and alike, what Sogni does not serve."""
    title = "What Sogni does not serve"
    readme_line, readme = _section(ROOT / "README.md", title)
    index_line, index = _section(ROOT / "docs" / "pages" / "index.md", title)
    assert readme_line < 60
    assert index_line < 80
    for text in (readme, index):
        assert "embeddings" in text
        assert "model_aliases" in text
        assert "integrations.md#code-written-for-the-openai-package" in text

    def bullets(text: str) -> str:
        return text[text.index("\n- ") : text.rindex("\nThe whole openai surface")]

    assert bullets(readme) == bullets(index)
