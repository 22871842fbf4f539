"""Every failure a server or a model can cause is one of the package's errors, saying what.

Hostile bodies (deep nesting, numbers of thousands of digits), malformed chunks and tool
calls, pages where a stream should be, redirects: none escapes as a ``RecursionError``,
``TypeError`` or a ``requests`` exception, and none stops the tool loop.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any, cast

import pytest
import responses

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat._cli import main
from sogni_compat.types.chat import ChatCompletionMessageParam

from ._helpers import API_KEY, BASE_URL, CHAT_URL, completion, sent_json
from ._hostile import (
    Exchange,
    HostileServer,
    answering,
    completion_body,
    event_stream_head,
    head,
    json_response,
    tool_call,
)

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
Serve = Callable[[Callable[[Exchange], None]], HostileServer]
DEEP = "[" * 100_000 + "]" * 100_000
#: Parses, but deeper than any walk over it should have to go.
NESTED = '{"a": ' * 150 + "1" + "}" * 150
HUGE = "1" * 5000


# -- hostile JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(DEEP, id="deep nesting"),
        pytest.param('{"choices": ' + HUGE + "}", id="a 5000-digit number"),
        pytest.param('{"choices": [' + DEEP + "]}", id="deep inside a field"),
        pytest.param('{"choices": [], "extra": ' + NESTED + "}", id="150 levels"),
    ],
)
def test_hostile_json_is_a_validation_error(hostile: Serve, body: str) -> None:
    """A 200 nesting deep enough to exhaust the stack, or a huge number: a validation error."""
    client = hostile(answering(body.encode())).client()
    with pytest.raises(sogni_compat.APIResponseValidationError):
        client.chat.completions.create(messages=USER)


@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        '{"error": {"message": "x", "retryAfter": ' + HUGE + "}}",
        '{"error": {"message": "x", "details": ' + NESTED + "}}",
    ],
)
def test_hostile_error_bodies_keep_their_status(hostile: Serve, body: str) -> None:
    """A 500 (or 429) with a hostile body is still the status's error class."""
    client = hostile(answering(body.encode(), 429)).client()
    with pytest.raises(sogni_compat.RateLimitError) as caught:
        client.chat.completions.create(messages=USER)
    assert caught.value.status_code == 429


@pytest.mark.parametrize(
    "header", ["1" * 400, "99999999999999999999999999", "Wed, 99 Foo 99999 99:99:99 GMT", "nan"]
)
def test_hostile_retry_after_headers(mock: responses.RequestsMock, header: str) -> None:
    """A Retry-After no clock can hold is ignored, not an OverflowError."""
    mock.post(CHAT_URL, status=429, headers={"Retry-After": header}, json={"error": {}})
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    with pytest.raises(sogni_compat.RateLimitError):
        client.chat.completions.create(messages=USER)


def test_hostile_json_in_a_stream(hostile: Serve) -> None:
    """Deep nesting inside a stream event is an APIError."""
    data = b"data: " + DEEP.encode() + b"\n\n"

    def stream(exchange: Exchange) -> None:
        exchange.send(event_stream_head())
        exchange.send(data)
        exchange.close()

    client = hostile(stream).client()
    with pytest.raises(sogni_compat.APIError, match="not valid JSON"):
        list(client.chat.completions.create(messages=USER, stream=True))


def test_parse_with_hostile_content(mock: responses.RequestsMock) -> None:
    """parse() of an answer nesting too deeply is an APIResponseValidationError."""
    import dataclasses

    @dataclasses.dataclass
    class Answer:
        value: int

    mock.post(CHAT_URL, json=completion(DEEP))
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    deep = r"nests more than 100 levels"
    with pytest.raises(sogni_compat.APIResponseValidationError, match=deep):
        client.chat.completions.parse(messages=USER, response_format=Answer)


# -- malformed tool calls --------------------------------------------------------------------


