"""client.chat.runs and auto_execute_tools="server" against the emulator's durable runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sogni_compat import (
    APIError,
    ConflictError,
    CostApprovalRequiredError,
    OpenAI,
    ToolProgress,
    WaitTimeoutError,
)
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types import ChatCompletion, ChatRun, RunEvent
from sogni_compat.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

from ._helpers import PNG

FOX: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "generate an image of a red fox"}
]


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """A fresh emulator per test, with short runs."""
    with LocalSogniServer(workflow_seconds=0.2) as running:
        yield running


@pytest.fixture
def client(server: LocalSogniServer) -> Iterator[OpenAI]:
    """A client of the emulator."""
    with server.client(model_aliases={"gpt-4o": "qwen3.6-35b-a3b-gguf-iq4xs"}) as c:
        yield c


def run_starts(server: LocalSogniServer) -> list[Any]:
    """Bodies of the run starts the server received."""
    return [r.json for r in server.requests if r.path == "/v1/chat/runs"]


def test_create_and_wait_give_the_final_answer_and_media(client: OpenAI) -> None:
    """wait() returns the completed run: its answer, artifacts and media context."""
    run = client.chat.runs.create(messages=FOX)
    assert isinstance(run, ChatRun)
    assert run.id
    events: list[RunEvent] = []
    done = client.chat.runs.wait(run.id, on_event=events.append)
    assert done.status == "completed"
    assert done.final_response is not None
    assert done.final_response.finish_reason == "stop"
    (url,) = done.urls
    assert url in (done.final_response.content or "")
    assert done.media_context["images"] == [url]
    assert done.tool_calls[0]["function"]["name"] == "generate_image"
    kinds = [e.type for e in events]
    assert kinds[0] == "run_created"
    assert kinds[-1] == "run_completed"
    assert "tool_call_progress" in kinds
    assert "run_status" not in kinds
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))


def test_keywords_are_converted_as_for_chat(server: LocalSogniServer, client: OpenAI) -> None:
    """think, camelCase names and model aliases become the run's wire fields; no sogni_tools."""
    client.chat.runs.create(
        messages=FOX,
        model="gpt-4o",
        think=True,
        temperature=0.3,
        max_completion_tokens=200,
        tokenType="spark",
        session_id="s-1",
    )
    (body,) = run_starts(server)
    assert body["model"] == "qwen3.6-35b-a3b-gguf-iq4xs"
    assert body["sampling"] == {
        "temperature": 0.3,
        "max_tokens": 200,
        "chat_template_kwargs": {"enable_thinking": True},
    }
    assert body["token_type"] == "spark"
    assert body["session_id"] == "s-1"
    assert "sogni_tools" not in body


def test_local_images_are_uploaded_before_the_run(server: LocalSogniServer, client: OpenAI) -> None:
    """A bytes image input is uploaded first; the run receives its http(s) URL only."""
    # image_url as bytes: this package reads it (openai's type names a URL dict only)
    content: Any = [{"type": "text", "text": "describe"}, {"type": "image_url", "image_url": PNG}]
    client.chat.runs.create(messages=[{"role": "user", "content": content}])
    paths = [r.path.split("?")[0] for r in server.requests]
    assert paths[-1] == "/v1/chat/runs"
    assert "/v1/image/uploadUrl" in paths
    (body,) = run_starts(server)
    url = body["messages"][0]["content"][1]["image_url"]["url"]
    assert url.startswith(server.root_url + "/media/uploads/")


def test_cost_pause_is_confirmed_and_completes(server: LocalSogniServer, client: OpenAI) -> None:
    """A run above its ceiling waits; confirm_cost with the preview sent back finishes it."""
    run = client.chat.runs.create(messages=FOX, max_estimated_capacity_units=0.5)
    waiting = client.chat.runs.wait(run.id)
    assert waiting.status == "waiting_for_user"
    assert waiting.waiting is not None
    assert waiting.waiting.reason == "cost_approval_required"
    preview = waiting.waiting.cost_approval_preview
    assert preview is not None
    assert preview["estimatedCapacityUnits"] == 1.0
    client.chat.runs.confirm_cost(
        run.id,
        tool_call_id=waiting.waiting.tool_call_id,
        decision="confirm",
        accepted_cost_preview=preview,
    )
    done = client.chat.runs.wait(run.id)
    assert done.status == "completed"
    assert len(done.urls) == 1
    confirm = next(r.json for r in server.requests if r.path.endswith("/confirm-cost"))
    assert confirm["acceptedCostPreview"] == preview


