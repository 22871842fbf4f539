"""Decoding JSON from a server: the standard library's answers, with deep nesting refused."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sogni_compat._json import loads

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
SPACE = st.sampled_from(["", " ", "\n", "\t \r\n"])
JUNK = st.sampled_from(["", "", "x", "}", ",1", "{}", "\x00"])


def standard(text: str) -> tuple[str, Any]:
    """What ``json.loads`` makes of ``text``: a value, or that it refused it."""
    try:
        return "value", json.loads(text)
    except ValueError:
        return "refused", None


def ours(text: str) -> tuple[str, Any]:
    """What our decoder makes of ``text``."""
    try:
        return "value", loads(text)
    except ValueError:
        return "refused", None


@given(VALUES, SPACE, SPACE, JUNK, st.booleans())
def test_agrees_with_the_standard_library(
    value: object, before: str, after: str, junk: str, compact: bool
) -> None:
    """Any JSON text, with whitespace or junk around it, is read exactly as json.loads reads it."""
    body = json.dumps(value, separators=(",", ":") if compact else None, ensure_ascii=compact)
    text = before + body + after + junk
    assert ours(text) == standard(text)


@pytest.mark.parametrize(
    "text",
    ["", " ", "{", '{"a": 1', "nul", '"\\ud800"', "[1,]", "01", "NaN", "-Infinity", '{"a":1}{}'],
)
def test_edge_texts_agree(text: str) -> None:
    """Empty, cut, odd and constant texts get json.loads' answer (NaN included)."""
    found, expected = ours(text), standard(text)
    if expected[0] == "value" and isinstance(expected[1], float) and math.isnan(expected[1]):
        assert found[0] == "value"
        assert math.isnan(found[1])
    else:
        assert found == expected


def test_bytes_are_read_too() -> None:
    """A bytes body in UTF-8 decodes as json.loads decodes it."""
    assert loads('{"a": "é"}'.encode()) == {"a": "é"}
