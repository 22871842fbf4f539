"""README examples that run offline are executed as written, so a broken one fails the tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)

#: A line that picks out each offline example, and what it prints first.
OFFLINE = {
    "from sogni_compat.hosted_tools import catalog": "2026-08-24.1",
    'call generate_image({"prompt": "a cat"}) then': "0 generate_image http://127.0.0.1:",
}


@pytest.mark.parametrize("marker", sorted(OFFLINE))
def test_readme_example_runs(marker: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The README block holding ``marker`` runs as written and prints what the README says."""
    (block,) = [b for b in BLOCKS if marker in b]
    exec(compile(block, f"README.md example ({marker})", "exec"), {"__name__": "__readme__"})
    assert capsys.readouterr().out.startswith(OFFLINE[marker])