def test_approve_cost_decides_while_waiting(server: LocalSogniServer, client: OpenAI) -> None:
    """approve_cost(run) is asked at the pause: True confirms and the wait goes on."""
    asked: list[ChatRun] = []

    def approve(run: ChatRun) -> bool:
        asked.append(run)
        preview = run.waiting.cost_approval_preview if run.waiting else None
        return preview is not None and preview["costInUSD"] <= 0.05

    run = client.chat.runs.create(messages=FOX, max_estimated_capacity_units=0.5)
    done = client.chat.runs.wait(run.id, approve_cost=approve)
    assert done.status == "completed"
    assert len(asked) == 1


def test_declined_cost_cancels(server: LocalSogniServer, client: OpenAI) -> None:
    """approve_cost returning False cancels the run."""
    run = client.chat.runs.create(messages=FOX, max_estimated_capacity_units=0.5)
    done = client.chat.runs.wait(run.id, approve_cost=lambda r: False)
    assert done.status == "cancelled"
    assert done.urls == []


def test_confirm_cost_checks(server: LocalSogniServer, client: OpenAI) -> None:
    """A bad decision is refused before sending; a changed preview gets Sogni's 409."""
    run = client.chat.runs.create(messages=FOX, max_estimated_capacity_units=0.5)
    waiting = client.chat.runs.wait(run.id)
    assert waiting.waiting is not None
    before = len(server.requests)
    with pytest.raises(ValueError, match="decision must be"):
        client.chat.runs.confirm_cost(run.id, tool_call_id="call_1", decision="yes")
    assert len(server.requests) == before
    changed = {**(waiting.waiting.cost_approval_preview or {}), "costInUSD": 0.0}
    with pytest.raises(ConflictError, match="changed or expired"):
        client.chat.runs.confirm_cost(
            run.id,
            tool_call_id=waiting.waiting.tool_call_id,
            decision="confirm",
            accepted_cost_preview=changed,
        )


def test_wait_timeout_cancels(server: LocalSogniServer, client: OpenAI) -> None:
    """A run still going at the timeout is cancelled; WaitTimeoutError says so."""
    server.workflow_seconds = 30
    run = client.chat.runs.create(messages=FOX)
    with pytest.raises(WaitTimeoutError) as caught:
        client.chat.runs.wait(run.id, timeout=0.5)
    assert caught.value.cancelled is True
    assert client.chat.runs.retrieve(run.id).status == "cancelled"


def test_stream_resumes_after_a_sequence(client: OpenAI) -> None:
    """stream(after=n) yields the events after n, once each, and stops at the terminal one."""
    run = client.chat.runs.create(messages=FOX)
    every = list(client.chat.runs.stream(run.id))
    assert every[-1].type == "run_completed"
    tail = list(client.chat.runs.stream(run.id, after=5))
    assert [e.sequence for e in tail] == [e.sequence for e in every[5:]]
    listed = client.chat.runs.events(run.id, after=5)
    assert [e.type for e in listed] == [e.type for e in every[5:]]


def test_progress_comes_from_tool_call_events(client: OpenAI) -> None:
    """on_progress sees the tool's name, rising percentages, and completed with the URL."""
    seen: list[tuple[str, ToolProgress]] = []
    run = client.chat.runs.create(messages=FOX)
    done = client.chat.runs.wait(
        run.id, on_progress=lambda call, p: seen.append((call.function.name, p))
    )
    assert {name for name, _ in seen} == {"generate_image"}
    percents = [p.percent for _, p in seen]
    assert percents == sorted(percents)
    assert 50.0 in percents
    assert seen[-1][1].status == "completed"
    assert seen[-1][1].result_urls == done.urls


