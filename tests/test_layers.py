"""The package's layers hold: every import points down, and nothing imports in a circle.

Read from the source with ``ast``: top-level imports, those inside functions and those under
``TYPE_CHECKING`` all count. The layers and their rules are drawn in
``docs/pages/architecture.md``; a new module must be given its layer here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sogni_compat"

#: Bottom to top. A module may import its own layer (without a circle) and the layers below.
LAYERS: list[tuple[str, frozenset[str]]] = [
    (
        "leaves",
        frozenset(
            {
                "_awaited",
                "_config",
                "_json",
                "_lazy",
                "_options",
                "_pacing",
                "_secrets",
                "_sse",
                "_version",
                "hosted_tools",
            }
        ),
    ),
    ("vocabulary", frozenset({"types", "types.*"})),
    (
        "boundary",
        frozenset(
            {"_errors", "_requester", "_retry", "_transport", "_wire", "notebook", "progress"}
        ),
    ),
    (
        "translation",
        frozenset(
            {
                "_chunks",
                "_convert",
                "_legacy",
                "_media",
                "_openai_types",
                "_params",
                "_response",
                "_responses_bridge",
                "_structured",
                "_vision",
            }
        ),
    ),
    ("tool jobs", frozenset({"_tools.upload", "_tools.follow"})),
    ("tool results", frozenset({"_tools.report"})),
    ("hosted tools", frozenset({"_tools.hosted"})),
    ("tool executor", frozenset({"_tools.executor"})),
    ("tool loop", frozenset({"_tools", "_tools.loop"})),
    (
        "answers",
        frozenset(
            {
                "_base_client",
                "_chat_stream",
                "_chat_stream_openai",
                "_openai_client",
                "_openai_routes",
                "_responses_stream",
                "_streaming",
            }
        ),
    ),
    ("namespaces", frozenset({"resources", "resources.*"})),
    ("client", frozenset({"_client"})),
    (
        "fronts",
        frozenset(
            {
                "",
                "__main__",
                "_cli",
                "_cli_save",
                "_module_client",
                "mypy_plugin",
                "testing",
                "testing.*",
            }
        ),
    ),
]

#: Modules that may import the client module (and no other does, not even for a type hint).
FRONTS = frozenset({"", "_module_client", "_cli", "testing._server"})
#: Display imports only the response types and the leaves: streams call display, not back.
DISPLAY = frozenset({"notebook", "progress"})


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module of the package that ``name`` imports, wherever the import statement is."""
    found: set[str] = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    if name == "":
        package = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [
                alias.name.removeprefix("sogni_compat").lstrip(".")
                for alias in node.names
                if alias.name.split(".")[0] == "sogni_compat"
            ]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            elif node.module and node.module.split(".")[0] == "sogni_compat":
                module = node.module.removeprefix("sogni_compat").lstrip(".")
            else:
                continue
            for alias in node.names:
                child = f"{module}.{alias.name}" if module else alias.name
                targets.append(child if child in known else module)
        for target in targets:
            module = target
            while module not in known and "." in module:
                module = module.rsplit(".", 1)[0]
            if module in known and module != name:
                found.add(module)
    return found


def _layer_of(name: str) -> int:
    for number, (_, members) in enumerate(LAYERS):
        for member in members:
            if name == member or (member.endswith(".*") and name.startswith(member[:-1])):
                return number
    raise AssertionError(f"sogni_compat.{name} has no layer: add it to LAYERS in {__file__}")


GRAPH = {name: _imports(name, path, set(_modules())) for name, path in sorted(_modules().items())}


def _label(name: str) -> str:
    return f"sogni_compat.{name}" if name else "sogni_compat"


