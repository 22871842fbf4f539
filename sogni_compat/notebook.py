"""Jupyter helpers: answers rendered as Markdown, and streams shown live in one output cell.

``ChatCompletion`` objects render themselves in a notebook (``_repr_markdown_``): the answer as
Markdown, then tool calls, media produced by Sogni's tools (images inline, other media as
links) and token usage. :func:`show` draws a stream as it arrives and returns the final
completion. Outside a Jupyter kernel (a script, a terminal, IPython merely installed) :func:`show`
prints plain text instead, the stream as it arrives.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._streaming import Stream
    from .types import ChatCompletion

__all__ = ["completion_markdown", "completion_text", "show"]

_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".gif")


def _media(completion: ChatCompletion) -> list[tuple[str, str, str | None]]:
    """``(tool, url, kind)`` of every media URL the answer's tools produced."""
    found: list[tuple[str, str, str | None]] = []
    for result in completion.sogni_tool_results or ():
        if isinstance(result, dict):
            urls = result.get("urls") or ([result["url"]] if "url" in result else [])
            kind = result.get("media_type") or result.get("mediaType") or result.get("kind")
            for url in urls if isinstance(urls, list) else ():
                if isinstance(url, str):
                    found.append((str(result.get("tool", "media")), url, kind))
    media = completion.media
    for item in (*media.images, *media.videos, *media.audio):
        found.append((item.tool_name or "media", item.url, item.kind))
    return found


def _media_links(completion: ChatCompletion) -> list[str]:
    """Markdown for every media URL the answer's tools produced."""
    lines = []
    for tool, url, kind in _media(completion):
        is_image = kind == "image" or url.lower().split("?")[0].endswith(_IMAGE_EXTENSIONS)
        lines.append(f"![{tool}]({url})" if is_image else f"[{tool}: {url}]({url})")
    return lines


def completion_markdown(completion: ChatCompletion) -> str:
    """The Markdown a notebook shows for a completion."""
    return _render(completion, markdown=True)


def completion_text(completion: ChatCompletion) -> str:
    """The plain text a terminal shows for a completion (what :func:`show` prints there)."""
    return _render(completion, markdown=False)


def _render(completion: ChatCompletion, *, markdown: bool) -> str:
    blocks: list[str] = []
    several = len(completion.choices) > 1
    for choice in completion.choices:
        message = choice.message
        if several:
            blocks.append(f"**Choice {choice.index}**" if markdown else f"[choice {choice.index}]")
        if message.reasoning_content:
            thinking = message.reasoning_content.strip()
            blocks.append(
                f"<details><summary>Thinking</summary>\n\n{thinking}\n\n</details>"
                if markdown
                else f"Thinking: {thinking}"
            )
        if message.content:
            blocks.append(message.content)
        if message.refusal:
            blocks.append(
                f"*Refused:* {message.refusal}" if markdown else f"Refused: {message.refusal}"
            )
        calls = [
            (call.function.name, call.function.arguments)
            for call in message.tool_calls or ()
            if getattr(call, "function", None) is not None
        ]
        if calls and markdown:
            blocks.append("**Tool calls**\n" + "\n".join(f"- `{n}({a})`" for n, a in calls))
        elif calls:
            blocks.append("Tool calls:\n" + "\n".join(f"  {n}({a})" for n, a in calls))
        if choice.finish_reason == "length":
            cut = "(cut off at the length limit)"
            blocks.append(f"*{cut}*" if markdown else cut)
    if markdown:
        media = _media_links(completion)
        if media:
            blocks.append("\n\n".join(media))
    else:
        blocks.extend(f"{tool}: {url}" for tool, url, _ in _media(completion))
    usage = completion.usage
    footer = [completion.model] if completion.model else []
    if usage is not None:
        footer.append(f"{usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens")
    if footer:
        line = " · ".join(footer)
        blocks.append(f"<sub>{line}</sub>" if markdown else f"({line})")
    return "\n\n".join(blocks)


def show(answer: Stream | ChatCompletion, *, refresh: float = 0.1) -> ChatCompletion:
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
    from IPython.display import Markdown, display  # noqa: PLC0415 - only in a notebook

    if isinstance(answer, ChatCompletion):
        display(Markdown(completion_markdown(answer)))
        return answer
    handle = display(Markdown(""), display_id=True)
    text: list[str] = []
    drawn = time.monotonic()
    for chunk in answer.accumulate():
        text.extend(_pieces([chunk]))
        now = time.monotonic()
        if now - drawn >= refresh:
            handle.update(Markdown("".join(text)))
            drawn = now
    final = answer.get_final_completion()
    handle.update(Markdown(completion_markdown(final)))
    return final


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


def _print_instead(answer: Stream | ChatCompletion) -> ChatCompletion:
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
