"""Bad input raises a clear TypeError/ValueError naming the parameter, before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from sogni_compat import OpenAI
from sogni_compat._params import chat_request

from ._helpers import USER

TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]

CASES: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"messages": USER, "temprature": 0.5}, TypeError, "temprature.*did you mean 'temperature'"),
    ({"messages": USER, "auto_execute": True}, TypeError, "unexpected keyword argument"),
    ({}, TypeError, "messages"),
    ({"messages": None}, TypeError, "messages"),
    ({"messages": "hi"}, TypeError, "messages must be a list"),
    ({"messages": []}, ValueError, "messages must not be empty"),
    ({"messages": [42]}, TypeError, r"messages\[0\]"),
    ({"messages": [{"content": "no role"}]}, ValueError, r"messages\[0\] has role None"),
    ({"messages": [{"role": "robot", "content": "x"}]}, ValueError, "robot"),
    ({"messages": USER, "taskProfile": "coding", "task_profile": "coding"}, TypeError, "not both"),
    ({"messages": USER, "tokenType": "spark", "token_type": "sogni"}, TypeError, "not both"),
    ({"messages": USER, "appSource": "a", "app_source": "b"}, TypeError, "not both"),
    ({"messages": USER, "max_tokens": 10, "max_completion_tokens": 20}, ValueError, "differ"),
    ({"messages": USER, "task_profile": "fast"}, ValueError, "task_profile must be one of"),
    ({"messages": USER, "token_type": "usd"}, ValueError, "token_type must be one of"),
    ({"messages": USER, "sogni_tools": "everything"}, ValueError, "sogni_tools must be"),
    ({"messages": USER, "sogni_tools": 1}, ValueError, "sogni_tools must be"),
    ({"messages": USER, "billing_mode": "free"}, ValueError, "billing_mode must be one of"),
    ({"messages": USER, "reasoning_effort": "extreme"}, ValueError, "reasoning_effort"),
    ({"messages": USER, "think": "yes"}, TypeError, "think must be True or False"),
    ({"messages": USER, "tool_choice": "always"}, ValueError, "tool_choice must be one of"),
    (
        {"messages": USER, "tools": TOOLS, "tool_choice": {"type": "function", "function": {}}},
        ValueError,
        "tool_choice",
    ),
    (
        {
            "messages": USER,
            "tools": TOOLS,
            "tool_choice": {"type": "function", "function": {"name": "missing"}},
        },
        ValueError,
        "'missing', which is not in tools",
    ),
    (
        {"messages": USER, "tool_choice": {"type": "function", "function": {"name": "lookup"}}},
        ValueError,
        "not in tools",
    ),
    ({"messages": USER, "tools": [{"type": "retrieval"}]}, ValueError, r"tools\[0\].type"),
    ({"messages": USER, "tools": [{"type": "function"}]}, ValueError, r"tools\[0\].function.name"),
    ({"messages": USER, "tools": TOOLS, "functions": [{"name": "f"}]}, TypeError, "not both"),
    ({"messages": USER, "function_call": "sometimes"}, ValueError, "function_call"),
    ({"messages": USER, "stop": 5}, TypeError, "stop must be a string or a list of strings"),
    ({"messages": USER, "stop": ["a", 1]}, TypeError, "stop must be"),
    ({"messages": USER, "response_format": {"type": "yaml"}}, ValueError, "response_format type"),
    ({"messages": USER, "response_format": "json"}, TypeError, "response_format must be a dict"),
    ({"messages": USER, "response_format": dict}, TypeError, "parse()"),
    (
        {
            "messages": USER,
            "response_format": {"type": "json_schema", "json_schema": {"schema": {}}},
        },
        ValueError,
        "needs a 'name'",
    ),
    (
        {
            "messages": USER,
            "response_format": {"type": "json_schema", "json_schema": {"name": "x"}},
        },
        ValueError,
        "needs a 'schema'",
    ),
    ({"messages": USER, "response_format": {"type": "json_schema"}}, ValueError, "json_schema"),
    ({"messages": USER, "temperature": "hot"}, TypeError, "temperature must be a number"),
    (
        {"messages": USER, "temperature": float("nan")},
        ValueError,
        "temperature must be a finite number",
    ),
    ({"messages": USER, "max_tokens": 0}, ValueError, "max_tokens must be at least 1"),
    ({"messages": USER, "max_tokens": 1.5}, TypeError, "max_tokens must be an integer"),
    ({"messages": USER, "top_k": True}, TypeError, "top_k must be an integer"),
    ({"messages": USER, "model": 3}, TypeError, "model must be a string"),
    ({"messages": USER, "app_source": "x" * 129}, ValueError, "at most 128"),
    ({"messages": USER, "app_source": "a\nb"}, ValueError, "control characters"),
    (
        {"messages": USER, "media_references": [{"kind": "pdf", "url": "https://x"}]},
        ValueError,
        "kind",
    ),
    (
        {"messages": USER, "media_references": [{"kind": "image", "url": "ftp://x/a.png"}]},
        ValueError,
        "URL or a base64 data URI",
    ),
    (
        {"messages": USER, "media_references": [{"kind": "image", "value": "data:image/png,x"}]},
        ValueError,
        "base64 data URI",
    ),
    (
        {"messages": USER, "media_references": [{"kind": "image"}]},
        ValueError,
        "exactly one of 'url' or 'value'",
    ),
    (
        {"messages": USER, "max_estimated_capacity_units": -1},
        ValueError,
        "max_estimated_capacity_units must be at least 0",
    ),
    ({"messages": USER, "confirm_cost": "yes"}, TypeError, "confirm_cost must be True or False"),
    ({"messages": USER, "extra_body": ["a"]}, TypeError, "extra_body must be a dict"),
    ({"messages": USER, "extra_headers": {"X-A": 1}}, TypeError, "extra_headers"),
    ({"messages": USER, "extra_headers": {"X-A": "a\r\nb"}}, ValueError, "line break"),
    ({"messages": USER, "timeout": -1}, ValueError, "timeout must be a positive, finite number"),
    ({"messages": USER, "timeout": "soon"}, TypeError, "timeout"),
    ({"messages": USER, "chat_template_kwargs": [1], "think": True}, TypeError, "chat_template"),
]


@pytest.mark.parametrize(("kwargs", "error", "match"), CASES)
def test_bad_input_raises_before_sending(
    client: OpenAI,
    mock: responses.RequestsMock,
    kwargs: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    """Each bad input raises the named error type with a message naming the problem."""
    with pytest.raises(error, match=match):
        client.chat.completions.create(**kwargs)
    assert len(mock.calls) == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"api_key": "k", "base_url": "ftp://x"}, "base_url"),
        ({"api_key": "k", "base_url": "not a url"}, "base_url"),
        ({"api_key": "k", "max_retries": -1}, "max_retries"),
        ({"api_key": "k", "timeout": 0}, "timeout"),
        ({"api_key": "k", "app_source": "\x00"}, "app_source"),
        ({"api_key": "k\nX-Evil: 1"}, "api_key"),
    ],
)
def test_bad_client_options(kwargs: dict[str, Any], match: str) -> None:
    """Invalid client options raise a ValueError naming the option."""
    with pytest.raises(ValueError, match=match):
        OpenAI(**kwargs)


def test_http_client_must_be_a_requests_session() -> None:
    """Passing a non-requests HTTP client is a TypeError."""
    with pytest.raises(TypeError, match=r"requests\.Session"):
        OpenAI(api_key="k", http_client=object())  # type: ignore[arg-type]


def test_retrieve_needs_a_model_id(client: OpenAI, mock: responses.RequestsMock) -> None:
    """models.retrieve('') raises before anything is sent."""
    with pytest.raises(ValueError, match="model"):
        client.models.retrieve("")
    assert len(mock.calls) == 0


def test_none_in_one_spelling_does_not_clash_with_the_other() -> None:
    """A keyword given as None in one spelling is absent, so the other spelling is used."""
    refs = [{"kind": "image", "url": "https://cdn.test/a.png"}]
    params, _, _ = chat_request(
        {"messages": USER, "mediaReferences": None, "media_references": refs}
    )
    assert params.media_references == refs
    params, _, _ = chat_request({"messages": USER, "billing_mode": "tokens", "billingMode": None})
    assert params.billing_mode == "tokens"
