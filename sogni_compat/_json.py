"""Decoding JSON from a server, where every failure is a ``ValueError``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

__all__ = ["MAX_JSON_DEPTH", "loads"]

#: JSON from a server nested deeper than this is refused: walking it (to mask, copy, print
#: or dump it) would exhaust the stack.
MAX_JSON_DEPTH = 100


#: Texts with more opening brackets than this are scanned before parsing (the parser would
#: recurse as deep as they nest); texts with fewer are walked after parsing, which is cheaper.
_SCAN_ABOVE = 400

#: ``json.loads`` without its argument checks, for the common case of a ``str``.
_decode = json.JSONDecoder().decode
#: The C scanner under it: a text that is one JSON value and nothing else (no surrounding
#: whitespace) skips the decoder's two whitespace matches; anything else goes to ``_decode``.
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # set in JSONDecoder.__init__, not in typeshed


def loads(data: str | bytes | bytearray) -> Any:
    """``json.loads`` whose every failure is a ``ValueError``, refusing deep nesting.

    Hostile JSON fails in other ways too: nesting deep enough to exhaust the stack
    (``RecursionError``, during which the interpreter may run finalizers with no stack left),
    integers of thousands of digits. Nesting deeper than :data:`MAX_JSON_DEPTH` is refused;
    a text that could nest deep enough to endanger the parser is scanned before it parses.
    Short texts (most streamed events) cannot nest that deep and cost nothing extra.
    """
    opening = 0
    if len(data) > 2 * MAX_JSON_DEPTH:
        opening = (
            data.count("[") + data.count("{")
            if isinstance(data, str)
            else data.count(b"[") + data.count(b"{")
        )
        if opening > _SCAN_ABOVE and _too_deep(data):
            raise ValueError(f"the JSON nests more than {MAX_JSON_DEPTH} levels deep")
    try:
        if type(data) is str:
            try:
                value, end = _scan(data, 0)
            except StopIteration:  # not a value at the start: the decoder says what is wrong
                end = -1
            if end != len(data):
                value = _decode(data)
        else:
            value = json.loads(data)
    except RecursionError:
        problem = "the JSON nests too deeply"
    except ValueError as exc:  # a JSONDecodeError holds the whole text: keep only its message
        problem = str(exc)
    else:
        if (
            MAX_JSON_DEPTH < opening <= _SCAN_ABOVE
            and isinstance(value, dict | list)
            and _deeper_than(value, MAX_JSON_DEPTH)
        ):
            raise ValueError(f"the JSON nests more than {MAX_JSON_DEPTH} levels deep")
        return value
    # Raised outside the handler, so no exception chained to it carries the text along
    # (tblib, which Dask installs, pickles chained exceptions too).
    raise ValueError(problem)


#: Strings (skipped whole), then opening and closing brackets.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|([\[{])|([\]}])')
_BYTE_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|([\[{])|([\]}])')


def _too_deep(data: str | bytes | bytearray) -> bool:
    """Whether brackets outside strings nest deeper than :data:`MAX_JSON_DEPTH`."""
    tokens = (_TOKENS if isinstance(data, str) else _BYTE_TOKENS).finditer(data)  # type: ignore[arg-type]
    depth = 0
    for token in tokens:
        kind = token.lastindex
        if kind == 1:
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif kind == 2:
            depth -= 1
    return False


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
