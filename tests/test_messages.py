"""Error messages name a call as the caller wrote it: ``workflows.list()``, one style."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sogni_compat import OpenAI
from sogni_compat.testing import LocalSogniServer

MESSAGES = [{"role": "user", "content": "Hi"}]

#: A call with a keyword its method does not take, and how the message must name the method.
CALLS: dict[str, tuple[Callable[[Any], Any], str]] = {  # Any: the calls are wrong on purpose
    "python-bound": (lambda c: c.workflows.list(limt=5), "workflows.list"),
    "python-bound-positional": (lambda c: c.workflows.retrieve("a", "b"), "workflows.retrieve"),
    "own-check": (lambda c: c.workflows.create(stepz=[]), "workflows.create"),
    "templates": (
        lambda c: c.workflows.templates.list(visibilty="own"),
        "workflows.templates.list",
    ),
    "templates-own": (
        lambda c: c.workflows.templates.create(nmae="x"),
        "workflows.templates.create",
    ),
    "runs": (lambda c: c.chat.runs.wait("r", on_evnt=print), "chat.runs.wait"),
    "runs-own": (
        lambda c: c.chat.runs.create(messages=MESSAGES, sesion_id="s"),
        "chat.runs.create",
    ),
    "images": (lambda c: c.images.generate(prompt="x", sizes="1x1"), "images.generate"),
    "estimate": (
        lambda c: c.chat.completions.estimate_cost(messages=MESSAGES, temprature=1),
        "chat.completions.estimate_cost",
    ),
    "create": (
        lambda c: c.chat.completions.create(messages=MESSAGES, temprature=1),
        "chat.completions.create",
    ),
}


@pytest.fixture(scope="module")
def client() -> Iterator[OpenAI]:
    """A client of an emulator that should never be reached."""
    with LocalSogniServer() as server, server.client() as made:
        yield made
        assert server.requests == []


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_wrong_keyword_names_the_method_as_called(client: OpenAI, name: str) -> None:
    """Python's own binding errors and the package's checks use the same ``ns.method()`` form."""
    call, shown = CALLS[name]
    with pytest.raises(TypeError) as caught:
        call(client)
    message = str(caught.value)
    assert message.startswith(f"{shown}() "), message
    assert not re.match(r"[A-Z]\w*\.\w+\(\)", message)  # never Workflows.list()


def test_an_error_inside_a_method_is_not_reworded(client: OpenAI) -> None:
    """A TypeError the method raises itself keeps its words (only binding errors are renamed)."""
    with pytest.raises(TypeError, match=r"^workflow_id must be a string; got int"):
        client.workflows.retrieve(5)  # type: ignore[arg-type]
