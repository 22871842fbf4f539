"""Refusing ``await client.chat.completions.create(...)`` before anything is sent.

The client is blocking, so awaiting one of its calls is a mistake that Python reports only
after the request has run (``object ChatCompletion can't be used in 'await' expression``). When
the caller is a coroutine (an ``async def``, or a notebook cell using top-level ``await``), the
instruction right after the call in the caller's bytecode says whether its result is awaited;
only then is the call refused, with the cause and the fix. A coroutine calling the client
without ``await`` (blocking its event loop, but working) is left alone.
"""

from __future__ import annotations

import bisect
import dis
import functools
import inspect
import sys
from types import CodeType

__all__ = ["refuse_await"]

_COROUTINE = inspect.CO_COROUTINE | inspect.CO_ITERABLE_COROUTINE | inspect.CO_ASYNC_GENERATOR


@functools.lru_cache(maxsize=256)
def _layout(code: CodeType) -> tuple[list[int], frozenset[int]]:
    """Offsets of ``code``'s instructions (inline caches left out), and of its awaits."""
    instructions = list(dis.get_instructions(code))
    awaits = frozenset(i.offset for i in instructions if i.opname == "GET_AWAITABLE")
    return [i.offset for i in instructions], awaits


def refuse_await(method: str) -> None:
    """Raise ``TypeError`` if the caller of ``method`` is about to ``await`` its result."""
    frame = sys._getframe(2)
    code = frame.f_code
    if not code.co_flags & _COROUTINE:
        return
    offsets, awaits = _layout(code)
    # f_lasti is the call being made (or its last inline cache); what runs next decides.
    following = bisect.bisect_right(offsets, frame.f_lasti)
    if following == len(offsets) or offsets[following] not in awaits:
        return
    raise TypeError(
        f"client.{method}() is blocking: it returns the answer itself, which cannot be "
        "awaited, so nothing was sent. Call it without `await`, or in async code use "
        "client.as_async_openai(), a genuine openai.AsyncOpenAI bound to Sogni."
    )