def asks(*calls: Any) -> dict[str, Any]:
    """A completion asking for these raw tool calls."""
    return completion_body(None, list(calls))


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        pytest.param(tool_call("add", 42), "not a JSON object", id="arguments a number"),
        pytest.param(tool_call("add", [1, 2]), "not a JSON object", id="arguments a list"),
        pytest.param(tool_call("add", DEEP), "more than 100 levels", id="arguments too deep"),
        pytest.param(tool_call("add", NESTED), "more than 100 levels", id="arguments 150 deep"),
        pytest.param(tool_call("add", '"text"'), "must be a JSON object", id="a JSON string"),
        pytest.param({"id": "t1", "type": "function"}, "names no function", id="function missing"),
        pytest.param({"id": "t1", "function": "add"}, "no 'function'", id="function not an object"),
        pytest.param(tool_call(["add"]), "names no function", id="name a list"),
        pytest.param(tool_call(None), "names no function", id="name missing"),
        pytest.param("add", "not an object", id="call a string"),
    ],
)
def test_malformed_tool_calls_become_error_results(
    mock: responses.RequestsMock, call: Any, problem: str
) -> None:
    """A malformed call is answered with an error result and the loop goes on."""
    mock.post(CHAT_URL, json=asks(call, tool_call("add", '{"a": 2}', "t2")))
    mock.post(CHAT_URL, json=completion("recovered"))
    ran: list[int] = []

    def add(a: int) -> int:
        ran.append(a)
        return a

    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    answer = client.chat.completions.create(
        messages=USER, auto_execute_tools=True, tool_handlers={"add": add}
    )
    assert answer.choices[0].message.content == "recovered"
    first, second = answer.tool_history[0].tool_results
    assert not first.success
    assert problem in (first.error or "")
    assert second.success
    assert ran == [2]
    sent = sent_json(mock.calls[1])["messages"]
    assistant, tool_results = sent[1], sent[2:]
    assert [r["tool_call_id"] for r in tool_results] == [c["id"] for c in assistant["tool_calls"]]
    assert all(isinstance(c["function"]["arguments"], str) for c in assistant["tool_calls"])
    assert all(isinstance(c["function"]["name"], str) for c in assistant["tool_calls"])
    assert json.loads(tool_results[0]["content"])["success"] is False


def test_tool_calls_that_are_not_a_list(mock: responses.RequestsMock) -> None:
    """An answer whose tool_calls is not a list is an APIError, not a TypeError."""
    body = completion_body(None, None)
    body["choices"][0].update(finish_reason="tool_calls")
    body["choices"][0]["message"]["tool_calls"] = "add"
    mock.post(CHAT_URL, json=body)
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    with pytest.raises(sogni_compat.APIError, match="tool_calls is not a list"):
        client.chat.completions.create(
            messages=USER, auto_execute_tools=True, tool_handlers={"add": print}
        )


# -- malformed chunks ------------------------------------------------------------------------


def stream_of(*events: Any) -> Callable[[Exchange], None]:
    """A script answering with these events (dicts as JSON), then [DONE]."""
    payload = b"".join(
        b"data: " + (e if isinstance(e, bytes) else json.dumps(e).encode()) + b"\n\n"
        for e in events
    )

    def script(exchange: Exchange) -> None:
        exchange.send(event_stream_head() + payload + b"data: [DONE]\n\n")
        exchange.close()

    return script


def chunk(**delta: Any) -> dict[str, Any]:
    """A chunk with one choice holding ``delta``."""
    return {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta}]}


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        pytest.param({"choices": "x"}, "choices is not a list", id="choices a string"),
        pytest.param({"choices": [1]}, "choices[0] is not an object", id="choice a number"),
        pytest.param(
            {"choices": [{"index": "0", "delta": {}}]}, "index is not an integer", id="index str"
        ),
        pytest.param({"choices": [{"delta": []}]}, "delta is not an object", id="delta a list"),
        pytest.param(chunk(content=5), "delta.content is not a string", id="content a number"),
        pytest.param(chunk(tool_calls={}), "tool_calls is not a list", id="tool_calls a dict"),
        pytest.param(chunk(tool_calls="x"), "tool_calls is not a list", id="tool_calls a str"),
        pytest.param(chunk(refusal=[]), "delta.refusal is not a string", id="refusal a list"),
        pytest.param(
            chunk(tool_calls=[{"index": 0, "function": {"arguments": 7}}]),
            "function.arguments is not a string",
            id="arguments a number",
        ),
        pytest.param(
            chunk(tool_calls=[{"index": 0, "function": "f"}]),
            "function is not an object",
            id="function a string",
        ),
    ],
)
def test_malformed_chunks_are_api_errors(hostile: Serve, bad: dict[str, Any], problem: str) -> None:
    """A malformed chunk raises APIError naming what is wrong, whether accumulated or not."""
    server = hostile(stream_of(chunk(role="assistant"), bad))
    client = server.client()
    with pytest.raises(sogni_compat.APIError, match="malformed") as caught:
        list(client.chat.completions.create(messages=USER, stream=True))
    assert problem in str(caught.value)
    with pytest.raises(sogni_compat.APIError, match="malformed"):
        client.chat.completions.create(messages=USER, stream=True).get_final_completion()


