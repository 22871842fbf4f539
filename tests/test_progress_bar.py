"""The ready progress display: a bar on a terminal, nothing when piped, live HTML in Jupyter."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sogni_compat import ChatCompletionMessageToolCall, OpenAI, ToolProgress
from sogni_compat._cli import main
from sogni_compat.progress import ProgressBar
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types import Function

PROMPT = 'call generate_image({"prompt": "a fox"})'


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        """Always: this stream stands for a terminal."""
        return True


@pytest.fixture
def client() -> Iterator[OpenAI]:
    """A client of a fresh emulator."""
    with LocalSogniServer(workflow_seconds=0.2) as server, server.client() as c:
        yield c


def run(client: OpenAI, display: Any) -> None:
    """One loop with a hosted tool, reporting to ``display``."""
    client.chat.completions.create(
        messages=[{"role": "user", "content": PROMPT}],
        sogni_tools=True,
        auto_execute_tools=True,
        on_tool_progress=display,
    )


def test_terminal_gets_a_bar_redrawn_in_place(client: OpenAI) -> None:
    """On a TTY: carriage-return redraws, a full bar and the URL at the end, one newline."""
    terminal = Terminal()
    run(client, ProgressBar(file=terminal))
    text = terminal.getvalue()
    assert text.startswith("\rgenerate_image   creating")
    assert "[" + "#" * 30 + "] 100%" in text
    assert text.count("\n") == 2  # after the bar, after the URL line
    assert "/media/wf_1/0_0.png\n" in text
    assert "50%" in text


def test_piped_output_gets_nothing(client: OpenAI) -> None:
    """Not a terminal: nothing is drawn (logs stay clean), unless always=True."""
    piped = io.StringIO()
    run(client, ProgressBar(file=piped))
    assert piped.getvalue() == ""
    forced = io.StringIO()
    run(client, ProgressBar(file=forced, always=True))
    assert "completed" in forced.getvalue()


def test_bar_keyword_draws_on_stderr(client: OpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    """on_tool_progress="bar" draws on sys.stderr when it is a terminal."""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    run(client, "bar")
    assert "completed  [" in terminal.getvalue()


def test_other_strings_are_refused_before_sending(client: OpenAI) -> None:
    """A string other than "bar" is a ValueError naming the choices."""
    with pytest.raises(ValueError, match="a function or 'bar'"):
        run(client, "spinner")


def test_line_shape() -> None:
    """A failed tool ends its line; the ETA shows while running; percent is clamped."""
    bar = ProgressBar(width=10)
    call = ChatCompletionMessageToolCall(id="c", function=Function(name="generate_video"))
    running = bar.line(call, ToolProgress(status="processing", percent=150.0, eta_seconds=12.4))
    assert running == "\rgenerate_video   processing [##########] 150% ~12s left   "
    failed = bar.line(call, ToolProgress(status="failed", percent=40.0))
    assert failed == "\rgenerate_video   failed     [####......]  40%\n"


def test_cli_draws_the_bar_when_stderr_is_a_terminal(tmp_path: Path) -> None:
    """The CLI's --sogni-tools draws on a terminal stderr; stdout gets the answer, then files."""
    command = ["chat", "--offline", "--sogni-tools", "--save", str(tmp_path), PROMPT]
    out, err = io.StringIO(), Terminal()
    status = main(command, stdout=out, stderr=err)
    assert status == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Tool results: generate_image")
    assert lines[-1] == str(tmp_path / "image-0.png")
    assert "completed  [" in err.getvalue()
    piped_out, piped_err = io.StringIO(), io.StringIO()
    main(command, stdout=piped_out, stderr=piped_err)
    assert piped_err.getvalue() == ""


@pytest.mark.optional
def test_notebook_gets_a_live_html_bar() -> None:
    """In a Jupyter kernel the bar is one HTML output, updated in place to 100 %."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    cell = (
        "from sogni_compat.testing import LocalSogniServer\n"
        "with LocalSogniServer(workflow_seconds=0.2) as server, server.client() as client:\n"
        "    answer = client.chat.completions.create(\n"
        f"        messages=[{{'role': 'user', 'content': {PROMPT!r}}}],\n"
        "        sogni_tools=True, auto_execute_tools=True, on_tool_progress='bar')\n"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(html) == 1  # one display, updated in place to its last state
    final = html[0]["data"]["text/html"]
    assert 'completed <progress value="100" max="100">' in final
    assert "/media/wf_1/0_0.png</a>" in final
    assert not [o for o in outputs if o.get("name") == "stderr"]
