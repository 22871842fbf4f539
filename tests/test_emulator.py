"""LocalSogniServer: its routes, its deterministic model, recording, and the client end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.testing import DEFAULT_MODEL, MODELS, LocalSogniServer
from sogni_compat.types.chat import ChatCompletionMessageParam

from ._tooling import WEATHER_TOOL, Progress

KEY = {"Authorization": "Bearer any-key"}


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSogniServer]:
    """One emulator for the module (tests that add faults use their own)."""
    with LocalSogniServer(workflow_seconds=0.1) as running:
        yield running


@pytest.fixture
def client(server: LocalSogniServer) -> Iterator[OpenAI]:
    """A client pointed at the shared emulator."""
    with server.client(max_retries=0) as c:
        yield c


def post(server: LocalSogniServer, path: str, body: Any, **headers: str) -> requests.Response:
    """A raw POST to the emulator."""
    return requests.post(
        f"{server.base_url}/{path}", json=body, headers={**KEY, **headers}, timeout=10
    )


def get(server: LocalSogniServer, path: str, **headers: str) -> requests.Response:
    """A raw GET to the emulator."""
    return requests.get(f"{server.base_url}/{path}", headers={**KEY, **headers}, timeout=10)


def say(text: str) -> list[ChatCompletionMessageParam]:
    """A one-message conversation."""
    return [{"role": "user", "content": text}]


# -- the model ------------------------------------------------------------------------------


def test_echoes_the_last_user_message(client: OpenAI) -> None:
    """The answer is the last user message, with usage counted in whitespace tokens."""
    answer = client.chat.completions.create(
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "first"},
            {"role": "user", "content": "Hello there, emulator"},
        ]
    )
    assert answer.choices[0].message.content == "Hello there, emulator"
    assert answer.choices[0].finish_reason == "stop"
    assert answer.model == DEFAULT_MODEL
    assert answer.usage is not None
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (7, 3)
    assert answer.usage.total_tokens == 10
    assert answer._request_id is not None
    assert answer._request_id.startswith("req_")


def test_stop_and_max_tokens(client: OpenAI) -> None:
    """Stop cuts before the stop string; max_tokens keeps N tokens and reports 'length'."""
    stopped = client.chat.completions.create(messages=say("one two. three"), stop=[".", "!"])
    assert stopped.choices[0].message.content == "one two"
    assert stopped.choices[0].finish_reason == "stop"
    limited = client.chat.completions.create(messages=say("one two three four"), max_tokens=2)
    assert limited.choices[0].message.content == "one two"
    assert limited.choices[0].finish_reason == "length"


def test_text_parts_are_read(client: OpenAI) -> None:
    """Content given as parts (as vision messages are) is echoed from its text parts."""
    answer = client.chat.completions.create(
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "describe"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}},
                    {"type": "text", "text": "this"},
                ],
            }
        ]
    )
    assert answer.choices[0].message.content == "describe this"


def test_thinking_adds_reasoning_content(client: OpenAI) -> None:
    """think=True makes the answer carry reasoning_content; think=False does not."""
    on = client.chat.completions.create(messages=say("a b"), think=True)
    assert on.choices[0].message.reasoning_content == "The user wrote 2 tokens; I echo them."
    off = client.chat.completions.create(messages=say("a b"), think=False)
    assert off.choices[0].message.reasoning_content is None


def test_streamed_answer(client: OpenAI) -> None:
    """A stream sends the role, one chunk per token, the finish reason with usage, then [DONE]."""
    with client.chat.completions.create(messages=say("stream me please"), stream=True) as stream:
        chunks = list(stream.accumulate())
        final = stream.get_final_completion()
    pieces = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert pieces == ["stream", " me", " please"]
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].usage is not None
    assert final.choices[0].message.content == "stream me please"


def test_stream_with_include_usage(server: LocalSogniServer) -> None:
    """stream_options.include_usage ends with a usage chunk that has no choices (as OpenAI)."""
    response = post(
        server,
        "chat/completions",
        {"messages": say("hi"), "stream": True, "stream_options": {"include_usage": True}},
    )
    assert response.headers["Content-Type"] == "text/event-stream"
    events = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    last = json.loads(events[-2])
    assert last["choices"] == []
    assert last["usage"]["completion_tokens"] == 1


def test_tool_call_convention(client: OpenAI) -> None:
    """'call NAME({...})' with NAME among the tools gives tool calls; others are echoed."""
    answer = client.chat.completions.create(
        messages=say('call get_weather({"city": "Paris"}) and call get_weather() please'),
        tools=[WEATHER_TOOL],
    )
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls is not None
    calls = [(c.function.name, json.loads(c.function.arguments)) for c in choice.message.tool_calls]
    assert calls == [("get_weather", {"city": "Paris"}), ("get_weather", {})]
    assert len({c.id for c in choice.message.tool_calls}) == 2

    unknown = client.chat.completions.create(messages=say("call launch()"), tools=[WEATHER_TOOL])
    assert unknown.choices[0].message.content == "call launch()"


@pytest.mark.parametrize(
    ("tool_choice", "expected"),
    [
        ("none", None),
        ("required", [("get_weather", {"city": "just chatting"})]),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            [("get_weather", {"city": "just chatting"})],
        ),
    ],
)
def test_tool_choice(client: OpenAI, tool_choice: Any, expected: Any) -> None:
    """tool_choice 'none' disables calls; 'required' or a named function forces one.

    The forced call's required arguments are made up from the prompt.
    """
    answer = client.chat.completions.create(
        messages=say("just chatting"), tools=[WEATHER_TOOL], tool_choice=tool_choice
    )
    calls = answer.choices[0].message.tool_calls
    got = (
        None
        if calls is None
        else [(c.function.name, json.loads(c.function.arguments)) for c in calls]
    )
    assert got == expected


def test_streamed_tool_call(client: OpenAI) -> None:
    """Tool calls stream as fragments that merge back into the call."""
    stream = client.chat.completions.create(
        messages=say('call get_weather({"city": "Rome"})'), tools=[WEATHER_TOOL], stream=True
    )
    final = stream.get_final_completion()
    calls = final.choices[0].message.tool_calls
    assert calls is not None
    assert json.loads(calls[0].function.arguments) == {"city": "Rome"}
    assert final.choices[0].finish_reason == "tool_calls"


def test_parallel_tool_calls_off_keeps_one_call(client: OpenAI) -> None:
    """parallel_tool_calls=False answers with the first of the calls asked for."""
    answer = client.chat.completions.create(
        messages=say('call get_weather({"city": "A"}) then call get_weather({"city": "B"})'),
        tools=[WEATHER_TOOL],
        parallel_tool_calls=False,
    )
    calls = answer.choices[0].message.tool_calls or []
    assert [json.loads(c.function.arguments) for c in calls] == [{"city": "A"}]


def test_legacy_function_results_are_read(client: OpenAI) -> None:
    """A role="function" message after the question is summarised like a tool result."""
    answer = client.chat.completions.create(
        messages=[
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "w", "arguments": "{}"},
            },
            {"role": "function", "name": "w", "content": "sunny"},
        ]
    )
    assert answer.choices[0].message.content == "Tool results: w: sunny"


def test_tool_results_without_a_name_are_named_by_their_call(client: OpenAI) -> None:
    """A tool message without a name is summarised under the called function's name."""
    answer = client.chat.completions.create(
        messages=[
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c9", "type": "function", "function": {"name": "w", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c9", "content": "rain"},
        ]
    )
    assert answer.choices[0].message.content == "Tool results: w: rain"


