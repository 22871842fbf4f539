"""with_raw_response / with_streaming_response, and model names from OpenAI code."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.testing import MODELS, LocalSogniServer

from ._helpers import API_KEY, BASE_URL, CHAT_URL, USER, completion, sent_json

SSE = (
    'data: {"id": "c", "choices": [{"index": 0, "delta": {"content": "hey"}}]}\n\ndata: [DONE]\n\n'
)


def test_raw_response_has_the_http_details(client: OpenAI, ordered: responses.RequestsMock) -> None:
    """Headers, status, request id, retries taken, and .parse() giving the completion."""
    ordered.post(CHAT_URL, status=503, headers={"Retry-After": "0"})
    ordered.post(CHAT_URL, json=completion("raw!"), headers={"x-request-id": "req_42"})
    raw = client.chat.completions.with_raw_response.create(messages=USER)
    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == "req_42"
    assert raw.request_id == "req_42"
    assert raw.retries_taken == 1
    assert raw.http_response.status_code == 200
    assert raw.url == CHAT_URL
    assert (raw.method, raw.http_request.url) == ("POST", CHAT_URL)
    assert raw.http_request is raw.http_response.request
    assert json.loads(raw.text)["choices"][0]["message"]["content"] == "raw!"
    assert raw.json() == json.loads(raw.content)
    parsed = raw.parse()
    assert isinstance(parsed, sogni_compat.ChatCompletion)
    assert parsed.choices[0].message.content == "raw!"
    assert "APIResponse [200]" in repr(raw)


def test_raw_response_of_a_stream(client: OpenAI, mock: responses.RequestsMock) -> None:
    """With stream=True, .parse() gives the Stream."""
    mock.post(CHAT_URL, body=SSE, content_type="text/event-stream")
    raw = client.chat.completions.with_raw_response.create(messages=USER, stream=True)
    assert raw.retries_taken == 0
    assert raw.headers["Content-Type"] == "text/event-stream"
    chunks = list(raw.parse())
    assert [c.choices[0].delta.content for c in chunks] == ["hey"]


def test_raw_response_errors_raise_as_usual(client: OpenAI, mock: responses.RequestsMock) -> None:
    """An error status raises the same exception create() would."""
    mock.post(CHAT_URL, status=401, json={"error": {"message": "bad key"}})
    with pytest.raises(sogni_compat.AuthenticationError):
        client.chat.completions.with_raw_response.create(messages=USER)


def test_streaming_response_leaves_the_body_unread(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """In a with block the body is read as the caller likes: lines, or parse()."""
    mock.post(CHAT_URL, body=SSE, content_type="text/event-stream")
    with client.chat.completions.with_streaming_response.create(
        messages=USER, stream=True
    ) as response:
        assert response.status_code == 200
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    mock.post(CHAT_URL, json=completion("later"))
    with client.chat.completions.with_streaming_response.create(messages=USER) as answer:
        first = answer.parse()
        assert answer.parse() is first
    assert first.choices[0].message.content == "later"
    assert answer.http_response.raw.closed


def test_raw_parse_variant(client: OpenAI, mock: responses.RequestsMock) -> None:
    """with_raw_response.parse() gives the parsed completion from .parse()."""
    import dataclasses

    @dataclasses.dataclass
    class Point:
        x: int

    mock.post(CHAT_URL, json=completion('{"x": 3}'))
    raw = client.chat.completions.with_raw_response.parse(messages=USER, response_format=Point)
    assert raw.parse().choices[0].message.parsed == Point(x=3)


def test_raw_response_refuses_the_tool_loop(client: OpenAI, mock: responses.RequestsMock) -> None:
    """The tool loop makes several requests, so it is refused with raw responses."""
    with pytest.raises(ValueError, match="auto_execute_tools"):
        client.chat.completions.with_raw_response.create(
            messages=USER, auto_execute_tools=True, tool_handlers={"t": lambda: "x"}
        )


def test_model_aliases_rewrite_before_sending(mock: responses.RequestsMock) -> None:
    """A name from OpenAI code is sent as the Sogni model it maps to; others pass through."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, model_aliases={"gpt-4o-mini": MODELS[0]})
    mock.post(CHAT_URL, json=completion())
    client.chat.completions.create(messages=USER, model="gpt-4o-mini")
    client.chat.completions.create(messages=USER, model=MODELS[1])
    assert [sent_json(call)["model"] for call in mock.calls] == [MODELS[0], MODELS[1]]
    assert client.with_options(max_retries=0).model_aliases == {"gpt-4o-mini": MODELS[0]}


