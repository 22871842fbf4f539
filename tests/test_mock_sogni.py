"""MockSogni: queued answers for users' unit tests, served through responses."""

from __future__ import annotations

import json

import pytest

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.testing import MODELS, MockSogni
from sogni_compat.testing._mock import MockSogniError
from sogni_compat.types.chat import ChatCompletionMessageParam

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Greet Ada"}]


def test_completion_and_bodies() -> None:
    """A queued completion is returned; the JSON body sent can be read back."""
    with MockSogni() as sogni:
        sogni.add_completion("Hello, Ada!")
        client = OpenAI(api_key="test")
        answer = client.chat.completions.create(messages=USER, think=False)
    assert answer.choices[0].message.content == "Hello, Ada!"
    assert answer.usage is not None
    assert answer.usage.prompt_tokens == 2
    (body,) = sogni.bodies
    assert body["messages"] == USER
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    assert sogni.requests[0].headers["Authorization"] == "Bearer test"


def test_answers_are_served_in_order_in_the_mode_asked() -> None:
    """Each request takes the next answer, as JSON or as a stream, whichever it asked for."""
    with MockSogni() as sogni:
        sogni.add_completion("first answer")
        sogni.add_completion("second answer")
        sogni.add_stream("Hel", "lo", "!")
        client = OpenAI(api_key="test")
        first = client.chat.completions.create(messages=USER)
        streamed = client.chat.completions.create(messages=USER, stream=True)
        pieces = [c.choices[0].delta.content for c in streamed if c.choices]
        third = client.chat.completions.create(messages=USER, stream=True)
        final = third.get_final_completion()
    assert first.choices[0].message.content == "first answer"
    assert pieces == ["", "second", " answer", None]
    assert final.choices[0].message.content == "Hello!"
    assert sogni.pending == 0


def test_extra_fields_on_a_completion() -> None:
    """Keywords of add_completion become top-level fields (e.g. a fixed usage)."""
    usage = {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}
    with MockSogni() as sogni:
        sogni.add_completion("ok", usage=usage, sogni_tool_results=[{"tool": "x"}])
        answer = OpenAI(api_key="test").chat.completions.create(messages=USER)
    assert answer.usage is not None
    assert answer.usage.total_tokens == 11
    assert answer.sogni_tool_results == [{"tool": "x"}]


def test_tool_calls_drive_the_loop() -> None:
    """Queued tool calls and a final answer exercise the caller's tool handlers."""
    with MockSogni() as sogni:
        sogni.add_tool_calls(("get_weather", {"city": "Paris"}), ("get_time", {}))
        sogni.add_completion("Sunny at noon.")
        client = OpenAI(api_key="test")
        answer = client.chat.completions.create(
            messages=USER,
            auto_execute_tools=True,
            tool_handlers={
                "get_weather": lambda city: f"{city}: sunny",
                "get_time": lambda: "12:00",
            },
        )
    assert answer.choices[0].message.content == "Sunny at noon."
    tool_messages = [m for m in sogni.bodies[1]["messages"] if m["role"] == "tool"]
    assert [m["content"] for m in tool_messages] == ["Paris: sunny", "12:00"]


def test_single_tool_call_without_loop() -> None:
    """add_tool_call gives an answer whose message holds the call."""
    with MockSogni() as sogni:
        sogni.add_tool_call("lookup", {"q": "x"})
        answer = OpenAI(api_key="test").chat.completions.create(messages=USER)
    call = answer.choices[0].message.tool_calls
    assert call is not None
    assert json.loads(call[0].function.arguments) == {"q": "x"}
    assert answer.choices[0].finish_reason == "tool_calls"


def test_errors_and_retries() -> None:
    """Queued errors raise the matching exception; retryable ones are retried into the next one."""
    with MockSogni() as sogni:
        sogni.add_error(401, "Invalid API key", type="authentication_error")
        sogni.add_error(503, "restarting", headers={"Retry-After": "0"})
        sogni.add_completion("back")
        client = OpenAI(api_key="test", sleep=lambda seconds: None)
        with pytest.raises(sogni_compat.AuthenticationError, match="Invalid API key"):
            client.chat.completions.create(messages=USER)
        assert client.chat.completions.create(messages=USER).choices[0].message.content == "back"
    assert len(sogni.bodies) == 3


def test_error_with_a_raw_body() -> None:
    """add_error(body=...) sends that body as it is."""
    with MockSogni() as sogni:
        sogni.add_error(402, body={"status": "error", "message": "grace period", "errorCode": 4080})
        with pytest.raises(sogni_compat.PaymentRequiredError) as caught:
            OpenAI(api_key="test").chat.completions.create(messages=USER)
    assert caught.value.code == "4080"


def test_models() -> None:
    """Models and models/{id} answer from the mock's model list."""
    with MockSogni(models=["m-1", "m-2"]) as sogni:
        client = OpenAI(api_key="test")
        assert [m.id for m in client.models.list()] == ["m-1", "m-2"]
        assert client.models.retrieve("m-2").id == "m-2"
    assert sogni.bodies == []


def test_custom_base_url() -> None:
    """A mock on another base URL serves clients pointed there."""
    with MockSogni("https://staging.test/v1") as sogni:
        sogni.add_completion("staging")
        client = OpenAI(api_key="test", base_url="https://staging.test/v1")
        assert client.chat.completions.create(messages=USER).choices[0].message.content == "staging"
    assert MODELS[0] == sogni.bodies[0].get("model", MODELS[0])


def test_request_with_nothing_queued_fails_the_test() -> None:
    """A request beyond the queue raises MockSogniError naming the fix."""
    with (
        MockSogni() as sogni,
        pytest.raises(MockSogniError, match="no answer queued for chat request #1"),
    ):
        OpenAI(api_key="test").chat.completions.create(messages=USER)
    assert len(sogni.bodies) == 1


def test_unused_answers_fail_the_test() -> None:
    """Leaving the block with answers unused raises, unless assert_all_used=False."""
    with pytest.raises(MockSogniError, match="1 queued answer"), MockSogni() as sogni:
        sogni.add_completion("never asked")
    with MockSogni(assert_all_used=False) as relaxed:
        relaxed.add_completion("never asked")
    assert relaxed.pending == 1


def test_an_exception_inside_is_not_masked() -> None:
    """When the test body fails, that failure surfaces, not the unused-answers check."""
    with pytest.raises(KeyError), MockSogni() as sogni:
        sogni.add_completion("unused")
        raise KeyError("the real failure")