def test_n_gives_several_choices(client: OpenAI) -> None:
    """n=3 answers three identical choices, plainly and streamed; usage counts all three."""
    one = client.chat.completions.create(messages=say("two words"))
    three = client.chat.completions.create(messages=say("two words"), n=3)
    assert [c.index for c in three.choices] == [0, 1, 2]
    assert {c.message.content for c in three.choices} == {"two words"}
    assert one.usage is not None
    assert three.usage is not None
    assert three.usage.completion_tokens == 3 * one.usage.completion_tokens
    final = client.chat.completions.create(
        messages=say("two words"), n=2, stream=True
    ).get_final_completion()
    assert [c.message.content for c in final.choices] == ["two words", "two words"]


def test_logprobs(client: OpenAI) -> None:
    """logprobs=True gives each token a log probability and top_logprobs candidates."""
    answer = client.chat.completions.create(messages=say("hi there"), logprobs=True, top_logprobs=2)
    logprobs: Any = answer.choices[0].logprobs
    content = logprobs.content
    assert [e.token for e in content] == ["hi", " there"]
    assert content[0].logprob == -0.2
    assert [t.token for t in content[1].top_logprobs] == [" there", " THERE"]
    plain = client.chat.completions.create(messages=say("hi there"))
    assert plain.choices[0].logprobs is None
    streamed = client.chat.completions.create(messages=say("hi"), logprobs=True, stream=True)
    pieces: list[Any] = [
        c.choices[0].logprobs for c in streamed if c.choices and c.choices[0].delta.content
    ]
    assert pieces[0].content[0].token == "hi"


