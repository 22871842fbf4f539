"""Decoding JSON from a server, where every failure is a ``ValueError``."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_JSON_DEPTH", "loads"]

#: JSON from a server nested deeper than this is refused: walking it (to mask, copy, print
#: or dump it) would exhaust the stack.
MAX_JSON_DEPTH = 100


def loads(data: str | bytes | bytearray) -> Any:
    """``json.loads`` whose every failure is a ``ValueError``, refusing deep nesting.

    Hostile JSON fails in other ways too: nesting deep enough to exhaust the stack
    (``RecursionError``), integers of thousands of digits. Nesting deeper than
    :data:`MAX_JSON_DEPTH` is refused as well, so later walks over the value are safe; it is
    looked for only when the text holds that many brackets.
    """
    try:
        value = json.loads(data)
    except RecursionError:
        problem = "the JSON nests too deeply"
    except ValueError as exc:  # a JSONDecodeError holds the whole text: keep only its message
        problem = str(exc)
    else:
        problem = ""
    if problem:
        # Raised outside the handler, so no exception chained to it carries the text along
        # (tblib, which Dask installs, pickles chained exceptions too).
        raise ValueError(problem)
    # Nesting that deep needs two brackets a level: short texts (most events) cannot hold it.
    if len(data) > 2 * MAX_JSON_DEPTH and isinstance(value, dict | list):
        brackets = (
            data.count("[") + data.count("{")
            if isinstance(data, str)
            else data.count(b"[") + data.count(b"{")
        )
        if brackets > MAX_JSON_DEPTH and _deeper_than(value, MAX_JSON_DEPTH):
            raise ValueError(f"the JSON nests more than {MAX_JSON_DEPTH} levels deep")
    return value


def _deeper_than(value: object, limit: int) -> bool:
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend(
            (child, depth + 1)
            for child in children  # type: ignore[attr-defined]
            if isinstance(child, dict | list)
        )
    return False
