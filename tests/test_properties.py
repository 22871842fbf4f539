"""Property tests on the three parsers of untrusted input: keywords, event streams, JSON answers."""

from __future__ import annotations

import json
from typing import Any

import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sogni_compat
from sogni_compat import ChatCompletion, OpenAI
from sogni_compat._client import encode_json
from sogni_compat._convert import converter
from sogni_compat._params import ALIASES, KNOWN_KEYWORDS, chat_request

from ._helpers import API_KEY, BASE_URL, CHAT_URL, USER

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
messages = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "system", "assistant", "tool", "robot"])},
        optional={"content": json_values},
    ),
    max_size=3,
)
keyword_names = st.sampled_from(sorted(KNOWN_KEYWORDS | set(ALIASES))) | st.text(max_size=12)
keyword_values = (
    json_values
    | st.just(print)
    | st.sampled_from(
        ["general", "coding", "spark", "auto", "creative-tools", "rich", "required", "none"]
    )
)

ALLOWED = (TypeError, ValueError)


@settings(max_examples=300, deadline=None)
@given(
    kwargs=st.dictionaries(keyword_names, keyword_values, max_size=6),
    msgs=messages | json_values,
)
def test_keywords_give_a_payload_or_a_clear_error(kwargs: dict[str, Any], msgs: Any) -> None:
    """Any keyword combination is a JSON-encodable payload, or a TypeError/ValueError."""
    kwargs = {**kwargs, "messages": msgs}
    try:
        params, options, _ = chat_request(kwargs)
    except ALLOWED:
        return
    body = converter.unstructure(params)
    if options.extra_body:
        body.update(options.extra_body)
    try:
        encoded = encode_json(body)
    except ALLOWED:  # e.g. NaN is fine for json, a function in a message is not
        return
    assert isinstance(json.loads(encoded), dict)
    assert not {"think", "auto_execute_tools", "tool_handlers", "timeout"} & set(body)


def client_and_mock() -> tuple[OpenAI, responses.RequestsMock]:
    """A client without retries and a strict mock (per example: hypothesis reuses nothing)."""
    return OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0), responses.RequestsMock()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=400)
    | st.lists(
        st.sampled_from(
            [
                b"data: ",
                b"data: {}",
                b'data: {"choices": []}',
                b"data: [DONE]",
                b"\n",
                b"\r\n",
                b"\r",
                b"event: error",
                b"id: 1",
                b": ping",
                b'{"error": {"message": "x"}}',
                b'"x"',
                b"\xff",
                b'data: {"choices": [{"delta": {"content": "hi"}}]}',
            ]
        ),
        max_size=20,
    ).map(b"".join)
)
def test_event_streams_give_chunks_or_api_error(body: bytes) -> None:
    """Any bytes as an event stream yield chunks or raise APIError, nothing else."""
    client, mock = client_and_mock()
    with mock:
        mock.post(CHAT_URL, body=body, content_type="text/event-stream")
        try:
            for chunk in client.chat.completions.create(messages=USER, stream=True):
                assert isinstance(chunk, sogni_compat.ChatCompletionChunk)
        except sogni_compat.APIError:
            pass


completion_like = st.fixed_dictionaries(
    {
        "choices": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "index": json_values,
                    "finish_reason": json_values,
                    "message": st.fixed_dictionaries(
                        {},
                        optional={
                            "role": json_values,
                            "content": json_values,
                            "tool_calls": json_values
                            | st.lists(
                                st.dictionaries(
                                    st.sampled_from(["id", "type", "function"]), json_values
                                )
                            ),
                        },
                    )
                    | json_values,
                },
            )
            | json_values,
            max_size=3,
        )
    },
    optional={"id": json_values, "usage": json_values, "model": json_values, "extra": json_values},
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=json_values | completion_like)
def test_json_answers_give_completions_or_validation_errors(data: Any) -> None:
    """Any JSON 200 is a ChatCompletion that round-trips, or an APIResponseValidationError."""
    client, mock = client_and_mock()
    with mock:
        mock.post(CHAT_URL, body=json.dumps(data), content_type="application/json")
        try:
            answer = client.chat.completions.create(messages=USER)
        except sogni_compat.APIResponseValidationError:
            return
    assert isinstance(answer, ChatCompletion)
    # Compared as JSON text: NaN is not equal to itself, but it serialises the same.
    assert json.dumps(answer.to_dict(), sort_keys=True) == json.dumps(data, sort_keys=True)
    assert repr(answer).startswith("ChatCompletion(")
