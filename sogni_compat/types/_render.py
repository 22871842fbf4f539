"""The pieces of what a notebook (Markdown) or a terminal (text) shows for an answer.

A chat completion (``types/chat.py``) and a Responses ``Response`` (``types/responses.py``)
are drawn from the same pieces, so both look alike: the thinking folded away, the answer, tool
calls, media from Sogni's tools (images inline), then the model and its token counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["calls", "cut_off", "footer", "media", "refusal", "thinking"]

_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".gif")


def thinking(text: str, *, markdown: bool) -> str:
    """The model's thinking: folded away in Markdown, labelled in text."""
    text = text.strip()
    if markdown:
        return f"<details><summary>Thinking</summary>\n\n{text}\n\n</details>"
    return f"Thinking: {text}"


def refusal(text: str, *, markdown: bool) -> str:
    """A refusal, labelled."""
    return f"*Refused:* {text}" if markdown else f"Refused: {text}"


def calls(found: Sequence[tuple[str, str]], *, markdown: bool) -> str:
    """Tool calls as ``name(arguments)``, one a line."""
    if markdown:
        return "**Tool calls**\n" + "\n".join(f"- `{n}({a})`" for n, a in found)
    return "Tool calls:\n" + "\n".join(f"  {n}({a})" for n, a in found)


def cut_off(*, markdown: bool) -> str:
    """The note for an answer cut off at the length limit."""
    note = "(cut off at the length limit)"
    return f"*{note}*" if markdown else note


def media(found: Iterable[tuple[str, str, str | None]], *, markdown: bool) -> list[str]:
    """``(tool, url, kind)`` of each media result: images inline in Markdown, others linked."""
    if not markdown:
        return [f"{tool}: {url}" for tool, url, _ in found]
    lines = []
    for tool, url, kind in found:
        is_image = kind == "image" or url.lower().split("?")[0].endswith(_IMAGE_EXTENSIONS)
        lines.append(f"![{tool}]({url})" if is_image else f"[{tool}: {url}]({url})")
    return ["\n\n".join(lines)] if lines else []


def footer(model: str, usage: str | None, *, markdown: bool) -> list[str]:
    """The model and its token counts, small, when either is known."""
    parts = [part for part in (model, usage) if part]
    if not parts:
        return []
    line = " · ".join(parts)
    return [f"<sub>{line}</sub>" if markdown else f"({line})"]
