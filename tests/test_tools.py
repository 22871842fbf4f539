"""auto_execute_tools=True with the caller's own tools: rounds, handlers, failures, limits."""

from __future__ import annotations

import enum
import json
import pickle
from typing import Any

import attrs
import pytest
import responses

from sogni_compat import (
    ChatCompletion,
    ChatCompletionMessageToolCall,
    OpenAI,
    OpenAIError,
    ToolResult,
    ToolRound,
    ToolRoundsExceededError,
)
from sogni_compat.types.chat import ChatCompletionMessageParam

from ._helpers import CHAT_URL, USER, completion, sent_json
from ._tooling import WEATHER_TOOL, asks_for

LOOP_KEYS = {
    "auto_execute_tools",
    "autoExecuteTools",
    "on_tool_call",
    "onToolCall",
    "on_tool_progress",
    "onToolProgress",
    "tool_handlers",
    "max_tool_rounds",
    "maxToolRounds",
}


def logged(log: list[str], entry: str) -> str:
    """Append ``entry`` to ``log`` and return a tool result."""
    log.append(entry)
    return "ok"


def answers(mock: responses.RequestsMock, *bodies: dict[str, Any]) -> None:
    """Queue chat completion answers in order."""
    for body in bodies:
        mock.post(CHAT_URL, json=body)


