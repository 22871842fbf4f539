"""Jupyter helpers: answers rendered as Markdown, and streams shown live in one output cell.

``ChatCompletion`` objects render themselves in a notebook (``_repr_markdown_``): the answer as
Markdown, then tool calls, media produced by Sogni's tools (images inline, other media as
links) and token usage. :func:`show` draws a stream as it arrives and returns the final
completion. IPython is needed only for :func:`show`'s live output; without it the text is
printed as it arrives.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._streaming import Stream
    from .types import ChatCompletion

__all__ = ["completion_markdown", "show"]

_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".gif")


def _media_links(completion: ChatCompletion) -> list[str]:
    """Markdown for every media URL the answer's tools produced."""
    found: list[tuple[str, str, str | None]] = []
    for result in completion.sogni_tool_results or ():
        if isinstance(result, dict):
            urls = result.get("urls") or ([result["url"]] if "url" in result else [])
            kind = result.get("media_type") or result.get("mediaType")
            for url in urls if isinstance(urls, list) else ():
                if isinstance(url, str):
                    found.append((str(result.get("tool", "media")), url, kind))
    media = completion.media
    for item in (*media.images, *media.videos, *media.audio):
        found.append((item.tool_name or "media", item.url, item.kind))
    lines = []
    for tool, url, kind in found:
        is_image = kind == "image" or url.lower().split("?")[0].endswith(_IMAGE_EXTENSIONS)
        lines.append(f"![{tool}]({url})" if is_image else f"[{tool}: {url}]({url})")
    return lines


def completion_markdown(completion: ChatCompletion) -> str:
    """The Markdown a notebook shows for a completion."""
    blocks: list[str] = []
    several = len(completion.choices) > 1
    for choice in completion.choices:
        message = choice.message
        if several:
            blocks.append(f"**Choice {choice.index}**")
        if message.reasoning_content:
            thinking = message.reasoning_content.strip()
            blocks.append(f"<details><summary>Thinking</summary>\n\n{thinking}\n\n</details>")
        if message.content:
            blocks.append(message.content)
        if message.refusal:
            blocks.append(f"*Refused:* {message.refusal}")
        calls = [
            f"- `{call.function.name}({call.function.arguments})`"
            for call in message.tool_calls or ()
            if getattr(call, "function", None) is not None
        ]
        if calls:
            blocks.append("**Tool calls**\n" + "\n".join(calls))
        if choice.finish_reason == "length":
            blocks.append("*(cut off at the length limit)*")
    media = _media_links(completion)
    if media:
        blocks.append("\n\n".join(media))
    usage = completion.usage
    footer = [completion.model] if completion.model else []
    if usage is not None:
        footer.append(f"{usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens")
    if footer:
        blocks.append("<sub>" + " · ".join(footer) + "</sub>")
    return "\n\n".join(blocks)


def show(answer: Stream | ChatCompletion, *, refresh: float = 0.1) -> ChatCompletion:
    """Render ``answer`` in the current output cell and return the whole completion.

    A :class:`Stream` (not read yet) is drawn as it arrives, redrawn at most every ``refresh``
    seconds, then replaced by the final rendering; a ``ChatCompletion`` is drawn at once.
    """
    from .types import ChatCompletion  # noqa: PLC0415 - keeps import sogni_compat light

    try:
        from IPython.display import Markdown, display  # noqa: PLC0415 - optional
    except ImportError:
        return _print_instead(answer)
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


def _pieces(chunks: Iterable[Any]) -> Iterable[str]:
    for chunk in chunks:
        for choice in chunk.choices:
            if choice.index == 0 and choice.delta.content:
                yield choice.delta.content


def _print_instead(answer: Stream | ChatCompletion) -> ChatCompletion:
    """Without IPython: print the text as it arrives."""
    from .types import ChatCompletion  # noqa: PLC0415

    if isinstance(answer, ChatCompletion):
        print(completion_markdown(answer))
        return answer
    for piece in _pieces(answer.accumulate()):
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")
    return answer.get_final_completion()
