"""create(stream=True): chunks, accumulation, errors inside the stream, retries, closing."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat._streaming import Stream
from sogni_compat.types import ChatCompletionChunk

from ._helpers import CHAT_URL, USER, sent_json


def event(data: Any, name: str | None = None) -> str:
    """One SSE event carrying ``data`` as JSON."""
    prefix = f"event: {name}\n" if name else ""
    return f"{prefix}data: {json.dumps(data)}\n\n"


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    """A chat.completion.chunk with one choice."""
    return {
        "id": "chatcmpl-s",
        "object": "chat.completion.chunk",
        "created": 1767225600,
        "model": "qwen3.6-35b-a3b-gguf-iq4xs",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }


USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
TEXT_STREAM = (
    event(chunk({"role": "assistant", "content": ""}))
    + ": keep-alive\n\n"
    + "event: ping\n\n"
    + event(chunk({"content": "Hel"}))
    + event(chunk({"content": "lo!"}, "stop"))
    + event({**chunk({}), "choices": [], "usage": USAGE})
    + "data: [DONE]\n\n"
)


def stream_of(client: OpenAI, mock: responses.RequestsMock, body: str, **kwargs: Any) -> Stream:
    """Register ``body`` as an SSE answer and open a stream on it."""
    mock.post(CHAT_URL, body=body, content_type="text/event-stream")
    stream = client.chat.completions.create(messages=USER, stream=True, **kwargs)
    assert isinstance(stream, Stream)
    return stream


def test_text_stream(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Content deltas arrive in order as ChatCompletionChunk objects; keep-alives are skipped."""
    chunks = list(stream_of(client, mock, TEXT_STREAM))
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert [c.choices[0].delta.content for c in chunks if c.choices] == ["", "Hel", "lo!"]
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 5
    body = sent_json(mock.calls[0])
    assert body["stream"] is True
    assert mock.calls[0].request.headers["Accept"] == "text/event-stream"


def test_final_completion(client: OpenAI, mock: responses.RequestsMock) -> None:
    """get_final_completion() returns the same kind of object a non-stream call returns."""
    final = stream_of(client, mock, TEXT_STREAM).get_final_completion()
    assert isinstance(final, sogni_compat.ChatCompletion)
    assert final.id == "chatcmpl-s"
    assert final.model == "qwen3.6-35b-a3b-gguf-iq4xs"
    assert final.choices[0].message.role == "assistant"
    assert final.choices[0].message.content == "Hello!"
    assert final.choices[0].finish_reason == "stop"
    assert final.usage is not None
    assert final.usage.total_tokens == 5