def test_missing_indexes_are_filled_in(hostile: Serve) -> None:
    """Chunks without choice or tool-call indexes are read by position."""
    server = hostile(
        stream_of(
            {"choices": [{"delta": {"role": "assistant", "content": "a"}}]},
            {"choices": [{"delta": {"tool_calls": [{"id": "c", "function": {"name": "f"}}]}}]},
            {"choices": [{"delta": {"tool_calls": [{"function": {"arguments": "{}"}}]}}]},
        )
    )
    final = server.client().chat.completions.create(messages=USER, stream=True)
    completion_ = final.get_final_completion()
    message = completion_.choices[0].message
    assert message.content == "a"
    assert message.tool_calls is not None
    assert message.tool_calls[0].function.name == "f"
    assert message.tool_calls[0].function.arguments == "{}"


def test_cli_prints_no_traceback_for_a_malformed_stream(hostile: Serve, monkeypatch: Any) -> None:
    """The CLI reports a server's malformed chunk as an error line and exit status 1."""
    server = hostile(stream_of(chunk(content=["not", "text"])))
    monkeypatch.setenv("SOGNI_API_KEY", API_KEY)
    out, err = io.StringIO(), io.StringIO()
    status = main(["chat", "--base-url", server.base_url, "Hi"], stdout=out, stderr=err)
    assert status == 1
    assert "malformed" in err.getvalue()
    assert "Traceback" not in err.getvalue()


# -- pages where a stream should be ----------------------------------------------------------


def test_json_answer_to_a_stream_is_one_chunk(hostile: Serve) -> None:
    """A plain JSON completion answering stream=True is read as one chunk holding it all."""
    body = completion_body("whole answer")
    body["usage"] = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    client = hostile(lambda exchange: exchange.send(json_response(200, body))).client()
    chunks = list(client.chat.completions.create(messages=USER, stream=True))
    assert len(chunks) == 1
    assert chunks[0].object == "chat.completion.chunk"
    assert chunks[0].choices[0].delta.content == "whole answer"
    assert chunks[0].choices[0].finish_reason == "stop"
    assert chunks[0].usage is not None
    assert chunks[0].usage.total_tokens == 3
    stream = client.chat.completions.create(messages=USER, stream=True)
    assert stream.get_final_completion().choices[0].message.content == "whole answer"


def test_json_tool_calls_answer_to_a_stream(hostile: Serve) -> None:
    """Tool calls in a JSON answer to a stream get their indexes, as streamed ones have."""
    body = completion_body(None, [tool_call("f", "{}", "a"), tool_call("g", "{}", "b")])
    client = hostile(lambda exchange: exchange.send(json_response(200, body))).client()
    final = client.chat.completions.create(messages=USER, stream=True).get_final_completion()
    calls = final.choices[0].message.tool_calls or []
    assert [(c.id, c.function.name) for c in calls] == [("a", "f"), ("b", "g")]


@pytest.mark.parametrize(
    ("body", "content_type", "error", "match"),
    [
        (b"<html><title>Gateway</title></html>", "text/html", "validation", "text/html"),
        (b"Service busy", "text/plain", "validation", "without any chunk"),
        (b'{"error": {"message": "overloaded"}}', "application/json", "api", "overloaded"),
        (b'{"object": "list"}', "application/json", "validation", "no 'choices'"),
        (b"nothing: here\n", "text/event-stream", "validation", "without any chunk"),
    ],
)
def test_pages_answering_a_stream_raise(
    hostile: Serve, body: bytes, content_type: str, error: str, match: str
) -> None:
    """HTML, plain text, an error object or an empty event stream answering a stream raise."""
    client = hostile(answering(body, content_type=content_type)).client()
    expected = (
        sogni_compat.APIResponseValidationError if error == "validation" else sogni_compat.APIError
    )
    with pytest.raises(expected, match=match):
        client.chat.completions.create(messages=USER, stream=True)


def test_stream_closed_before_anything_is_a_connection_error(hostile: Serve) -> None:
    """An event stream that closes before sending a byte is retried as a dropped connection."""
    calls: list[int] = []

    def script(exchange: Exchange) -> None:
        calls.append(1)
        if len(calls) == 1:
            exchange.send(event_stream_head())
        else:
            exchange.send(event_stream_head() + b'data: {"choices": []}\n\ndata: [DONE]\n\n')
        exchange.close()

    client = hostile(script).client(max_retries=1, sleep=lambda _: None)
    assert list(client.chat.completions.create(messages=USER, stream=True))
    assert len(calls) == 2


# -- redirects and the model lookup ----------------------------------------------------------


