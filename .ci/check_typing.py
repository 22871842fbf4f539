"""Check a user's project with mypy and pyright: clean files clean, planted mistakes reported.

Usage, from the project directory (the package installed there, its mypy configuration in
``pyproject.toml``)::

    python check_typing.py --clean typed_usage.py --mistakes typing_mistakes.py

Each ``--clean`` file must pass both checkers with no error. In each ``--mistakes`` file, every
line marked ``# mistake:`` must be reported by both checkers, mypy in at most
:data:`MAX_MYPY_LINES` lines of output per mistake, and no other line may be: any error the
list does not expect fails the check. Prints what each checker said, and the size of mypy's
report, then exits non-zero on any difference.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tokenize
from pathlib import Path

#: The most lines of mypy output (errors and notes) one planted mistake may take.
MAX_MYPY_LINES = 3
_MARK = re.compile(r"#\s*mistake:")
_MYPY_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<kind>error|note): (?P<text>.*)$")


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a checker; its exit status is judged from its output, not here."""
    return subprocess.run(command, capture_output=True, text=True, check=False)


def mypy(files: list[str]) -> dict[tuple[str, int], list[str]]:
    """The lines mypy writes (errors and notes) by (file, line), with the project's config."""
    done = run([sys.executable, "-m", "mypy", "--strict", *files])
    found: dict[tuple[str, int], list[str]] = {}
    for text in done.stdout.splitlines():
        match = _MYPY_LINE.match(text)
        if match is not None:
            key = (Path(match["file"]).name, int(match["line"]))
            found.setdefault(key, []).append(text)
        elif text and not text.startswith(("Found ", "Success: ")):
            raise SystemExit(f"mypy said something unexpected:\n{done.stdout}{done.stderr}")
    if done.returncode not in (0, 1):
        raise SystemExit(f"mypy failed to run:\n{done.stdout}{done.stderr}")
    return found


def pyright(files: list[str]) -> dict[tuple[str, int], list[str]]:
    """The errors pyright reports, by (file, line)."""
    done = run([sys.executable, "-m", "pyright", "--outputjson", *files])
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"pyright failed to run:\n{done.stdout}{done.stderr}") from None
    found: dict[tuple[str, int], list[str]] = {}
    for diagnostic in report["generalDiagnostics"]:
        if diagnostic["severity"] != "error":
            continue
        line = diagnostic["range"]["start"]["line"] + 1
        key = (Path(diagnostic["file"]).name, line)
        found.setdefault(key, []).append(f"{key[0]}:{line}: {diagnostic['message']}")
    return found


def expected(path: Path) -> set[tuple[str, int]]:
    """The lines of ``path`` with a ``# mistake:`` comment (not the words in a string)."""
    with path.open(encoding="utf-8") as source:
        tokens = list(tokenize.generate_tokens(source.readline))
    return {
        (path.name, token.start[0])
        for token in tokens
        if token.type == tokenize.COMMENT and _MARK.match(token.string)
    }


def compare(
    checker: str, found: dict[tuple[str, int], list[str]], wanted: set[tuple[str, int]]
) -> list[str]:
    """What ``checker`` got wrong: missed mistakes and errors nobody planted."""
    problems = [f"{checker} missed {file}:{line}" for file, line in sorted(wanted - set(found))]
    for key in sorted(set(found) - wanted):
        problems.append(f"{checker} reported an unexpected error:\n  " + "\n  ".join(found[key]))
    return problems


def main() -> None:
    """Check the files; print the reports and what differs; exit 1 on a difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="append", default=[], type=Path)
    parser.add_argument("--mistakes", action="append", default=[], type=Path)
    args = parser.parse_args()
    files = [str(path) for path in (*args.clean, *args.mistakes)]
    wanted: set[tuple[str, int]] = set()
    for path in args.mistakes:
        marked = expected(path)
        if not marked:
            raise SystemExit(f"{path} marks no mistake")
        wanted |= marked
    problems: list[str] = []
    by_mypy = mypy(files)
    by_pyright = pyright(files)
    for checker, found in (("mypy", by_mypy), ("pyright", by_pyright)):
        print(f"== {checker}: {sum(map(len, found.values()))} lines on {len(found)} source lines")
        for key in sorted(found):
            print("\n".join(found[key]))
        problems += compare(checker, found, wanted)
    for key in sorted(wanted & set(by_mypy)):
        if len(by_mypy[key]) > MAX_MYPY_LINES:
            problems.append(f"mypy took {len(by_mypy[key])} lines for {key[0]}:{key[1]}")
    size = sum(len(text) + 1 for lines in by_mypy.values() for text in lines)
    print(f"== mypy's report: {size:,} bytes for {len(wanted)} planted mistakes")
    if problems:
        print("\n".join(["", "FAILED:", *problems]))
        raise SystemExit(1)
    print("== every planted mistake reported by both checkers, and nothing else")


if __name__ == "__main__":
    main()
