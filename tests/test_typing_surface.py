"""What type checkers and help() show of create(): every keyword, documented."""

from __future__ import annotations

import pydoc
import re

from sogni_compat import OpenAI
from sogni_compat.types.create_params import CompletionCreateParams


def test_help_lists_every_keyword() -> None:
    """help(client.chat.completions.create) names every keyword the typed signature has."""
    create = OpenAI(api_key="k").chat.completions.create
    text = pydoc.render_doc(create, renderer=pydoc.TextDoc())
    named = set(re.findall(r"``(\w+)``", text))
    missing = [key for key in CompletionCreateParams.__annotations__ if key not in named]
    assert missing == []