def test_redirect_to_another_scheme_is_our_error(hostile: Serve) -> None:
    """A redirect to file:// is an APIStatusError, not requests' InvalidSchema."""

    def redirect(exchange: Exchange) -> None:
        exchange.send(head(302, {"Location": "file:///etc/passwd", "Content-Length": "0"}))

    client = hostile(redirect).client()
    with pytest.raises(sogni_compat.APIStatusError, match="file:///etc/passwd"):
        client.chat.completions.create(messages=USER)


def test_model_lookup_is_one_short_attempt_with_twenty_names(
    mock: responses.RequestsMock,
) -> None:
    """A 404's model list comes from one GET models and names at most 20 models."""
    mock.post(CHAT_URL, status=404, json={"error": {"message": "model not found"}})
    models = [{"id": f"model-{i}", "object": "model"} for i in range(200_000)]
    mock.get(f"{BASE_URL}/models", json={"object": "list", "data": models})
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    with pytest.raises(sogni_compat.NotFoundError) as caught:
        client.chat.completions.create(messages=USER, model="gpt-4o")
    message = str(caught.value)
    assert "model-19" in message
    assert "model-20," not in message
    assert "and 199,980 more" in message
    assert len(message) < 1000
    assert len(mock.calls) == 2


def test_model_lookup_is_not_retried(mock: responses.RequestsMock) -> None:
    """When GET models fails, the original 404 is raised after that one attempt."""
    mock.post(CHAT_URL, status=404, json={"error": {"message": "model not found"}})
    mock.get(f"{BASE_URL}/models", status=503)
    sleeps: list[float] = []
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, sleep=sleeps.append)
    with pytest.raises(sogni_compat.NotFoundError, match="model not found") as caught:
        client.chat.completions.create(messages=USER, model="gpt-4o")
    assert "available models" not in str(caught.value)
    assert sleeps == []
    assert len(mock.calls) == 2


@pytest.mark.parametrize("status", [["completed"], {"s": 1}, 7])
def test_workflow_status_of_the_wrong_type(hostile: Serve, status: Any) -> None:
    """A workflow status that is not a string is no status: the tool fails, the loop goes on."""
    from ._hostile import WorkflowScript

    def stream(exchange: Exchange) -> None:
        event = json.dumps({"status": status, "progress": 5}).encode()
        exchange.send(event_stream_head() + b"data: " + event + b"\n\n")
        exchange.close()

    script = WorkflowScript(stream)
    script.status = status  # the snapshot says the same
    client = hostile(script).client(sleep=lambda _: None, tool_timeout=5)
    answer = client.chat.completions.create(
        messages=USER, sogni_tools=True, auto_execute_tools=True
    )
    result = answer.tool_history[0].tool_results[0]
    assert not result.success
    assert answer.choices[0].message.content == "done"


def test_conflicting_content_lengths_are_a_connection_error(hostile: Serve) -> None:
    """Two different Content-Length headers: APIConnectionError, not requests' InvalidHeader."""
    whole = head(200, [("Content-Length", "3"), ("Content-Length", "155")]) + b"{}"
    client = hostile(lambda exchange: exchange.send(whole)).client()
    with pytest.raises(sogni_compat.APIConnectionError, match="Content-Length"):
        client.chat.completions.create(messages=USER)
    with pytest.raises(sogni_compat.APIConnectionError):
        client.models.list()


@pytest.mark.parametrize(
    "body",
    [
        completion_body(None, cast(Any, "add")),  # tool_calls a string
        completion_body(None, [{"id": "a", "function": {"name": 7, "arguments": {}}}]),
    ],
)
def test_openai_types_refusing_an_answer_is_a_validation_error(
    hostile: Serve, body: dict[str, Any]
) -> None:
    """An answer openai's types cannot hold is APIResponseValidationError, not pydantic's."""
    client = hostile(lambda exchange: exchange.send(json_response(200, body))).client(
        response_types="openai"
    )
    with pytest.raises(sogni_compat.APIResponseValidationError, match="openai package's type"):
        client.chat.completions.create(messages=USER)


def test_legacy_answer_with_tool_calls_not_a_list(hostile: Serve) -> None:
    """A legacy functions= answer whose tool_calls is an object does not raise KeyError."""
    body = completion_body(None, cast(Any, {"id": "a"}))
    client = hostile(lambda exchange: exchange.send(json_response(200, body))).client()
    answer = client.chat.completions.create(
        messages=USER, functions=[{"name": "f", "parameters": {}}]
    )
    assert answer.choices[0].message.function_call is None