def test_custom_tool_loop_end_to_end(client: OpenAI) -> None:
    """The client's tool loop against the emulator: the tool runs and its result is summarised."""
    answer = client.chat.completions.create(
        messages=say('What is the weather? call get_weather({"city": "Oslo"})'),
        tools=[WEATHER_TOOL],
        auto_execute_tools=True,
        tool_handlers={"get_weather": lambda city: f"{city}: -3 C, snow"},
    )
    assert answer.choices[0].message.content == "Tool results: get_weather: Oslo: -3 C, snow"
    assert answer.tool_history[0].tool_results[0].success is True


def test_hosted_tools_end_to_end(server: LocalSogniServer, client: OpenAI) -> None:
    """A composition tool and a media workflow run through the client's loop, with progress."""
    progress = Progress()
    answer = client.chat.completions.create(
        messages=say(
            'call enhance_prompt({"prompt": "a fox"}) then call generate_image({"prompt": "a fox"})'
        ),
        sogni_tools=True,
        auto_execute_tools=True,
        on_tool_progress=progress,
    )
    (compose,) = answer.tool_history[0].tool_results  # "then": the image comes next round
    (media,) = answer.tool_history[1].tool_results
    assert json.loads(compose.content)["result"] == {"prompt": "a fox, highly detailed, soft light"}
    assert media.success is True
    (url,) = media.result_urls
    assert url.startswith(server.root_url + "/media/")
    assert requests.get(url, timeout=10).content.startswith(b"\x89PNG")
    statuses = [s for name, s, *_ in progress.reports if name == "generate_image"]
    assert statuses[0] == "creating"
    assert "processing" in statuses
    assert statuses[-1] == "completed"
    percents = [p for name, _, p, *_ in progress.reports if name == "generate_image"]
    assert percents == sorted(percents)
    assert answer.choices[0].message.content is not None
    assert url in answer.choices[0].message.content