def test_every_module_has_a_layer() -> None:
    """Each module of the package is placed in exactly one layer."""
    for name in GRAPH:
        matches = [
            label
            for label, members in LAYERS
            if any(name == m or (m.endswith(".*") and name.startswith(m[:-1])) for m in members)
        ]
        assert len(matches) == 1, f"{_label(name)} is in layers {matches}"


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_imports_point_down(name: str) -> None:
    """A module imports only modules of its own layer or of the layers below it."""
    own = _layer_of(name)
    upward = sorted(
        f"{_label(target)} ({LAYERS[_layer_of(target)][0]})"
        for target in GRAPH[name]
        if _layer_of(target) > own
    )
    assert not upward, f"{_label(name)} ({LAYERS[own][0]}) imports up a layer: {upward}"


def _circles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                circles.append(sorted(members))

    for node in GRAPH:
        if node not in index:
            visit(node)
    return circles


def test_no_import_circle_but_within_the_data_model() -> None:
    """No modules import each other in a circle, except response types that refer to each other."""
    for circle in _circles():
        assert all(name.startswith("types.") for name in circle), (
            f"an import circle: {[_label(name) for name in circle]}"
        )


def test_only_the_fronts_import_the_client() -> None:
    """The client module is imported by the package's fronts only (lower code names Requester)."""
    importers = sorted(name for name, targets in GRAPH.items() if "_client" in targets)
    assert set(importers) <= FRONTS, f"modules below the client import it: {importers}"


def test_only_the_client_composes_the_namespaces() -> None:
    """Outside resources/, only the client imports a resource module; the request path too."""
    for name, targets in GRAPH.items():
        if name.startswith("resources") or name in FRONTS or name == "_client":
            continue
        reached = sorted(t for t in targets if t.startswith("resources") or t == "_base_client")
        assert not reached, f"{_label(name)} imports {reached}"


def test_display_knows_only_the_types() -> None:
    """Display (notebook, progress) imports only response types, itself and the leaves."""
    leaves = LAYERS[0][1]
    for name in DISPLAY:
        others = sorted(
            t
            for t in GRAPH[name]
            if not (t == "types" or t.startswith("types.") or t in leaves or t in DISPLAY)
        )
        assert not others, f"{_label(name)} imports {others}"


def test_the_mypy_plugin_imports_nothing_of_the_package() -> None:
    """The mypy plugin imports no module of the package, and no module imports it."""
    assert GRAPH["mypy_plugin"] == set()
    importers = sorted(name for name, targets in GRAPH.items() if "mypy_plugin" in targets)
    assert importers == []


def test_the_emulator_imports_no_client_code() -> None:
    """The emulator (testing/) imports only itself, bar the client type its helper returns."""
    for name, targets in GRAPH.items():
        if not name.startswith("testing"):
            continue
        allowed = {"_client"} if name == "testing._server" else {"_config"}
        foreign = sorted(t for t in targets if not t.startswith("testing") and t not in allowed)
        assert not foreign, f"{_label(name)} imports client code: {foreign}"


def test_no_module_is_longer_than_one_reader_holds() -> None:
    """Every module of the package has at most 800 lines."""
    long = {
        _label(name): n
        for name, path in _modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 800
    }
    assert not long, f"modules over 800 lines: {long}"


def test_the_reader_sees_the_imports_it_is_told_about() -> None:
    """The import reader finds top-level, function-level and TYPE_CHECKING imports alike."""
    graph = GRAPH
    assert "_options" in graph["_base_client"]  # top level
    assert "_tools.loop" in graph["resources.chat"]  # inside a function
    assert "_requester" in graph["resources._base"]  # under TYPE_CHECKING only


def test_architecture_page_names_every_namespace_module_and_the_data() -> None:
    """docs/pages/architecture.md places each resources/ module, data/ and the layer test."""
    page = (PACKAGE.parent / "docs" / "pages" / "architecture.md").read_text(encoding="utf-8")
    for path in sorted((PACKAGE / "resources").glob("*.py")):
        if path.name != "__init__.py":
            assert f"`{path.name}`" in page, path.name
    for name in sorted(p.name for p in (PACKAGE / "data").iterdir() if p.suffix == ".json"):
        assert f"`{name}`" in page, name
    for needed in ("`data/`", "`Resource`", "`guarded()`", "`testing/_routes_*.py`", "LAYERS"):
        assert needed in page, needed
