"""The conversion of ``create()`` keywords into the wire body, checked on what was sent."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from sogni_compat import OpenAI

from ._helpers import CHAT_URL, USER, completion, sent_json


def send(client: OpenAI, mock: responses.RequestsMock, **kwargs: Any) -> Any:
    """Call create() with ``kwargs`` and return the JSON body the server received."""
    mock.post(CHAT_URL, json=completion())
    kwargs.setdefault("messages", USER)
    client.chat.completions.create(**kwargs)
    return sent_json(mock.calls[-1])


def test_minimal_body(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Only messages and the sogni_tools default are sent when nothing else is given."""
    assert send(client, mock) == {"messages": USER, "sogni_tools": False}


def test_none_values_are_left_out(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Keywords given as None do not appear in the body."""
    body = send(client, mock, model=None, temperature=None, stop=None, think=None, top_k=None)
    assert body == {"messages": USER, "sogni_tools": False}


def test_openai_keywords_pass_through(client: OpenAI, mock: responses.RequestsMock) -> None:
    """OpenAI sampling and output keywords reach the wire under their own names."""
    given = {
        "model": "qwen3.6-35b-a3b-gguf-iq4xs",
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 64,
        "stop": ["\n\n", "END"],
        "n": 1,
        "seed": 7,
        "frequency_penalty": 0.1,
        "presence_penalty": -0.1,
        "logit_bias": {"50256": -100},
        "logprobs": True,
        "top_logprobs": 2,
        "user": "u-1",
        "parallel_tool_calls": False,
        "stream_options": {"include_usage": True},
        "metadata": {"run": "a"},
        "store": False,
        "service_tier": "auto",
        "response_format": {"type": "json_object"},
    }
    body = send(client, mock, **given)
    assert body == {"messages": USER, "sogni_tools": False, **given}


@pytest.mark.parametrize(
    ("think", "expected"), [(True, {"enable_thinking": True}), (False, {"enable_thinking": False})]
)
def test_think_becomes_chat_template_kwargs(
    client: OpenAI, mock: responses.RequestsMock, think: bool, expected: dict[str, bool]
) -> None:
    """think=True/False is sent as chat_template_kwargs.enable_thinking, never as think."""
    body = send(client, mock, think=think)
    assert body["chat_template_kwargs"] == expected
    assert "think" not in body


def test_think_merges_with_caller_template_kwargs(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """The caller's chat_template_kwargs are kept and their keys win over think."""
    body = send(
        client,
        mock,
        think=True,
        chat_template_kwargs={"enable_thinking": False, "custom": 1},
    )
    assert body["chat_template_kwargs"] == {"enable_thinking": False, "custom": 1}
    body = send(client, mock, think=False, chat_template_kwargs={"custom": 2})
    assert body["chat_template_kwargs"] == {"enable_thinking": False, "custom": 2}


def test_chat_template_kwargs_alone_pass_through(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """chat_template_kwargs without think are sent unchanged."""
    body = send(client, mock, chat_template_kwargs={"enable_thinking": True})
    assert body["chat_template_kwargs"] == {"enable_thinking": True}


@pytest.mark.parametrize(
    ("effort", "enabled"),
    [
        ("none", False),
        ("minimal", False),
        ("low", True),
        ("medium", True),
        ("high", True),
        ("xhigh", True),
        ("max", True),
    ],
)
def test_reasoning_effort_switches_thinking(
    client: OpenAI, mock: responses.RequestsMock, effort: str, enabled: bool
) -> None:
    """reasoning_effort turns thinking off for none/minimal and on otherwise; it is not sent."""
    body = send(client, mock, reasoning_effort=effort)
    assert body["chat_template_kwargs"] == {"enable_thinking": enabled}
    assert "reasoning_effort" not in body


def test_think_wins_over_reasoning_effort(client: OpenAI, mock: responses.RequestsMock) -> None:
    """An explicit think decides even when reasoning_effort says otherwise."""
    body = send(client, mock, think=False, reasoning_effort="high")
    assert body["chat_template_kwargs"] == {"enable_thinking": False}


def test_max_completion_tokens_becomes_max_tokens(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """max_completion_tokens is sent as max_tokens; equal values of both are accepted."""
    body = send(client, mock, max_completion_tokens=100)
    assert body["max_tokens"] == 100
    assert "max_completion_tokens" not in body
    assert send(client, mock, max_tokens=50, max_completion_tokens=50)["max_tokens"] == 50


@pytest.mark.parametrize("spelling", ["taskProfile", "task_profile"])
@pytest.mark.parametrize("value", ["general", "coding", "reasoning"])
def test_task_profile(
    client: OpenAI, mock: responses.RequestsMock, spelling: str, value: str
) -> None:
    """Both spellings of task profile send body field task_profile."""
    body = send(client, mock, **{spelling: value})
    assert body["task_profile"] == value
    assert "taskProfile" not in body


@pytest.mark.parametrize("spelling", ["tokenType", "token_type"])
@pytest.mark.parametrize("value", ["sogni", "spark", "auto"])
def test_token_type(
    client: OpenAI, mock: responses.RequestsMock, spelling: str, value: str
) -> None:
    """Both spellings of token type send body field token_type."""
    assert send(client, mock, **{spelling: value})["token_type"] == value


@pytest.mark.parametrize("spelling", ["appSource", "app_source"])
def test_app_source_body_and_header(
    client: OpenAI, mock: responses.RequestsMock, spelling: str
) -> None:
    """app_source goes into the body and the X-App-Source header."""
    body = send(client, mock, **{spelling: "my-notebook"})
    assert body["app_source"] == "my-notebook"
    assert mock.calls[-1].request.headers["X-App-Source"] == "my-notebook"


def test_client_app_source_is_the_default(mock: responses.RequestsMock) -> None:
    """The client's app_source labels every call; a call's own label wins."""
    with OpenAI(api_key="k", base_url="https://api.test/v1", app_source="batch-job") as client:
        body = send(client, mock)
        assert body["app_source"] == "batch-job"
        assert mock.calls[-1].request.headers["X-App-Source"] == "batch-job"
        body = send(client, mock, app_source="one-off")
        assert body["app_source"] == "one-off"
        assert mock.calls[-1].request.headers["X-App-Source"] == "one-off"


@pytest.mark.parametrize(
    ("given", "wire"),
    [
        (True, True),
        (False, False),
        ("creative-tools", "creative-tools"),
        ("creative-agent", "creative-agent"),
        ("none", "none"),
        ("rich", "creative-tools"),
        (None, False),
    ],
)
def test_sogni_tools(
    client: OpenAI, mock: responses.RequestsMock, given: object, wire: object
) -> None:
    """sogni_tools values pass, rich is sent canonically, and None means false."""
    assert send(client, mock, sogni_tools=given)["sogni_tools"] == wire


def test_sogni_specific_fields(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Sogni's sampling and billing fields reach the wire under their snake_case names."""
    given = {
        "top_k": 40,
        "min_p": 0.05,
        "repetition_penalty": 1.1,
        "sogni_tool_execution": False,
        "safe_content_filter": True,
        "billing_mode": "tokens",
        "media_references": [{"kind": "image", "url": "https://example.com/a.png"}],
    }
    body = send(client, mock, **given)
    assert body == {"messages": USER, "sogni_tools": False, **given}


def test_functions_become_tools(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Legacy functions/function_call are sent as tools/tool_choice in the modern form."""
    fn = {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}
    body = send(client, mock, functions=[fn], function_call={"name": "get_weather"})
    assert body["tools"] == [{"type": "function", "function": fn}]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert "functions" not in body
    assert "function_call" not in body
    assert send(client, mock, functions=[fn], function_call="auto")["tool_choice"] == "auto"


def test_tools_and_named_tool_choice(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Tools and a tool_choice naming one of them are sent unchanged."""
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]
    choice = {"type": "function", "function": {"name": "lookup"}}
    body = send(client, mock, tools=tools, tool_choice=choice)
    assert body["tools"] == tools
    assert body["tool_choice"] == choice


def test_extra_body_merged_last_and_wins(client: OpenAI, mock: responses.RequestsMock) -> None:
    """extra_body keys are added to the top level and override named keywords."""
    body = send(client, mock, temperature=0.5, extra_body={"temperature": 0.9, "custom_flag": True})
    assert body["temperature"] == 0.9
    assert body["custom_flag"] is True
    assert send(client, mock, extra_body={"sogni_tools": True})["sogni_tools"] is True


def test_extra_headers_and_query(client: OpenAI, mock: responses.RequestsMock) -> None:
    """extra_headers are sent, extra_query lands in the URL; a None header removes it."""
    mock.post(CHAT_URL, json=completion())
    client.chat.completions.create(
        messages=USER,
        extra_headers={"X-Trace": "abc", "User-Agent": None},
        extra_query={"debug": "1"},
    )
    request = mock.calls[0].request
    assert request.headers["X-Trace"] == "abc"
    assert "sogni-compat" not in request.headers.get("User-Agent", "")
    assert request.url == f"{CHAT_URL}?debug=1"


def test_messages_may_be_response_objects(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A message object from an earlier answer is sent back as the JSON the server sent."""
    tool_call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "lookup", "arguments": '{"q": "x"}'},
    }
    first = completion()
    first["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "tool_calls": [tool_call],
        "reasoning_content": "let me look",
    }
    mock.post(CHAT_URL, json=first)
    answer = client.chat.completions.create(messages=USER)
    history = [
        *USER,
        answer.choices[0].message,
        {"role": "tool", "tool_call_id": "call_1", "content": "42"},
    ]
    body = send(client, mock, messages=history)
    assert body["messages"][1] == first["choices"][0]["message"]
    assert body["messages"][2]["content"] == "42"


def test_body_is_compact_utf8_json(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Non-ASCII text is sent as UTF-8 with a JSON content type."""
    body = send(client, mock, messages=[{"role": "user", "content": "héllo ✓"}])
    assert body["messages"][0]["content"] == "héllo ✓"
    request = mock.calls[-1].request
    assert isinstance(request.body, bytes)
    assert "héllo ✓".encode() in request.body
    assert request.headers["Content-Type"] == "application/json"


def cattrs_body_hook(cls: type) -> Any:
    """The generator cattrs itself makes for a request body: values as sent, defaults left out."""
    import attrs
    import cattrs
    from cattrs.gen import make_dict_unstructure_fn, override

    keep = {f.name: override(unstruct_hook=lambda v: v) for f in attrs.fields(cls)}
    keep["sogni_tools"] = override(unstruct_hook=lambda v: v, omit_if_default=False)
    return make_dict_unstructure_fn(
        cls,
        cattrs.Converter(),
        _cattrs_omit_if_default=True,
        **keep,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"model": "m", "temperature": 0.0, "think": True, "top_k": 0, "stream": False},
        {"tools": [{"type": "function", "function": {"name": "f"}}], "sogni_tools": True},
        {"max_completion_tokens": 5, "stop": ["x"], "seed": 0, "taskProfile": "coding"},
    ],
)
def test_body_matches_cattrs_own_generator(options: dict[str, Any]) -> None:
    """The body is what cattrs' own omit-if-default generator makes of the same params."""
    from sogni_compat._convert import converter
    from sogni_compat._params import ChatCompletionParams, chat_request

    params, _, _ = chat_request({"messages": USER, **options})
    theirs = cattrs_body_hook(ChatCompletionParams)(params)
    ours = converter.unstructure(params)
    assert ours == theirs  # the same fields and values (cattrs puts always-sent ones first)


def test_body_hook_omits_defaults_from_factories_as_cattrs_does() -> None:
    """Factories, those that take the instance too, count as defaults as cattrs counts them."""
    import attrs

    from sogni_compat._convert import _params_hook

    @attrs.define
    class Body:
        """A body with factory defaults."""

        messages: list[Any]
        stop: list[str] = attrs.Factory(list)
        n: int = attrs.Factory(lambda self: len(self.messages), takes_self=True)
        sogni_tools: bool = False

    theirs = cattrs_body_hook(Body)
    ours = _params_hook(Body)  # type: ignore[arg-type]
    for body in (Body(["a"]), Body(["a"], ["x"], 5), Body([], n=0, sogni_tools=True)):
        assert ours(body) == theirs(body)