def test_hosted_tool_failure_end_to_end(client: OpenAI) -> None:
    """A media tool asked to 'fail' ends as a failed workflow the model hears about."""
    answer = client.chat.completions.create(
        messages=say('call generate_video({"prompt": "please fail"})'),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    result = answer.tool_history[0].tool_results[0]
    assert result.success is False
    assert result.error is not None
    assert "the emulator was asked to fail" in result.error


def test_server_runs_hosted_tools_when_asked(client: OpenAI) -> None:
    """With sogni_tool_execution left to the server, it runs the tool and reports results."""
    answer = client.chat.completions.create(
        messages=say('call generate_music({"prompt": "jazz"})'), sogni_tools=True
    )
    assert answer.choices[0].finish_reason == "stop"
    assert answer.sogni_tool_results is not None
    (result,) = answer.sogni_tool_results
    assert result["tool"] == "generate_music"
    assert result["urls"][0].endswith(".mp3")
    assert answer.creative_workflows is not None
    assert answer.creative_workflows[0]["status"] == "completed"


def test_creative_workflow_references_say_where_to_follow(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """Each creative_workflows entry carries url, eventsUrl and streamUrl that answer."""
    answer = client.chat.completions.create(
        messages=say('call generate_image({"prompt": "a kite"})'), sogni_tools=True
    )
    (reference,) = answer.creative_workflows or []
    assert set(reference) == {"workflowId", "status", "url", "eventsUrl", "streamUrl"}
    headers = {"Authorization": "Bearer k"}
    snapshot = requests.get(reference["url"], headers=headers, timeout=10).json()
    assert snapshot["data"]["workflow"]["workflowId"] == reference["workflowId"]
    events = requests.get(reference["eventsUrl"], headers=headers, timeout=10).json()
    assert events["data"]["events"][-1]["data"]["status"] == "completed"
    stream = requests.get(reference["streamUrl"], headers=headers, timeout=10)
    assert stream.headers["Content-Type"] == "text/event-stream"
    assert "workflow.completed" in stream.text


@pytest.mark.parametrize(
    ("sogni_tools", "offered", "withheld"),
    [
        ("creative-tools", "analyze_image", "compose_workflow"),
        ("creative-tools", "remove_background", "create_asset_manifest"),
        ("creative-agent", "compose_workflow", None),
        ("creative-agent", "validate_asset_references", None),
    ],
)
def test_injected_tools_follow_the_sogni_tools_surface(
    client: OpenAI, sogni_tools: Any, offered: str, withheld: str | None
) -> None:
    """creative-tools offers generation, analysis and composition; planners need creative-agent."""
    called = client.chat.completions.create(
        messages=say(f"call {offered}({{}})"),
        sogni_tools=sogni_tools,
        sogni_tool_execution=False,
    )
    assert called.choices[0].message.tool_calls is not None
    assert called.choices[0].message.tool_calls[0].function.name == offered
    if withheld is not None:
        echoed = client.chat.completions.create(
            messages=say(f"call {withheld}({{}})"),
            sogni_tools=sogni_tools,
            sogni_tool_execution=False,
        )
        assert echoed.choices[0].message.tool_calls is None


def test_hosted_tools_are_not_offered_when_disabled(client: OpenAI) -> None:
    """The client's default sogni_tools=false keeps hosted tools away: the text is echoed."""
    answer = client.chat.completions.create(messages=say('call generate_image({"prompt": "x"})'))
    assert answer.choices[0].message.content == 'call generate_image({"prompt": "x"})'


# -- routes ---------------------------------------------------------------------------------


def test_models(client: OpenAI) -> None:
    """Models lists the emulator's models; retrieve finds one or raises NotFoundError."""
    assert [m.id for m in client.models.list()] == list(MODELS)
    assert client.models.retrieve(MODELS[1]).id == MODELS[1]
    with pytest.raises(sogni_compat.NotFoundError, match="does not exist"):
        client.models.retrieve("gpt-4o")


def test_unknown_model_in_chat(client: OpenAI) -> None:
    """A chat request naming an unknown model gets OpenAI's 404."""
    with pytest.raises(sogni_compat.NotFoundError) as caught:
        client.chat.completions.create(messages=say("hi"), model="gpt-4o")
    assert caught.value.code == "model_not_found"


def test_bad_bodies(server: LocalSogniServer) -> None:
    """Bodies that are not objects, or lack messages, get a 400 with an OpenAI envelope."""
    response = requests.post(
        f"{server.base_url}/chat/completions", data=b"nope", headers=KEY, timeout=10
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    response = post(server, "chat/completions", {"messages": []})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "messages"


def test_unknown_route(server: LocalSogniServer) -> None:
    """A route the emulator does not know is a 404."""
    assert get(server, "embeddings").status_code == 404


def test_bearer_key_is_required(server: LocalSogniServer) -> None:
    """Any key works by default, but a request without one is a 401."""
    response = requests.get(f"{server.base_url}/models", timeout=10)
    assert response.status_code == 401
    legacy = requests.get(f"{server.base_url}/models", headers={"api-key": "k"}, timeout=10)
    assert legacy.status_code == 200


def test_a_configured_key_is_checked() -> None:
    """With api_key set, other keys get AuthenticationError."""
    with LocalSogniServer(api_key="right") as server:
        with server.client() as good:
            assert good.models.list().data
        with (
            OpenAI(api_key="wrong", base_url=server.base_url) as bad,
            pytest.raises(sogni_compat.AuthenticationError, match="Invalid API key"),
        ):
            bad.models.list()


def test_composition_route(server: LocalSogniServer) -> None:
    """tools/execute runs composition tools and refuses media tools."""
    response = post(
        server,
        "creative-agent/tools/execute",
        {"tool": "compose_lyrics", "arguments": {"theme": "rain"}},
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["tool"] == "compose_lyrics"
    assert data["result"]["text"] == "lyrics about rain"
    refused = post(
        server, "creative-agent/tools/execute", {"tool": "generate_image", "arguments": {}}
    )
    assert refused.status_code == 400
    assert refused.json()["status"] == "error"


def start_workflow(server: LocalSogniServer, key: str, **arguments: Any) -> dict[str, Any]:
    """Start a generate_image workflow over raw HTTP."""
    response = post(
        server,
        "creative-agent/workflows",
        {"input": {"steps": [{"toolName": "generate_image", "arguments": arguments}]}},
        **{"Idempotency-Key": key},
    )
    assert response.status_code == 201
    workflow: dict[str, Any] = response.json()["data"]["workflow"]
    return workflow


def events_of(response: requests.Response) -> list[tuple[str, str, dict[str, Any]]]:
    """``(id, event, data)`` of a raw SSE body."""
    out = []
    for block in response.text.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if not line.startswith(":")
        )
        if "data" in fields:
            out.append((fields["id"], fields["event"], json.loads(fields["data"])))
    return out


def test_workflow_routes(server: LocalSogniServer) -> None:
    """A workflow starts queued, streams its events, resumes after an id, ends completed."""
    workflow = start_workflow(server, "key-a", prompt="a boat")
    assert workflow["status"] == "queued"
    again = start_workflow(server, "key-a", prompt="a boat")
    assert again["workflowId"] == workflow["workflowId"]  # same Idempotency-Key, same workflow
    path = f"creative-agent/workflows/{workflow['workflowId']}"

    events = events_of(get(server, f"{path}/events/stream"))
    assert [e[0] for e in events] == ["1", "2", "3", "4", "5", "6"]
    assert events[0][2]["status"] == "queued"
    assert events[-1][1] == "workflow.completed"
    assert [e[2].get("progress") for e in events] == [0, 0, 0.25, 0.5, 0.75, 1.0]
    assert all("etaSeconds" in e[2] for e in events)

    resumed = events_of(get(server, f"{path}/events/stream", **{"Last-Event-ID": "4"}))
    assert [e[0] for e in resumed] == ["5", "6"]
    after = events_of(get(server, f"{path}/events/stream?after=5"))
    assert [e[0] for e in after] == ["6"]

    snapshot = get(server, path).json()["data"]["workflow"]
    assert snapshot["status"] == "completed"
    assert snapshot["artifacts"][0]["kind"] == "image"
    assert get(server, "creative-agent/workflows/wf_missing").status_code == 404


def test_workflow_refuses_data_uris(server: LocalSogniServer) -> None:
    """Media given as a data URI is refused, as Sogni does."""
    response = post(
        server,
        "creative-agent/workflows",
        {
            "input": {
                "steps": [
                    {"toolName": "edit_image", "arguments": {"image": "data:image/png;base64,AA"}}
                ]
            }
        },
    )
    assert response.status_code == 400


def test_requests_are_recorded() -> None:
    """Every request is kept with its method, path, headers and JSON body."""
    with LocalSogniServer() as server, server.client(app_source="tests") as client:
        client.chat.completions.create(messages=say("hi"), task_profile="coding")
        client.models.list()
        first, second = server.requests
    assert first.method == "POST"
    assert first.path == "/v1/chat/completions"
    assert first.headers["authorization"] == "Bearer local-test-key"
    assert first.headers["X-App-Source"] == "tests"
    assert first.json["task_profile"] == "coding"
    assert first.json["sogni_tools"] is False
    assert (second.method, second.path, second.json) == ("GET", "/v1/models", None)


def test_connections_are_released(server: LocalSogniServer) -> None:
    """Closing the client closes its connections, even while an error still holds its response."""
    client = server.client(max_retries=0)
    client.chat.completions.create(messages=say("hi"))
    list(client.chat.completions.create(messages=say("hi"), stream=True))
    with pytest.raises(sogni_compat.NotFoundError) as caught:
        client.chat.completions.create(messages=say("hi"), model="gpt-4o")
    assert caught.value.response is not None  # keeps the connection pool referenced
    client.close()
    assert wait_until(lambda: server.open_connections == 0)


def wait_until(condition: Any, seconds: float = 5.0) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` pass."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return bool(condition())


def test_official_openai_sdk_works_against_the_emulator(server: LocalSogniServer) -> None:
    """The openai package's client gets answers, streams, models and errors it understands."""
    openai = pytest.importorskip("openai")
    sdk = openai.OpenAI(api_key="k", base_url=server.base_url, max_retries=0)
    answer = sdk.chat.completions.create(model=DEFAULT_MODEL, messages=say("Hello SDK"))
    assert answer.choices[0].message.content == "Hello SDK"
    stream = sdk.chat.completions.create(
        model=DEFAULT_MODEL,
        messages=say("Hello SDK"),
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello SDK"
    assert chunks[-1].usage.total_tokens > 0
    tool = sdk.chat.completions.create(
        model=DEFAULT_MODEL,
        messages=say('call get_weather({"city": "Paris"})'),
        tools=[WEATHER_TOOL],
    )
    assert tool.choices[0].message.tool_calls[0].function.name == "get_weather"
    assert [m.id for m in sdk.models.list()] == list(MODELS)
    with pytest.raises(openai.NotFoundError):
        sdk.chat.completions.create(model="gpt-4o", messages=say("x"))
    sdk.close()


def test_stamped_chunks_carry_their_send_time() -> None:
    """stamp_chunks=True puts the server's monotonic send time on every streamed chunk."""
    import time

    with LocalSogniServer(stamp_chunks=True) as server, server.client() as client:
        before = time.monotonic()
        chunks = list(client.chat.completions.create(messages=say("a b"), stream=True))
        after = time.monotonic()
    stamps = [getattr(chunk, "sent_at") for chunk in chunks]
    assert stamps == sorted(stamps)
    assert before <= stamps[0] <= stamps[-1] <= after


def test_prose_prompt_naming_a_tool_calls_it(client: OpenAI) -> None:
    """A prompt that says a telling word of a tool's name calls it, arguments from the prompt."""
    answer = client.chat.completions.create(
        messages=say("What's the weather in Paris?"), tools=[WEATHER_TOOL]
    )
    (call,) = answer.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    chat = client.chat.completions.create(messages=say("Tell me a joke"), tools=[WEATHER_TOOL])
    assert chat.choices[0].message.tool_calls is None


def test_prose_prompt_asking_for_a_picture_uses_the_hosted_tool(client: OpenAI) -> None:
    """With sogni_tools on, "paint"/"image"/"video"/"song" pick Sogni's generation tools."""
    answer = client.chat.completions.create(
        messages=say("Paint a red fox in the snow at dawn."),
        sogni_tools=True,
        sogni_tool_execution=False,  # the raw call, not the server running it
    )
    (call,) = answer.choices[0].message.tool_calls or []
    assert call.function.name == "generate_image"
    assert json.loads(call.function.arguments) == {"prompt": "Paint a red fox in the snow at dawn."}
    plain = client.chat.completions.create(messages=say("Paint a red fox in the snow at dawn."))
    assert plain.choices[0].message.tool_calls is None


def test_json_schema_from_prose_is_made_up_from_the_prompt(client: OpenAI) -> None:
    """Without JSON in the prompt, a json_schema answer fits the schema with the prompt's words."""
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "year": {"type": "integer"},
            "genres": {"type": "array", "items": {"type": "string", "enum": ["crime", "drama"]}},
            "rating": {"anyOf": [{"type": "null"}, {"type": "number"}]},
        },
        "required": ["title", "year", "genres", "rating"],
    }
    answer = client.chat.completions.create(
        messages=say("Extract the movie: the film Heat came out in 1995, rated 8.3"),
        response_format={"type": "json_schema", "json_schema": {"name": "M", "schema": schema}},
    )
    content = answer.choices[0].message.content
    assert content is not None
    assert json.loads(content) == {
        "title": "Heat",
        "year": 1995,
        "genres": ["crime"],
        "rating": 1995.0,
    }


@pytest.mark.parametrize(
    "counts", ["8/" + "9" * 400, "-5/-5", "8/-1", "+5/5", "5_000/5", "1e999/5", "nan/5", "%00/5"]
)
def test_the_estimate_route_refuses_counts_it_cannot_price(
    server: LocalSogniServer, counts: str
) -> None:
    """A count that is not a modest whole number is a 400, never a drop or a negative price."""
    root = server.root_url
    answer = requests.get(
        f"{root}/api/v1/job-llm/estimate/sogni/{DEFAULT_MODEL}/{counts}", timeout=10
    )
    assert answer.status_code == 400
    assert "token counts must be whole numbers" in answer.json()["message"]


def test_the_estimate_route_prices_whole_numbers(server: LocalSogniServer) -> None:
    """Zero and large (12-digit) counts are priced, never below zero."""
    root = server.root_url
    for counts in ("0/0", "999999999999/1"):
        quote = requests.get(
            f"{root}/api/v1/job-llm/estimate/sogni/{DEFAULT_MODEL}/{counts}", timeout=10
        ).json()["quote"]
        assert quote["costInUSD"] >= 0