@pytest.mark.parametrize(
    "aliases", [["gpt-4o"], {"gpt-4o": 5}, {"": "x"}], ids=["list", "value", "empty"]
)
def test_bad_model_aliases(aliases: object) -> None:
    """model_aliases must map names to names."""
    with pytest.raises(TypeError, match="model_aliases"):
        OpenAI(api_key=API_KEY, model_aliases=aliases)  # type: ignore[arg-type]


def test_unknown_model_lists_the_available_ones() -> None:
    """A 404 for a model name lists the served models (one models call) and the alias hint."""
    with LocalSogniServer() as server, server.client() as client:
        with pytest.raises(sogni_compat.NotFoundError) as caught:
            client.chat.completions.create(messages=USER, model="gpt-4o")
        message = str(caught.value)
        assert "does not exist" in message
        assert ", ".join(MODELS) in message
        assert "model_aliases={'gpt-4o': " in message
        assert caught.value.status_code == 404
        paths = [r.path for r in server.requests]
        assert paths == ["/v1/chat/completions", "/v1/models"]


def test_other_404s_are_left_alone(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A 404 that is not about the model keeps its message (the model exists)."""
    mock.post(CHAT_URL, status=404, json={"error": {"message": "route missing"}})
    mock.get(f"{BASE_URL}/models", json={"object": "list", "data": [{"id": MODELS[0]}]})
    with pytest.raises(sogni_compat.NotFoundError) as caught:
        client.chat.completions.create(messages=USER, model=MODELS[0])
    assert "available models" not in str(caught.value)


def test_response_types_option_is_checked() -> None:
    """response_types takes 'sogni' or 'openai'."""
    with pytest.raises(ValueError, match="response_types"):
        OpenAI(api_key=API_KEY, response_types="pydantic")  # type: ignore[arg-type]


def test_loop_conflict_is_refused_before_downloading_images(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """The raw-response/tool-loop conflict is found before any image is fetched."""
    messages: Any = [  # image_url as a bare string: read leniently, not openai's shape
        {
            "role": "user",
            "content": [{"type": "image_url", "image_url": "https://images.test/x.png"}],
        }
    ]
    with pytest.raises(ValueError, match="auto_execute_tools"):
        client.chat.completions.with_raw_response.create(messages=messages, auto_execute_tools=True)
    assert len(mock.calls) == 0


@responses.activate
def test_large_answers_parse_and_raw_responses_keep_their_body() -> None:
    """A large answer parses (its bytes let go first); with_raw_response still has the body."""
    from ._helpers import completion

    big = completion("x" * 200_000)
    responses.post("https://api.test/v1/chat/completions", json=big)
    client = OpenAI(api_key="sk-raw-large-0123456789", base_url="https://api.test/v1")
    answer = client.chat.completions.create(messages=[{"role": "user", "content": "hi"}])
    assert answer.choices[0].message.content == "x" * 200_000
    raw = client.chat.completions.with_raw_response.create(
        messages=[{"role": "user", "content": "hi"}]
    )
    assert json.loads(raw.content)["choices"][0]["message"]["content"] == "x" * 200_000
    utf16 = json.dumps(big).encode("utf-16")  # JSON may come in UTF-16: the bytes are parsed
    responses.post("https://api.test/v1/chat/completions", body=utf16)
    again = client.chat.completions.create(messages=[{"role": "user", "content": "hi"}])
    assert again.choices[0].message.content == "x" * 200_000