def tool_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``tool`` messages of a request body."""
    return [m for m in body["messages"] if m["role"] == "tool"]


def test_one_round_with_on_tool_call(client: OpenAI, ordered: responses.RequestsMock) -> None:
    """The tool runs, its result goes back with the assistant message, the answer is returned."""
    answers(ordered, asks_for(("get_weather", {"city": "Paris"})), completion("Sunny in Paris."))
    seen: list[ChatCompletionMessageToolCall] = []

    def on_tool_call(call: ChatCompletionMessageToolCall) -> str:
        seen.append(call)
        return "sunny, 21 C"

    answer = client.chat.completions.create(
        messages=USER, tools=[WEATHER_TOOL], auto_execute_tools=True, on_tool_call=on_tool_call
    )

    assert isinstance(answer, ChatCompletion)
    assert answer.choices[0].message.content == "Sunny in Paris."
    assert [(c.id, c.function.name, c.function.arguments) for c in seen] == [
        ("call_0", "get_weather", '{"city": "Paris"}')
    ]
    first, second = (sent_json(call) for call in ordered.calls)
    assert first["messages"] == USER
    assert second["messages"] == [
        *USER,
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_0",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_0", "name": "get_weather", "content": "sunny, 21 C"},
    ]
    for body in (first, second):
        assert not LOOP_KEYS & body.keys()
        assert body["tools"] == [WEATHER_TOOL]
        assert body["sogni_tools"] is False
        assert "sogni_tool_execution" not in body
        assert "stream" not in body
    (entry,) = answer.tool_history
    assert isinstance(entry, ToolRound)
    assert entry.round == 0
    assert entry.tool_calls == seen
    assert entry.tool_results == [
        ToolResult(
            tool_call_id="call_0",
            tool_name="get_weather",
            success=True,
            result_urls=[],
            content="sunny, 21 C",
            error=None,
        )
    ]
    assert entry.completion is not None
    assert entry.completion.choices[0].finish_reason == "tool_calls"


def test_assistant_text_is_kept_with_its_tool_calls(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """Text the model wrote alongside its tool calls is sent back with them."""
    answers(
        ordered,
        asks_for(("get_weather", {"city": "Oslo"}), content="Let me check."),
        completion("Cold."),
    )
    client.chat.completions.create(
        messages=USER, auto_execute_tools=True, on_tool_call=lambda call: "-3 C"
    )
    assistant = sent_json(ordered.calls[1])["messages"][1]
    assert assistant["role"] == "assistant"
    assert assistant["content"] == "Let me check."


def test_several_tools_in_one_round_run_in_order(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """Every call of a round runs, in order, and each gets its own tool message."""
    answers(
        ordered,
        asks_for(
            ("get_weather", {"city": "Rome"}), ("get_time", {}), ("get_weather", {"city": "Oslo"})
        ),
        completion("Done."),
    )
    ran: list[str] = []

    def get_weather(city: str) -> str:
        ran.append(f"weather {city}")
        return f"{city}: fine"

    def get_time() -> str:
        ran.append("time")
        return "12:00"

    answer = client.chat.completions.create(
        messages=USER,
        auto_execute_tools=True,
        tool_handlers={"get_weather": get_weather, "get_time": get_time},
    )
    assert ran == ["weather Rome", "time", "weather Oslo"]
    sent = tool_results(sent_json(ordered.calls[1]))
    assert [(m["tool_call_id"], m["name"], m["content"]) for m in sent] == [
        ("call_0", "get_weather", "Rome: fine"),
        ("call_1", "get_time", "12:00"),
        ("call_2", "get_weather", "Oslo: fine"),
    ]
    assert [r.tool_call_id for r in answer.tool_history[0].tool_results] == [
        "call_0",
        "call_1",
        "call_2",
    ]


def test_several_rounds_are_numbered_from_zero(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """Each round that ran tools is one history entry; messages accumulate across rounds."""
    answers(
        ordered,
        asks_for(("get_weather", {"city": "Rome"})),
        asks_for(("get_weather", {"city": "Oslo"})),
        completion("Both fine."),
    )
    answer = client.chat.completions.create(
        messages=USER,
        auto_execute_tools=True,
        tool_handlers={"get_weather": lambda city: f"{city} ok"},
    )
    assert [entry.round for entry in answer.tool_history] == [0, 1]
    assert len(ordered.calls) == 3
    third = sent_json(ordered.calls[2])["messages"]
    assert [m["role"] for m in third] == ["user", "assistant", "tool", "assistant", "tool"]
    assert [m["content"] for m in tool_results(sent_json(ordered.calls[2]))] == [
        "Rome ok",
        "Oslo ok",
    ]


class Unit(enum.Enum):
    """A temperature unit, as a handler parameter type."""

    C = "celsius"
    F = "fahrenheit"


@attrs.frozen
class Place:
    """A structured handler parameter."""

    city: str
    country: str = "?"


def test_tool_handlers_receive_typed_keyword_arguments(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """JSON values arrive as keywords; attrs classes and enums are built; dicts are JSON-encoded."""
    answers(
        ordered,
        asks_for(
            (
                "forecast",
                {"place": {"city": "Lyon", "country": "FR"}, "days": 3, "unit": "celsius"},
            )
        ),
        completion("ok"),
    )
    received: dict[str, Any] = {}

    def forecast(place: Place, days: int, unit: Unit = Unit.F, detailed: bool = False) -> Any:
        received.update(place=place, days=days, unit=unit, detailed=detailed)
        return {"temps": [20, 21.5, 19], "unit": unit.value, "city": place.city}

    answer = client.chat.completions.create(
        messages=USER, auto_execute_tools=True, tool_handlers={"forecast": forecast}
    )
    assert received == {
        "place": Place(city="Lyon", country="FR"),
        "days": 3,
        "unit": Unit.C,
        "detailed": False,
    }
    (message,) = tool_results(sent_json(ordered.calls[1]))
    assert json.loads(message["content"]) == {
        "temps": [20, 21.5, 19],
        "unit": "celsius",
        "city": "Lyon",
    }
    assert answer.tool_history[0].tool_results[0].success is True


def test_handler_returning_a_string_is_sent_as_is(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """A str result is not JSON-encoded again; attrs results are encoded as objects."""
    answers(ordered, asks_for(("a", {}), ("b", {})), completion("ok"))
    client.chat.completions.create(
        messages=USER,
        auto_execute_tools=True,
        tool_handlers={"a": lambda: '{"already": "json"}', "b": lambda: Place(city="Nice")},
    )
    contents = [m["content"] for m in tool_results(sent_json(ordered.calls[1]))]
    assert contents == ['{"already": "json"}', '{"city": "Nice", "country": "?"}']


def test_tool_handlers_win_over_on_tool_call(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """A name found in tool_handlers never reaches on_tool_call; other names do."""
    answers(ordered, asks_for(("mine", {}), ("other", {"x": 1})), completion("ok"))
    fallback: list[str] = []

    def on_tool_call(call: ChatCompletionMessageToolCall) -> str:
        fallback.append(call.function.name)
        return "from callback"

    client.chat.completions.create(
        messages=USER,
        auto_execute_tools=True,
        tool_handlers={"mine": lambda: "from handler"},
        on_tool_call=on_tool_call,
    )
    assert fallback == ["other"]
    contents = [m["content"] for m in tool_results(sent_json(ordered.calls[1]))]
    assert contents == ["from handler", "from callback"]


def failure_of(mock: responses.RequestsMock, call_index: int = 1) -> str:
    """The error the model was told in the first tool message of a request."""
    content = json.loads(tool_results(sent_json(mock.calls[call_index]))[0]["content"])
    assert content["success"] is False
    assert set(content) == {"success", "error"}
    error: str = content["error"]
    return error


def test_handler_exception_becomes_an_error_result(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """A raising handler does not stop the loop: the model and the history get the error."""
    answers(ordered, asks_for(("get_weather", {"city": "Atlantis"})), completion("Sorry."))

    def get_weather(city: str) -> str:
        raise LookupError(f"unknown city {city}")

    answer = client.chat.completions.create(
        messages=USER, auto_execute_tools=True, tool_handlers={"get_weather": get_weather}
    )
    error = failure_of(ordered)
    assert "LookupError" in error
    assert "unknown city Atlantis" in error
    assert answer.choices[0].message.content == "Sorry."
    result = answer.tool_history[0].tool_results[0]
    assert result.success is False
    assert result.error == error
    assert json.loads(result.content) == {"success": False, "error": error}


def test_on_tool_call_exception_becomes_an_error_result(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """on_tool_call raising is reported the same way as a handler raising."""
    answers(ordered, asks_for(("lookup", {})), completion("ok"))

    def on_tool_call(call: ChatCompletionMessageToolCall) -> str:
        raise RuntimeError("backend down")

    answer = client.chat.completions.create(
        messages=USER, auto_execute_tools=True, on_tool_call=on_tool_call
    )
    assert "backend down" in failure_of(ordered)
    assert answer.tool_history[0].tool_results[0].success is False


def test_missing_handler_names_the_tool(client: OpenAI, ordered: responses.RequestsMock) -> None:
    """A tool nobody handles gets an error result naming it."""
    answers(ordered, asks_for(("launch_rocket", {})), completion("I can't."))
    answer = client.chat.completions.create(
        messages=USER, auto_execute_tools=True, tool_handlers={"other": lambda: "x"}
    )
    error = failure_of(ordered)
    assert "launch_rocket" in error
    assert "no handler" in error
    assert answer.tool_history[0].tool_results[0].error == error


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ('{"city": "Par', "not valid JSON"),
        ('["Paris"]', "must be a JSON object"),
        ('"Paris"', "must be a JSON object"),
    ],
)
def test_bad_argument_json_becomes_an_error_result(
    client: OpenAI, ordered: responses.RequestsMock, arguments: str, expected: str
) -> None:
    """Arguments that are not a JSON object are an error result; the handler is not called."""
    answers(ordered, asks_for(("get_weather", arguments)), completion("ok"))
    called: list[str] = []
    client.chat.completions.create(
        messages=USER,
        auto_execute_tools=True,
        tool_handlers={"get_weather": lambda **kw: logged(called, "handler")},
        on_tool_call=lambda call: logged(called, "callback"),
    )
    error = failure_of(ordered)
    assert expected in error
    assert "get_weather" in error
    assert called == []


def test_empty_arguments_mean_no_arguments(client: OpenAI, ordered: responses.RequestsMock) -> None:
    """An empty arguments string calls the handler with no keywords."""
    answers(ordered, asks_for(("get_time", "")), completion("ok"))
    client.chat.completions.create(
        messages=USER, auto_execute_tools=True, tool_handlers={"get_time": lambda: "noon"}
    )
    assert tool_results(sent_json(ordered.calls[1]))[0]["content"] == "noon"


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, "missing a required argument: 'city'"),
        ({"city": "Rome", "color": "red"}, "unexpected keyword argument 'color'"),
        ({"city": "Rome", "when": {"day": 1}}, "argument 'when' of tool 'get_weather'"),
    ],
)
def test_arguments_that_do_not_fit_the_handler(
    client: OpenAI, ordered: responses.RequestsMock, arguments: dict[str, Any], expected: str
) -> None:
    """Missing, unexpected or ill-typed arguments are an error result naming the problem."""
    answers(ordered, asks_for(("get_weather", arguments)), completion("ok"))

    def get_weather(city: str, when: Place | None = None) -> str:
        return "never called"

    client.chat.completions.create(
        messages=USER, auto_execute_tools=True, tool_handlers={"get_weather": get_weather}
    )
    assert expected in failure_of(ordered)


def test_result_that_cannot_be_encoded(client: OpenAI, ordered: responses.RequestsMock) -> None:
    """A handler returning something JSON cannot hold gets an error result, not a crash."""
    answers(ordered, asks_for(("get_weather", {"city": "Rome"})), completion("ok"))
    client.chat.completions.create(
        messages=USER, auto_execute_tools=True, tool_handlers={"get_weather": lambda city: object()}
    )
    assert "cannot be JSON-encoded" in failure_of(ordered)


def test_keyboard_interrupt_in_a_handler_propagates(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """Ctrl-C inside a tool stops the call instead of becoming a tool error."""
    answers(ordered, asks_for(("slow", {})))

    def slow() -> str:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        client.chat.completions.create(
            messages=USER, auto_execute_tools=True, tool_handlers={"slow": slow}
        )
    assert len(ordered.calls) == 1


def test_round_limit_raises_without_running_the_last_tools(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """max_tool_rounds completions at most; the last one's tools are not executed."""
    answers(ordered, *(asks_for(("get_weather", {"city": f"c{i}"})) for i in range(3)))
    ran: list[str] = []

    with pytest.raises(ToolRoundsExceededError) as caught:
        client.chat.completions.create(
            messages=USER,
            auto_execute_tools=True,
            max_tool_rounds=3,
            tool_handlers={"get_weather": lambda city: logged(ran, city)},
        )
    assert ran == ["c0", "c1"]
    assert len(ordered.calls) == 3
    error = caught.value
    assert isinstance(error, OpenAIError)
    assert isinstance(error, RuntimeError)
    assert [entry.round for entry in error.tool_history] == [0, 1]
    assert error.max_tool_rounds == 3
    assert error.completion.choices[0].message.tool_calls is not None
    assert error.completion.choices[0].message.tool_calls[0].function.arguments == '{"city": "c2"}'
    assert "max_tool_rounds=3" in str(error)
    assert "get_weather" in str(error)


