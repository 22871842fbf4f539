"""Jupyter helpers: answers rendered as Markdown, and streams shown live in one output cell.

``ChatCompletion`` and ``Response`` objects render themselves in a notebook
(``_repr_markdown_``): the answer as Markdown, then tool calls, media produced by Sogni's tools
(images inline, other media as links) and token usage. :func:`show` draws a stream as it
arrives and returns the final completion; what it draws carries a plain-text version too (for
a notebook viewed as text, or exported), never an object's repr. Outside a Jupyter kernel (a
script, a terminal, IPython merely installed) :func:`show` prints plain text instead, the stream
as it arrives.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from .types.chat import completion_markdown, completion_text

if TYPE_CHECKING:
    from .types import ChatCompletion


class _Streamed(Protocol):
    """What :func:`show` reads of a chat stream (``sogni_compat.Stream`` has both)."""

    def accumulate(self) -> Iterator[Any]:
        """The chunks, as they arrive."""
        ...

    def get_final_completion(self) -> ChatCompletion:
        """The whole completion, once the stream is read."""
        ...


__all__ = ["completion_markdown", "completion_text", "show"]


def show(answer: _Streamed | ChatCompletion, *, refresh: float = 0.1) -> ChatCompletion:
    """Render ``answer`` in the current output cell and return the whole completion.

    A :class:`Stream` (not read yet) is drawn as it arrives, redrawn at most every ``refresh``
    seconds, then replaced by the final rendering; a ``ChatCompletion`` is drawn at once.
    """
    from .types import ChatCompletion  # noqa: PLC0415 - keeps import sogni_compat light

    if not isinstance(answer, ChatCompletion) and not callable(getattr(answer, "accumulate", None)):
        raise TypeError(
            f"show() takes a chat completion or a chat Stream; got {type(answer).__name__}"
        )
    if not _in_notebook():
        return _print_instead(answer)
    from IPython.display import display  # noqa: PLC0415 - only in a notebook

    if isinstance(answer, ChatCompletion):
        display(_bundle(completion_markdown(answer), completion_text(answer)), raw=True)
        return answer
    handle = display(_bundle("", ""), raw=True, display_id=True)
    text: list[str] = []
    drawn = time.monotonic()
    for chunk in answer.accumulate():
        text.extend(_pieces([chunk]))
        now = time.monotonic()
        if now - drawn >= refresh:
            so_far = "".join(text)
            handle.update(_bundle(so_far, so_far), raw=True)
            drawn = now
    final = answer.get_final_completion()
    handle.update(_bundle(completion_markdown(final), completion_text(final)), raw=True)
    return final


def _bundle(markdown: str, text: str) -> dict[str, str]:
    """What a cell shows: Markdown, and the same as plain text for viewers without Markdown."""
    return {"text/markdown": markdown, "text/plain": text}


def _in_notebook() -> bool:
    """Whether a Jupyter kernel runs this code (IPython merely installed is not enough).

    A plain script or a terminal IPython shows Markdown objects as their repr, so those print.
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False  # never imported: not a notebook, and importing it costs time
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def _pieces(chunks: Iterable[Any]) -> Iterable[str]:
    for chunk in chunks:
        for choice in chunk.choices:
            if choice.index == 0 and choice.delta.content:
                yield choice.delta.content


def _print_instead(answer: _Streamed | ChatCompletion) -> ChatCompletion:
    """Without IPython: print the text as it arrives."""
    from .types import ChatCompletion  # noqa: PLC0415

    if isinstance(answer, ChatCompletion):
        print(completion_text(answer))
        return answer
    for piece in _pieces(answer.accumulate()):
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")
    return answer.get_final_completion()
