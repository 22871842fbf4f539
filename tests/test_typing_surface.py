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


def _keys(typed: type) -> set[str]:
    return set(typed.__required_keys__) | set(typed.__optional_keys__)  # type: ignore[attr-defined]


def test_typed_keywords_are_the_ones_the_calls_take() -> None:
    """The typed keywords of runs, images and workflows.create are those they take at run time."""
    from sogni_compat._params import ALIASES
    from sogni_compat.resources import runs, workflows
    from sogni_compat.resources._durable import SETTING_ALIASES, SETTING_KEYWORDS
    from sogni_compat.types.create_params import (
        ImageSettingsParams,
        RunCreateParams,
        WorkflowCreateParams,
    )

    chat = runs._CHAT_KEYWORDS
    taken = {*chat, *(camel for camel, name in ALIASES.items() if name in chat)}
    taken |= {*runs._RUN_KEYWORDS, *runs._RUN_ALIASES}
    assert _keys(RunCreateParams) == taken
    settings = {camel for camel, name in SETTING_ALIASES.items() if name in SETTING_KEYWORDS}
    assert _keys(ImageSettingsParams) == {*SETTING_KEYWORDS, *settings, "extra_body"}
    made = set(workflows._CREATE_KEYWORDS)
    spelt = {camel for camel, name in workflows._CREATE_ALIASES.items() if name in made}
    assert _keys(WorkflowCreateParams) == made | spelt