def test_server_mode_answers_with_a_completion(client: OpenAI) -> None:
    """auto_execute_tools="server" runs a durable run and answers as a ChatCompletion."""
    progress: list[str] = []
    completion = client.chat.completions.create(
        messages=FOX,
        auto_execute_tools="server",
        on_tool_progress=lambda call, p: progress.append(p.status),
    )
    assert isinstance(completion, ChatCompletion)
    assert completion.id.startswith("run_")
    (round_,) = completion.tool_history
    assert round_.tool_calls[0].function.name == "generate_image"
    (result,) = round_.tool_results
    assert result.success
    assert completion.media.urls == result.result_urls
    assert result.result_urls[0] in (completion.choices[0].message.content or "")
    assert progress[-1] == "completed"


def test_a_runs_3d_model_is_a_model_artifact(server: LocalSogniServer, client: OpenAI) -> None:
    """A run's GLB is an artifact with mediaType model: kept out of the images, in media.models."""
    messages: list[ChatCompletionMessageParam] = [
        {
            "role": "user",
            "content": 'call generate_image({"prompt": "a vase"}) call image_to_3d({})',
        }
    ]
    done = client.chat.runs.wait(client.chat.runs.create(messages=messages).id)
    assert done.status == "completed"
    kinds = [(a.mediaType, a.media_kind) for a in done.artifacts]
    assert kinds == [("image", "image"), ("model", "model")]
    image, model = done.artifacts
    assert done.media_context["images"] == [image.url]  # no model lane in the media context
    resolved = [
        e.payload for e in client.chat.runs.events(done.id) if e.type == "tool_call_resolved"
    ]
    assert resolved[1]["mediaUrls"] == [{"url": model.url, "mediaType": "model"}]

    answer = client.chat.completions.create(messages=messages, auto_execute_tools="server")
    assert [i.kind for i in answer.media.images] == ["image"]
    assert [m.kind for m in answer.media.models] == ["model"]
    assert answer.media.models[0].url.endswith(".glb")
    assert answer.tool_history[0].tool_results[1].result_urls == [answer.media.models[0].url]


def test_server_mode_cost_pause_raises(client: OpenAI) -> None:
    """A server-mode run that waits for cost approval raises CostApprovalRequiredError."""
    with pytest.raises(CostApprovalRequiredError) as caught:
        client.chat.completions.create(
            messages=FOX, autoExecuteTools="server", max_estimated_capacity_units=0.1
        )
    run = caught.value.run
    assert run.status == "waiting_for_user"
    assert run.waiting.tool_call_id == "call_1"


def test_server_mode_failure_is_an_api_error(client: OpenAI) -> None:
    """A run that fails (a client-side tool the server cannot run) raises APIError."""
    tools: list[ChatCompletionToolParam] = [
        {"type": "function", "function": {"name": "lookup", "parameters": {}}}
    ]
    messages: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": 'call lookup({"q": "x"})'}
    ]
    with pytest.raises(APIError, match="not a Sogni hosted tool"):
        client.chat.completions.create(messages=messages, tools=tools, auto_execute_tools="server")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"stream": True}, TypeError, "does not apply to a durable run"),
        ({"n": 2}, TypeError, "does not apply to a durable run"),
        ({"temprature": 1}, TypeError, "did you mean 'temperature'"),
        ({"runtime_config": "hq"}, TypeError, "runtime_config must be a dict"),
        ({"media_context": {"images": ["c.png"]}}, ValueError, "http\\(s\\) URLs"),
        (
            {
                "messages": [
                    {"role": "user", "content": [{"type": "image_url", "image_url": "x.png"}]}
                ]
            },
            ValueError,
            "allow_local_files",
        ),
    ],
)
def test_bad_run_input_is_refused_before_sending(
    server: LocalSogniServer,
    client: OpenAI,
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    """Keywords a run cannot use, typos and inline media are refused; nothing is sent."""
    with pytest.raises(error, match=message):
        client.chat.runs.create(**{"messages": FOX, **kwargs})
    assert server.requests == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"on_tool_call": print}, "cannot call your functions"),
        ({"stream": True}, "runs.stream"),
    ],
)
def test_server_mode_refuses_client_side_loop_options(
    server: LocalSogniServer, client: OpenAI, kwargs: dict[str, Any], message: str
) -> None:
    """Options only the client-side loop can honour are refused with auto_execute_tools='server'."""
    with pytest.raises(ValueError, match=message):
        client.chat.completions.create(messages=FOX, auto_execute_tools="server", **kwargs)
    assert server.requests == []