def test_final_completion_after_partial_iteration(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """With accumulate(), chunks already read with next() count in the final completion."""
    stream = stream_of(client, mock, TEXT_STREAM).accumulate()
    next(stream)
    next(stream)
    assert stream.get_final_completion().choices[0].message.content == "Hello!"


def test_nothing_is_kept_unless_asked(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Without accumulate(), a final completion after reading chunks is refused, not partial."""
    stream = stream_of(client, mock, TEXT_STREAM)
    next(stream)
    with pytest.raises(sogni_compat.OpenAIError, match=r"call stream.accumulate\(\)"):
        stream.get_final_completion()
    with pytest.raises(sogni_compat.OpenAIError, match="before the first chunk"):
        stream.accumulate()
    assert stream._accumulator is None
    stream.close()


def test_tool_call_fragments_are_merged(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Tool call fragments are merged by index with their arguments concatenated."""
    body = (
        event(chunk({"role": "assistant", "content": None}))
        + event(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_a",
                            "type": "function",
                            "function": {"name": "lookup", "arguments": ""},
                        }
                    ]
                }
            )
        )
        + event(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 1,
                            "id": "call_b",
                            "type": "function",
                            "function": {"name": "add", "arguments": '{"a"'},
                        }
                    ]
                }
            )
        )
        + event(chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"q": '}}]}))
        + event(chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"x"}'}}]}))
        + event(
            chunk({"tool_calls": [{"index": 1, "function": {"arguments": ": 1}"}}]}, "tool_calls")
        )
        + "data: [DONE]\n\n"
    )
    stream = stream_of(
        client,
        mock,
        body,
        tools=[
            {"type": "function", "function": {"name": "lookup"}},
            {"type": "function", "function": {"name": "add"}},
        ],
    )
    fragments = [
        c.choices[0].delta.tool_calls for c in stream.accumulate() if c.choices[0].delta.tool_calls
    ]
    assert fragments[0] is not None
    assert fragments[0][0].function is not None
    assert fragments[0][0].function.name == "lookup"
    final = stream.get_final_completion()
    message = final.choices[0].message
    assert message.content is None
    assert final.choices[0].finish_reason == "tool_calls"
    assert message.tool_calls is not None
    calls = [(c.id, c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls]
    assert calls == [("call_a", "lookup", {"q": "x"}), ("call_b", "add", {"a": 1})]


def test_reasoning_content_is_accumulated(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Streamed reasoning_content pieces are joined on the final message."""
    body = (
        event(chunk({"role": "assistant", "reasoning_content": "Think"}))
        + event(chunk({"reasoning_content": "ing."}))
        + event(chunk({"content": "Done"}, "stop"))
    )
    final = stream_of(client, mock, body).get_final_completion()
    assert final.choices[0].message.reasoning_content == "Thinking."
    assert final.choices[0].message.content == "Done"


def test_stream_without_done_ends_cleanly(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A stream that ends without [DONE] ends iteration without an error."""
    body = event(chunk({"content": "a"})) + event(chunk({"content": "b"}, "stop"))
    assert [c.choices[0].delta.content for c in stream_of(client, mock, body)] == ["a", "b"]


def test_anything_after_done_is_ignored(client: OpenAI, mock: responses.RequestsMock) -> None:
    """Events after data: [DONE] are not delivered."""
    body = event(chunk({"content": "a"})) + "data: [DONE]\n\n" + event(chunk({"content": "b"}))
    assert [c.choices[0].delta.content for c in stream_of(client, mock, body)] == ["a"]


@pytest.mark.parametrize(
    ("error_event", "message", "code"),
    [
        (event({"error": {"message": "worker lost", "code": "4100"}}), "worker lost", "4100"),
        (
            event({"status": "error", "message": "queue cap", "errorCode": 4079}, "error"),
            "queue cap",
            "4079",
        ),
        (
            event({"error": "overloaded", "error_code": "503", "error_message": "busy"}, "error"),
            "busy",
            "503",
        ),
        ("event: error\ndata: upstream exploded\n\n", "upstream exploded", None),
    ],
)
def test_error_inside_stream_after_chunks(
    client: OpenAI,
    mock: responses.RequestsMock,
    error_event: str,
    message: str,
    code: str | None,
) -> None:
    """An error payload or event: error frame raises APIError after the earlier chunks."""
    stream = stream_of(client, mock, event(chunk({"content": "partial"})) + error_event)
    received = []
    with pytest.raises(sogni_compat.APIError, match=message) as info:
        for c in stream:
            received.append(c.choices[0].delta.content)
    assert received == ["partial"]
    assert info.value.code == code
    assert not isinstance(info.value, sogni_compat.APIStatusError)


def test_invalid_json_event(client: OpenAI, mock: responses.RequestsMock) -> None:
    """An event whose data is not JSON raises APIError, not JSONDecodeError."""
    stream = stream_of(client, mock, event(chunk({"content": "a"})) + "data: {oops\n\n")
    with pytest.raises(sogni_compat.APIError, match="not valid JSON") as info:
        list(stream)
    assert not isinstance(info.value, ValueError)


def test_non_object_event(client: OpenAI, mock: responses.RequestsMock) -> None:
    """An event whose JSON is not an object raises APIError."""
    with pytest.raises(sogni_compat.APIError, match="not a chat completion chunk"):
        list(stream_of(client, mock, "data: [1, 2]\n\n"))


def test_context_manager_and_close(client: OpenAI, mock: responses.RequestsMock) -> None:
    """The stream is a context manager; leaving it closes the response, unread chunks are gone."""
    with stream_of(client, mock, TEXT_STREAM) as stream:
        next(stream)
        assert stream.response.status_code == 200
    assert stream._closed
    with pytest.raises(sogni_compat.OpenAIError, match="closed before its end"):
        list(stream)


def test_status_error_before_first_event_is_retried(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """A 503 before any event is retried like a non-streaming call."""
    ordered.post(CHAT_URL, status=503, headers={"Retry-After": "2"})
    ordered.post(CHAT_URL, body=TEXT_STREAM, content_type="text/event-stream")
    stream = client.chat.completions.create(messages=USER, stream=True)
    assert stream.get_final_completion().choices[0].message.content == "Hello!"
    assert sleeps == [2.0]
    keys = {call.request.headers["Idempotency-Key"] for call in ordered.calls}
    assert len(keys) == 1


def test_connection_failure_before_first_event_is_retried(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """A refused connection before the first event is retried."""
    ordered.post(CHAT_URL, body=requests.exceptions.ConnectionError("refused"))
    ordered.post(CHAT_URL, body=TEXT_STREAM, content_type="text/event-stream")
    assert len(list(client.chat.completions.create(messages=USER, stream=True))) == 4
    assert len(sleeps) == 1


def test_status_error_that_is_final(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A 400 on a streaming call raises BadRequestError at create()."""
    mock.post(CHAT_URL, status=400, json={"error": {"message": "bad stream"}})
    with pytest.raises(sogni_compat.BadRequestError, match="bad stream"):
        client.chat.completions.create(messages=USER, stream=True)


def test_reading_after_leaving_a_loop_early_raises(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """A loop left early closes the stream; reading it again is an error, not silent emptiness."""
    stream = stream_of(client, mock, TEXT_STREAM)
    for _ in stream:
        break
    with pytest.raises(sogni_compat.OpenAIError, match="closed before its end"):
        list(stream)
    accumulating = stream_of(client, mock, TEXT_STREAM).accumulate()
    for _ in accumulating:
        break
    with pytest.raises(sogni_compat.OpenAIError, match="closed before its end"):
        accumulating.get_final_completion()


def test_next_reads_step_by_step_without_closing(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """next(stream) keeps the stream open; a loop afterwards reads the rest."""
    stream = stream_of(client, mock, TEXT_STREAM)
    first = next(stream)
    assert first.choices[0].delta.role == "assistant"
    rest = [c.choices[0].delta.content for c in stream if c.choices]
    assert rest == ["Hel", "lo!"]
    assert list(stream) == []  # a stream read to its end is simply exhausted
