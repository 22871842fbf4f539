"""A ready progress display for Sogni's hosted tools: ``on_tool_progress="bar"``.

:class:`ProgressBar` draws one line per hosted tool run by the auto-tool loop:

- in a Jupyter kernel, a live-updating HTML progress bar in the cell's output;
- on a terminal (the stream is a TTY), a text bar redrawn in place, ending with the media URLs;
- otherwise (output piped or logged), nothing, so logs and files stay clean.

``on_tool_progress="bar"`` uses one on ``sys.stderr``; pass ``ProgressBar(file=...)`` to choose
the stream, or ``ProgressBar(always=True)`` to draw text even when it is not a terminal.
"""

from __future__ import annotations

import html
import sys
from typing import TYPE_CHECKING, Any, TextIO

from .notebook import _in_notebook

if TYPE_CHECKING:
    from .types import ChatCompletionMessageToolCall, ToolProgress

__all__ = ["ProgressBar", "is_terminal"]

_WIDTH = 30


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` says it is a terminal (a closed or odd stream is not)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # a closed stream
        return False


class ProgressBar:
    """Draws the progress of each hosted tool; an ``on_tool_progress`` callback.

    ``file``: where text goes (default ``sys.stderr``, looked up at each call). ``always``:
    draw text even when ``file`` is not a terminal. ``width``: characters of the text bar.
    """

    def __init__(
        self, *, file: TextIO | None = None, always: bool = False, width: int = _WIDTH
    ) -> None:
        self._file = file
        self._always = always
        self._width = width
        self._handles: dict[str, Any] = {}

    def __call__(self, tool_call: ChatCompletionMessageToolCall, progress: ToolProgress) -> None:
        """Draw ``progress`` of ``tool_call``."""
        if _in_notebook():
            self._notebook(tool_call, progress)
            return
        stream = self._file if self._file is not None else sys.stderr
        if self._always or is_terminal(stream):
            stream.write(self.line(tool_call, progress))
            stream.flush()

    def line(self, tool_call: ChatCompletionMessageToolCall, progress: ToolProgress) -> str:
        """The text drawn for one report: a carriage return and the bar; a newline at the end."""
        name = tool_call.function.name or "tool"
        filled = round(max(0.0, min(100.0, progress.percent)) * self._width / 100)
        bar = "#" * filled + "." * (self._width - filled)
        eta = progress.eta_seconds
        tail = f" ~{eta:.0f}s left" if eta is not None and progress.status != "completed" else ""
        text = f"\r{name:16.16} {progress.status:10} [{bar}] {progress.percent:3.0f}%{tail}"
        if progress.status == "completed":
            urls = " ".join(progress.result_urls)
            return text + (f"\n  {urls}" if urls else "") + "\n"
        if progress.status == "failed":
            return text + "\n"
        return text + "   "  # covers a longer line drawn before

    def _notebook(self, tool_call: ChatCompletionMessageToolCall, progress: ToolProgress) -> None:
        from IPython.display import display  # noqa: PLC0415 - only in a notebook

        name = html.escape(tool_call.function.name or "tool")
        eta = progress.eta_seconds
        note = f" ~{eta:.0f}s left" if eta is not None and progress.status != "completed" else ""
        links = "".join(
            f'<br><a href="{html.escape(url)}" target="_blank">{html.escape(url)}</a>'
            for url in progress.result_urls
        )
        view = {
            "text/html": (
                f"<div><code>{name}</code> {html.escape(progress.status)} "
                f'<progress value="{progress.percent:.0f}" max="100"></progress> '
                f"{progress.percent:.0f}%{html.escape(note)}{links}</div>"
            ),
            # the terminal's bar, for a notebook viewed as text (never an object's repr)
            "text/plain": self.line(tool_call, progress).strip(),
        }
        key = tool_call.id or name
        handle = self._handles.get(key)
        if handle is None:
            self._handles[key] = display(view, raw=True, display_id=True)
        else:
            handle.update(view, raw=True)