def test_server_mode_cancels_the_run_when_the_caller_stops(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """An error raised while waiting (here from on_tool_progress) cancels the durable run."""

    def broken(call: Any, progress: Any) -> None:
        raise ZeroDivisionError("progress display bug")

    server.workflow_seconds = 5
    with pytest.raises(ZeroDivisionError):
        client.chat.completions.create(
            messages=FOX, auto_execute_tools="server", on_tool_progress=broken
        )
    assert client.chat.runs.retrieve("run_1").status == "cancelled"


def test_server_mode_errors_name_create(server: LocalSogniServer, client: OpenAI) -> None:
    """A keyword a run cannot use is reported against create(auto_execute_tools='server')."""
    with pytest.raises(TypeError, match=r"create\(auto_execute_tools='server'\)\(\): 'n'"):
        client.chat.completions.create(messages=FOX, auto_execute_tools="server", n=2)
    assert server.requests == []


CHAIN: list[ChatCompletionMessageParam] = [
    {
        "role": "user",
        "content": 'call generate_image({"prompt": "a cat"}) then call '
        'animate_photo({"prompt": "it waves", "sourceImageIndex": 0})',
    }
]


def test_a_run_chains_call_a_then_call_b(client: OpenAI) -> None:
    """'call A ... then call B': the run calls A, then B in the next round, as the loop does."""
    done = client.chat.runs.wait(client.chat.runs.create(messages=CHAIN).id)
    assert done.status == "completed"
    assert [call["function"]["name"] for call in done.tool_calls] == [
        "generate_image",
        "animate_photo",
    ]
    rounds = [
        e.payload["round"]
        for e in client.chat.runs.events(done.id)
        if e.type == "llm_round_started"
    ]
    assert rounds == [1, 2, 3]  # A, then B after A's result, then the answer
    image, video = done.urls
    assert (done.media_context["images"], done.media_context["videos"]) == ([image], [video])


def test_server_mode_chains_like_the_client_side_loop(client: OpenAI) -> None:
    """auto_execute_tools="server" runs the chain the client-side loop runs, with the same media."""
    server_side = client.chat.completions.create(messages=CHAIN, auto_execute_tools="server")
    client_side = client.chat.completions.create(
        messages=CHAIN, sogni_tools=True, auto_execute_tools=True
    )
    for answer in (server_side, client_side):
        called = [c.function.name for r in answer.tool_history for c in r.tool_calls]
        assert called == ["generate_image", "animate_photo"]
        assert (len(answer.media.images), len(answer.media.videos)) == (1, 1)
    (image,), (video,) = server_side.media.images, server_side.media.videos
    calls = {c.function.name: c.id for c in server_side.tool_history[0].tool_calls}
    assert (image.tool_name, image.tool_call_id) == ("generate_image", calls["generate_image"])
    assert (video.tool_name, video.tool_call_id) == ("animate_photo", calls["animate_photo"])
    assert image.workflow_id
    assert video.workflow_id
    assert image.workflow_id != video.workflow_id
    # The client-side loop fills the same fields.
    loop_image = client_side.media.images[0]
    assert loop_image.tool_name == "generate_image"
    assert loop_image.tool_call_id
    assert loop_image.workflow_id


def test_wait_can_leave_the_run_running_at_its_timeout(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """cancel_on_timeout=False: WaitTimeoutError, no cancel sent, the run goes on."""
    server.workflow_seconds = 30
    run = client.chat.runs.create(messages=FOX)
    with pytest.raises(WaitTimeoutError) as caught:
        client.chat.runs.wait(run.id, timeout=0.5, cancel_on_timeout=False)
    assert caught.value.cancelled is False
    assert "cancelled" not in str(caught.value)
    assert not [r for r in server.requests if r.path.endswith("/cancel")]
    assert client.chat.runs.retrieve(run.id).status in ("queued", "running")
    with pytest.raises(TypeError, match="cancel_on_timeout must be True or False"):
        client.chat.runs.wait(run.id, cancel_on_timeout="no")  # type: ignore[arg-type]


def test_cost_approval_error_says_what_to_do_and_that_works(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """The error names confirm_cost(e.run, ...) and wait(); doing so gets the finished run."""
    with pytest.raises(CostApprovalRequiredError) as caught:
        client.chat.completions.create(
            messages=FOX, auto_execute_tools="server", max_estimated_capacity_units=0.1
        )
    message = str(caught.value)
    assert "client.chat.runs.confirm_cost(e.run, decision='confirm')" in message
    assert "client.chat.runs.wait(e.run.id)" in message
    assert "max_estimated_capacity_units" in message
    gets = len([r for r in server.requests if r.method == "GET"])
    client.chat.runs.confirm_cost(caught.value.run, decision="confirm")
    assert len([r for r in server.requests if r.method == "GET"]) == gets  # the run given
    (sent,) = [r.json for r in server.requests if r.path.endswith("/confirm-cost")]
    assert sent["acceptedCostPreview"] == caught.value.run.waiting.cost_approval_preview
    assert sent["tool_call_id"] == caught.value.run.waiting.tool_call_id
    done = client.chat.runs.wait(caught.value.run.id)
    assert done.status == "completed"
    assert done.final_response is not None


def test_confirming_by_id_alone_never_accepts_a_price(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """Given only an id, confirming without accepted_cost_preview is refused; nothing is sent."""
    run = client.chat.runs.create(messages=FOX, max_estimated_capacity_units=0.5)
    assert client.chat.runs.wait(run.id).waiting is not None
    before = len(server.requests)
    with pytest.raises(ValueError, match="a price is never accepted for you"):
        client.chat.runs.confirm_cost(run.id, decision="confirm")
    assert server.requests[before:] == []


def test_cancelling_a_pause_by_id_reads_it_once(server: LocalSogniServer, client: OpenAI) -> None:
    """Given only an id, one GET reads the run's pause; its tool call is sent with the decision."""
    run = client.chat.runs.create(messages=FOX, max_estimated_capacity_units=0.5)
    waiting = client.chat.runs.wait(run.id)
    assert waiting.waiting is not None
    before = len(server.requests)
    client.chat.runs.confirm_cost(run.id, decision="cancel")
    fetched, posted = server.requests[before:]
    assert (fetched.method, fetched.path) == ("GET", f"/v1/chat/runs/{run.id}")
    assert posted.json == {"tool_call_id": waiting.waiting.tool_call_id, "decision": "cancel"}


def test_confirm_cost_of_a_run_not_paused_for_its_cost_is_refused(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """Nothing to default to: a ValueError saying so, and no confirm is sent."""
    done = client.chat.runs.wait(client.chat.runs.create(messages=FOX).id)
    with pytest.raises(ValueError, match="is not paused for its cost"):
        client.chat.runs.confirm_cost(done, decision="confirm")
    with pytest.raises(ValueError, match="is not paused for its cost"):
        client.chat.runs.confirm_cost(done, decision="cancel")
    assert not [r for r in server.requests if r.path.endswith("/confirm-cost")]


def test_cancelling_a_finished_run_is_a_normal_answer(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """cancel() of a completed run returns it with transitioned=False, as workflows.cancel()."""
    done = client.chat.runs.wait(client.chat.runs.create(messages=FOX).id)
    answer = client.chat.runs.cancel(done.id)
    assert answer.status == "completed"
    assert answer.transitioned is False
    server.workflow_seconds = 30
    running = client.chat.runs.create(messages=FOX)
    stopped = client.chat.runs.cancel(running.id, reason="enough")
    assert (stopped.status, stopped.transitioned) == ("cancelled", True)
    assert client.chat.runs.retrieve(running.id).transitioned is None
