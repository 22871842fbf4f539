"""A user's module declaring response subclasses with dotted annotations (for test_types)."""

from __future__ import annotations

import attrs

from sogni_compat import types
from sogni_compat.types._base import response_type


@response_type
class Dotted(types.ChatCompletion):
    """Fields annotated through a module attribute."""

    msgs: list[types.ChatCompletionMessage] | None = None
    one: types.ChatCompletionMessage | None = None


@attrs.define(kw_only=True)
class PlainSlotted(types.BaseObject):
    """A subclass made with plain (slotted) attrs.define."""

    a: int = 0
    b: str = "x"


@attrs.define(slots=False, kw_only=True)
class PlainCompletion(types.ChatCompletion):
    """A ChatCompletion subclass made with plain attrs.define, not slotted."""

    note: str = "n"