def test_default_round_limit_is_five(client: OpenAI, ordered: responses.RequestsMock) -> None:
    """Without max_tool_rounds, five completions are requested before giving up."""
    answers(ordered, *(asks_for(("t", {})) for _ in range(5)))
    with pytest.raises(ToolRoundsExceededError) as caught:
        client.chat.completions.create(
            messages=USER, auto_execute_tools=True, tool_handlers={"t": lambda: "again"}
        )
    assert len(ordered.calls) == 5
    assert len(caught.value.tool_history) == 4


def test_one_round_allowed_means_no_tool_runs(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """max_tool_rounds=1 sends one completion and never runs its tools."""
    answers(ordered, asks_for(("t", {})))
    ran: list[str] = []
    with pytest.raises(ToolRoundsExceededError) as caught:
        client.chat.completions.create(
            messages=USER,
            auto_execute_tools=True,
            max_tool_rounds=1,
            tool_handlers={"t": lambda: logged(ran, "t")},
        )
    assert ran == []
    assert caught.value.tool_history == []


def test_answer_without_tool_calls_returns_at_once(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """When the model answers directly, one request is sent and tool_history is empty."""
    answers(mock, completion("Hi there"))
    answer = client.chat.completions.create(
        messages=USER, auto_execute_tools=True, tool_handlers={"t": lambda: "x"}
    )
    assert answer.choices[0].message.content == "Hi there"
    assert answer.tool_history == []
    assert len(mock.calls) == 1


def test_tool_calls_with_another_finish_reason_are_returned(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """Only finish_reason == 'tool_calls' starts a round; other answers are returned as they are."""
    body = asks_for(("t", {}))
    body["choices"][0]["finish_reason"] = "length"
    answers(mock, body)
    answer = client.chat.completions.create(
        messages=USER, auto_execute_tools=True, tool_handlers={"t": lambda: "x"}
    )
    assert answer.choices[0].finish_reason == "length"
    assert answer.tool_history == []


def test_missing_tool_call_ids_are_filled_in(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """A call without an id gets one, used in both the assistant and the tool message."""
    first = asks_for(("t", {}))
    del first["choices"][0]["message"]["tool_calls"][0]["id"]
    answers(ordered, first, completion("ok"))
    client.chat.completions.create(
        messages=USER, auto_execute_tools=True, tool_handlers={"t": lambda: "x"}
    )
    messages = sent_json(ordered.calls[1])["messages"]
    call_id = messages[1]["tool_calls"][0]["id"]
    assert call_id
    assert messages[2]["tool_call_id"] == call_id


def test_forced_tool_choice_applies_to_the_first_round_only(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """tool_choice='required' forces the first call; later rounds let the model answer."""
    answers(ordered, asks_for(("get_weather", {"city": "Rome"})), completion("ok"))
    client.chat.completions.create(
        messages=USER,
        tools=[WEATHER_TOOL],
        tool_choice="required",
        auto_execute_tools=True,
        tool_handlers={"get_weather": lambda city: "fine"},
    )
    assert sent_json(ordered.calls[0])["tool_choice"] == "required"
    assert sent_json(ordered.calls[1])["tool_choice"] == "auto"


def test_the_callers_messages_are_not_modified(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """The loop builds its own message list; the caller's list stays as it was."""
    answers(ordered, asks_for(("t", {})), completion("ok"))
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
    client.chat.completions.create(
        messages=messages, auto_execute_tools=True, tool_handlers={"t": lambda: "x"}
    )
    assert messages == [{"role": "user", "content": "Hi"}]


def test_hosted_tool_names_go_to_the_callers_code_without_sogni_tools(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """With sogni_tools off, a tool called generate_image is the caller's, never Sogni's."""
    answers(ordered, asks_for(("generate_image", {"prompt": "a cat"})), completion("ok"))
    answer = client.chat.completions.create(
        messages=USER, auto_execute_tools=True, on_tool_call=lambda call: "my own image"
    )
    assert [call.request.url for call in ordered.calls] == [CHAT_URL, CHAT_URL]
    assert answer.tool_history[0].tool_results[0].content == "my own image"


def test_camel_case_spellings(client: OpenAI, ordered: responses.RequestsMock) -> None:
    """autoExecuteTools, onToolCall and maxToolRounds work like the snake_case keywords."""
    answers(ordered, asks_for(("t", {})), asks_for(("t", {})))
    calls: list[str] = []
    with pytest.raises(ToolRoundsExceededError):
        client.chat.completions.create(
            messages=USER,
            autoExecuteTools=True,
            onToolCall=lambda call: logged(calls, call.id),
            onToolProgress=lambda call, progress: None,
            maxToolRounds=2,
        )
    assert calls == ["call_0"]
    assert not LOOP_KEYS & sent_json(ordered.calls[0]).keys()


def test_loop_result_pickles_with_its_history(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """The returned completion, history included, survives pickling."""
    answers(ordered, asks_for(("t", {})), completion("ok"))
    answer = client.chat.completions.create(
        messages=USER, auto_execute_tools=True, tool_handlers={"t": lambda: "x"}
    )
    copy = pickle.loads(pickle.dumps(answer))
    assert copy.tool_history == answer.tool_history
    assert copy.tool_history[0].tool_results[0].content == "x"


def test_loop_keywords_without_the_loop_are_refused(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """Loop options without auto_execute_tools would be ignored: refused before sending."""
    with pytest.raises(ValueError, match="only take effect with auto_execute_tools=True") as caught:
        client.chat.completions.create(
            messages=USER, tool_handlers={"t": lambda: "x"}, maxToolRounds=2
        )
    assert str(caught.value) == (
        "maxToolRounds and tool_handlers only take effect with auto_execute_tools=True: pass "
        "auto_execute_tools=True as well, or drop them"
    )


def test_one_loop_keyword_without_the_loop_is_named_in_the_singular(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """One loop keyword without the loop: the message's grammar fits one keyword."""
    with pytest.raises(ValueError, match="only takes effect") as caught:
        client.chat.completions.create(messages=USER, media_context={"images": []})
    assert str(caught.value) == (
        "media_context only takes effect with auto_execute_tools=True: pass "
        "auto_execute_tools=True as well, or drop media_context"
    )


def test_loop_switched_off_explicitly(client: OpenAI, mock: responses.RequestsMock) -> None:
    """auto_execute_tools=False sends a plain request and returns the tool calls untouched."""
    answers(mock, asks_for(("t", {})))
    answer = client.chat.completions.create(
        messages=USER, auto_execute_tools=False, tool_handlers={"t": lambda: "x"}
    )
    assert answer.choices[0].finish_reason == "tool_calls"
    assert not LOOP_KEYS & sent_json(mock.calls[0]).keys()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"stream": True}, ValueError, "stream=True cannot be combined"),
        ({"n": 2}, ValueError, "n=2 cannot be combined"),
        ({"max_tool_rounds": 0}, ValueError, "max_tool_rounds must be at least 1"),
        ({"max_tool_rounds": "3"}, TypeError, "max_tool_rounds must be an integer"),
        ({"max_tool_rounds": True}, TypeError, "max_tool_rounds must be an integer"),
        ({"tool_handlers": [print]}, TypeError, "tool_handlers must be a dict"),
        ({"tool_handlers": {"t": "not callable"}}, TypeError, r"tool_handlers\['t'\]"),
        ({"tool_handlers": {1: print}}, TypeError, "tool_handlers keys"),
        ({"on_tool_call": "print"}, TypeError, "on_tool_call must be a function"),
        ({"on_tool_progress": 5}, TypeError, "on_tool_progress must be a function"),
        ({"max_tool_rounds": 2, "maxToolRounds": 2}, TypeError, "not both"),
    ],
)
def test_bad_loop_options_are_refused_before_sending(
    client: OpenAI,
    mock: responses.RequestsMock,
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    """Bad loop options raise before any request (the strict mock has nothing registered)."""
    with pytest.raises(error, match=message):
        client.chat.completions.create(messages=USER, auto_execute_tools=True, **kwargs)


def test_auto_execute_tools_must_be_a_bool(client: OpenAI, mock: responses.RequestsMock) -> None:
    """An auto_execute_tools other than True, False or "server" is a TypeError."""
    with pytest.raises(TypeError, match="auto_execute_tools must be True, False or 'server'"):
        bad: dict[str, Any] = {"auto_execute_tools": "yes"}
        client.chat.completions.create(messages=USER, **bad)
