"""Hosted tools end to end against the emulator: media context, families, cancel, forwarding."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sogni_compat import ChatCompletionMessageToolCall, OpenAI, ToolProgress
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types.chat import ChatCompletionContentPartParam, ChatCompletionMessageParam

from ._tooling import WEATHER_TOOL, Progress

#: A 1x1 transparent PNG, the user's "photo".
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PHOTO = "data:image/png;base64," + base64.b64encode(PNG).decode()


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """A fresh emulator per test (workflows, uploads and limits start empty)."""
    with LocalSogniServer(workflow_seconds=0.2) as running:
        yield running


@pytest.fixture
def client(server: LocalSogniServer) -> Iterator[OpenAI]:
    """A client of the emulator."""
    with server.client() as c:
        yield c


def say(text: str, *images: str) -> list[ChatCompletionMessageParam]:
    """One user message, with image parts when given."""
    if not images:
        return [{"role": "user", "content": text}]
    parts: list[ChatCompletionContentPartParam] = [{"type": "text", "text": text}]
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in images]
    return [{"role": "user", "content": parts}]


def workflow_starts(server: LocalSogniServer) -> list[dict[str, Any]]:
    """The bodies of every workflow start the emulator received."""
    return [
        r.json
        for r in server.requests
        if r.method == "POST" and r.path.rstrip("/").endswith("creative-agent/workflows")
    ]


def cancels(server: LocalSogniServer) -> list[str]:
    """The paths of every cancel the emulator received."""
    return [r.path for r in server.requests if r.path.endswith("/cancel")]


def tool_json(content: str) -> Any:
    """A tool message's content, decoded."""
    return json.loads(content)


def test_generate_then_animate_resolves_index_zero(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """Round 2's sourceImageIndex 0 reaches the workflow as round 1's image URL."""
    answer = client.chat.completions.create(
        messages=say(
            'call generate_image({"prompt": "a cat"}) then '
            'call animate_photo({"prompt": "the cat walks", "sourceImageIndex": 0})'
        ),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    first, second = (r.tool_results[0] for r in answer.tool_history)
    made = tool_json(first.content)
    assert (made["kind"], made["startIndex"], made["indices"]) == ("image", 0, [0])
    (cat,) = first.result_urls
    animated = tool_json(second.content)
    assert animated["success"] is True, animated
    assert (animated["kind"], animated["startIndex"]) == ("video", 0)
    start = workflow_starts(server)[1]
    assert start["media_references"] == [{"kind": "image", "url": cat}]
    step = start["input"]["steps"][0]
    assert step["arguments"]["sourceImageIndex"] == -1  # the step's own first upload
    resolved = server.workflow(animated["workflowId"])["steps"][0]["resolvedMedia"]
    assert resolved == {"sourceImageIndex": cat}
    assert [i.url for i in answer.media.images] == [cat]
    assert [(i.index, i.tool_name) for i in answer.media.videos] == [(0, "animate_photo")]
    assert answer.media.urls == [cat, *second.result_urls]


def test_edit_my_photo_uploads_the_vision_input(server: LocalSogniServer, client: OpenAI) -> None:
    """A vision input is uploaded once (PUT without the key) and -1 resolves to it."""
    answer = client.chat.completions.create(
        messages=say(
            'edit my photo: call edit_image({"prompt": "add a hat", "sourceImageIndex": -1})',
            PHOTO,
        ),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    result = answer.tool_history[0].tool_results[0]
    assert result.success is True, result.error
    (put,) = [r for r in server.requests if r.method == "PUT"]
    assert put.body == PNG
    assert put.headers["Content-Type"] == "image/png"
    assert "Authorization" not in put.headers
    (start,) = workflow_starts(server)
    (reference,) = start["media_references"]
    assert reference["kind"] == "image"
    assert reference["url"].startswith(server.root_url + "/media/uploads/")
    assert requests.get(reference["url"], timeout=10).content == PNG
    workflow = server.workflow(tool_json(result.content)["workflowId"])
    assert workflow["steps"][0]["resolvedMedia"] == {"sourceImageIndex": reference["url"]}
    assert [(u.index, u.url) for u in answer.media.uploads] == [(-1, reference["url"])]


def test_index_that_names_nothing_is_told_to_the_model(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """An index with no media behind it fails before any workflow starts, saying why."""
    answer = client.chat.completions.create(
        messages=say('call animate_photo({"prompt": "walk", "sourceImageIndex": 3})'),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    result = answer.tool_history[0].tool_results[0]
    assert result.success is False
    assert result.error == "sourceImageIndex=3 names no image: this conversation has no image yet"
    assert workflow_starts(server) == []


def test_emulator_fails_a_step_whose_index_does_not_exist(server: LocalSogniServer) -> None:
    """The emulator, on its own, fails a workflow whose step names missing media."""
    response = requests.post(
        f"{server.base_url}/creative-agent/workflows",
        json={
            "input": {"steps": [{"toolName": "edit_image", "arguments": {"sourceImageIndex": 0}}]}
        },
        headers={"Authorization": "Bearer k"},
        timeout=10,
    )
    workflow_id = response.json()["data"]["workflow"]["workflowId"]
    time.sleep(0.3)
    workflow = server.workflow(workflow_id)
    assert workflow["status"] == "failed"
    assert "sourceImageIndex=0 does not exist" in workflow["error"]["message"]


def test_omitted_index_means_the_latest_result(server: LocalSogniServer, client: OpenAI) -> None:
    """An omitted sourceImageIndex the manifest calls "latest" is filled with the last image."""
    answer = client.chat.completions.create(
        messages=say(
            'call generate_image({"prompt": "a", "numberOfVariations": 2}) then '
            'call upscale_image({"scale": 2})'
        ),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    made = answer.tool_history[0].tool_results[0]
    assert tool_json(made.content)["indices"] == [0, 1]
    upscale = workflow_starts(server)[1]
    assert upscale["input"]["steps"][0]["arguments"] == {"scale": 2, "sourceImageIndex": -1}
    assert upscale["media_references"] == [{"kind": "image", "url": made.result_urls[1]}]


def test_analysis_tool_runs_as_a_workflow_step(server: LocalSogniServer, client: OpenAI) -> None:
    """analyze_image, injected by Sogni outside the manifest, runs; the model gets its answer."""
    answer = client.chat.completions.create(
        messages=say(
            'call generate_image({"prompt": "a fox"}) then '
            'call analyze_image({"sourceImageIndex": 0})'
        ),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    fox = answer.tool_history[0].tool_results[0].result_urls[0]
    analysis = tool_json(answer.tool_history[1].tool_results[0].content)
    assert analysis["success"] is True
    assert analysis["result"] == {"description": f"analyze_image looked at {fox}"}
    assert "urls" not in analysis


def test_forced_hosted_tool(server: LocalSogniServer, client: OpenAI) -> None:
    """tool_choice naming a hosted tool is accepted with sogni_tools on and forces it."""
    answer = client.chat.completions.create(
        messages=say("draw anything"),
        sogni_tools=True,
        tool_choice={"type": "function", "function": {"name": "generate_image"}},
        auto_execute_tools=True,
    )
    assert answer.tool_history[0].tool_calls[0].function.name == "generate_image"
    assert answer.tool_history[0].tool_results[0].success is True
    assert len(answer.media.images) == 1
    with pytest.raises(ValueError, match="not in tools"):
        client.chat.completions.create(
            messages=say("x"), tool_choice={"type": "function", "function": {"name": "nope"}}
        )


def test_original_image_utilities_run_as_workflow_steps(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """remove_background and segment_image run in the loop as one-step workflows on the upload."""
    answer = client.chat.completions.create(
        messages=say(
            'call remove_background({"sourceImageIndex": -1}) then '
            'call segment_image({"text": "the cat", "sourceImageIndex": -1})',
            PHOTO,
        ),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    results = [r for round_ in answer.tool_history for r in round_.tool_results]
    assert [r.success for r in results] == [True, True]
    starts = workflow_starts(server)
    assert [s["input"]["steps"][0]["toolName"] for s in starts] == [
        "remove_background",
        "segment_image",
    ]
    assert starts[0]["input"]["steps"][0]["arguments"] == {"sourceImageIndex": -1}
    assert starts[0]["media_references"][0]["kind"] == "image"  # the photo, uploaded
    assert not [r for r in server.requests if r.path.endswith("/tools/execute")]
    assert [item.url.rsplit(".", 1)[-1] for item in answer.media.images] == ["png", "png"]
    content = json.loads(results[0].content)
    assert (content["kind"], content["indices"]) == ("image", [0])


def test_a_3d_model_keeps_a_lane_of_its_own(server: LocalSogniServer, client: OpenAI) -> None:
    """image_to_3d's GLB is a model: reported so, never an image, never an index for a tool."""
    answer = client.chat.completions.create(
        messages=say(
            'call generate_image({"prompt": "a chair"}) then '
            'call image_to_3d({"sourceImageIndex": 0}) then '
            'call upscale_image({"sourceImageIndex": 1})'
        ),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    made, model, upscale = [r for round_ in answer.tool_history for r in round_.tool_results]
    assert made.success
    assert model.success
    content = json.loads(model.content)
    assert (content["kind"], content["media_type"]) == ("model", "model")
    assert "indices" not in content
    assert "startIndex" not in content
    assert model.result_urls[0].endswith(".glb")
    assert [item.url for item in answer.media.models] == model.result_urls
    assert answer.media.models[0].kind == "model"
    assert [item.url for item in answer.media.images] == made.result_urls  # no GLB there
    assert answer.media.urls[-1] == model.result_urls[0]
    # Index 1 names no image: the GLB was never counted among them, so nothing is started.
    assert upscale.success is False
    assert "sourceImageIndex=1 names no image" in (upscale.error or "")
    assert [s["input"]["steps"][0]["toolName"] for s in workflow_starts(server)] == [
        "generate_image",
        "image_to_3d",
    ]
    glb = requests.get(model.result_urls[0], timeout=10)
    assert glb.headers["Content-Type"] == "model/gltf-binary"
    assert glb.content[:4] == b"glTF"


def test_a_model_lane_is_carried_into_the_next_call(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """media_context=answer.media keeps the models apart from the images of the next call."""
    first = client.chat.completions.create(
        messages=say('call generate_image({"prompt": "a"}) then call image_to_3d({})'),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    second = client.chat.completions.create(
        messages=say('call generate_image({"prompt": "b"})'),
        sogni_tools=True,
        auto_execute_tools=True,
        media_context=first.media,
    )
    assert [m.url for m in second.media.models] == [m.url for m in first.media.models]
    assert [i.index for i in second.media.images] == [0, 1]
    with pytest.raises(ValueError, match="'models'"):
        client.chat.completions.create(
            messages=say("x"), auto_execute_tools=True, media_context={"meshes": []}
        )


def test_emulator_refuses_steps_outside_the_allow_list(server: LocalSogniServer) -> None:
    """A raw start naming a tool off the allow-list gets Sogni's error shape."""
    response = requests.post(
        f"{server.base_url}/creative-agent/workflows",
        json={"input": {"steps": [{"toolName": "manage_memory", "arguments": {}}]}},
        headers={"Authorization": "Bearer k"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json() == {
        "status": "error",
        "message": "Unsupported hosted tool: manage_memory",
        "errorCode": 400,
    }


def test_tool_timeout_cancels_the_workflow(server: LocalSogniServer) -> None:
    """When tool_timeout passes the workflow is cancelled and the model told it timed out."""
    server.workflow_seconds = 30.0
    with server.client(tool_timeout=0.6) as client:
        answer = client.chat.completions.create(
            messages=say('call generate_video({"prompt": "a long film"})'),
            sogni_tools=True,
            auto_execute_tools=True,
        )
    result = answer.tool_history[0].tool_results[0]
    assert result.success is False
    assert "did not finish within tool_timeout=0.6 s" in (result.error or "")
    assert cancels(server) == ["/v1/creative-agent/workflows/wf_1/cancel"]
    cancelled = server.workflow("wf_1")
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancelReason"] == "tool_timeout=0.6 s passed"


@pytest.mark.parametrize("error", [KeyboardInterrupt, ZeroDivisionError])
def test_interrupt_or_error_cancels_then_reraises(
    server: LocalSogniServer, client: OpenAI, error: type[BaseException]
) -> None:
    """Ctrl-C (or any exception) while a workflow runs cancels it, then propagates."""
    server.workflow_seconds = 30.0

    def interrupt(call: ChatCompletionMessageToolCall, progress: ToolProgress) -> None:
        if progress.status == "queued":  # the workflow exists and is waiting to run
            raise error

    with pytest.raises(error):
        client.chat.completions.create(
            messages=say('call generate_video({"prompt": "a long film"})'),
            sogni_tools=True,
            auto_execute_tools=True,
            on_tool_progress=interrupt,
        )
    assert cancels(server) == ["/v1/creative-agent/workflows/wf_1/cancel"]
    assert server.workflow("wf_1")["status"] == "cancelled"


def test_409_waits_for_a_workflow_to_finish(server: LocalSogniServer) -> None:
    """With the one slot taken, the loop watches it and starts once more when it is free."""
    server.max_active_workflows = 1
    server.workflow_seconds = 0.8
    requests.post(
        f"{server.base_url}/creative-agent/workflows",
        json={"input": {"steps": [{"toolName": "generate_image", "arguments": {}}]}},
        headers={"Authorization": "Bearer k"},
        timeout=10,
    )
    progress = Progress()
    asked: list[float] = []

    def sleep(seconds: float) -> None:  # the client's waits, shortened for the test
        asked.append(seconds)
        time.sleep(min(seconds, 0.1))

    with server.client(sleep=sleep) as client:
        answer = client.chat.completions.create(
            messages=say('call generate_image({"prompt": "a"})'),
            sogni_tools=True,
            auto_execute_tools=True,
            on_tool_progress=progress,
        )
    assert answer.tool_history[0].tool_results[0].success is True
    starts = [r for r in server.requests if r.path == "/v1/creative-agent/workflows"]
    assert len(starts) == 3  # ours, refused once, then accepted: never re-sent at once
    assert starts[1].headers["Idempotency-Key"] != starts[2].headers["Idempotency-Key"]
    watched = [r for r in server.requests if r.path.startswith("/v1/creative-agent/workflows?")]
    assert len(watched) >= 2  # the active workflows, at the refusal and until one finished
    assert all(seconds >= 3.0 for seconds in asked)
    assert progress.statuses[:2] == ["creating", "queued"]


@pytest.mark.parametrize("scale", ["fraction", "percent"])
def test_progress_on_either_scale_is_a_percentage(scale: str) -> None:
    """0-1 fractions and 0-100 percentages both reach the callback as 0-100, with the ETA."""
    progress = Progress()
    emulator = LocalSogniServer(workflow_seconds=0.3, progress_scale=scale)  # type: ignore[arg-type]
    with emulator as server, server.client() as client:
        client.chat.completions.create(
            messages=say('call generate_image({"prompt": "a"})'),
            sogni_tools=True,
            auto_execute_tools=True,
            on_tool_progress=progress,
        )
    percents = [p for _, status, p, *_ in progress.reports if status == "processing"]
    assert percents[-3:] == [25.0, 50.0, 75.0]
    etas = [eta for *_, eta, _ in progress.reports if eta is not None]
    assert etas
    assert all(0 <= eta <= 0.3 for eta in etas)
    assert progress.reports[-1][1:3] == ("completed", 100.0)


def test_settings_are_forwarded_to_workflows_and_tool_runs(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """billing, filter, references, capacity and cost settings reach the hosted tool requests."""
    song = "https://cdn.test/song.mp3"
    client.chat.completions.create(
        messages=say(
            'call enhance_prompt({"prompt": "a"}) '
            'call stitch_video({"videoIndices": [], "audioIndex": -1})'
        ),
        sogni_tools=True,
        auto_execute_tools=True,
        billingMode="subscription",
        safe_content_filter=False,
        token_type="spark",
        app_source="tests",
        media_references=[{"kind": "audio", "url": song}],
        max_estimated_capacity_units=50,
        confirm_cost=True,
    )
    (chat, *_) = [r.json for r in server.requests if r.path == "/v1/chat/completions"]
    assert chat["billing_mode"] == "subscription"
    (execute,) = [r.json for r in server.requests if r.path.endswith("tools/execute")]
    assert execute["billing_mode"] == "subscription"
    assert execute["safe_content_filter"] is False
    assert execute["token_type"] == "spark"
    assert "confirm_cost" not in execute
    (start,) = workflow_starts(server)
    expected = {
        "billing_mode": "subscription",
        "safe_content_filter": False,
        "token_type": "spark",
        "app_source": "tests",
        "max_estimated_capacity_units": 50,
        "confirm_cost": True,
        "media_references": [{"kind": "audio", "url": song}],
    }
    assert {key: start[key] for key in expected} == expected


def test_control_tool_ends_the_loop(server: LocalSogniServer, client: OpenAI) -> None:
    """ask_clarifying_question is not run: the loop stops and hands the question back."""
    answer = client.chat.completions.create(
        messages=say('call ask_clarifying_question({"question": "Cat or dog?"})'),
        sogni_tools="creative-agent",
        auto_execute_tools=True,
    )
    assert answer.tool_handoff is not None
    assert answer.tool_handoff.name == "ask_clarifying_question"
    assert answer.tool_handoff.text == "Cat or dog?"
    assert answer.choices[0].message.content == "Cat or dog?"
    assert answer.choices[0].finish_reason == "tool_calls"
    assert answer.tool_history == []
    assert len([r for r in server.requests if r.path == "/v1/chat/completions"]) == 1


def test_server_side_execution_runs_only_the_callers_tools(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """sogni_tool_execution=True: Sogni runs hosted tools, the loop only the caller's own."""
    seen: list[str] = []

    def get_weather(city: str) -> str:
        seen.append(city)
        return "sunny"

    answer = client.chat.completions.create(
        messages=say('call get_weather({"city": "Oslo"}) then call image_to_3d({})'),
        tools=[WEATHER_TOOL],
        sogni_tools=True,
        sogni_tool_execution=True,
        auto_execute_tools=True,
        tool_handlers={"get_weather": get_weather},
    )
    assert seen == ["Oslo"]
    chats = [r.json for r in server.requests if r.path == "/v1/chat/completions"]
    assert [c["sogni_tool_execution"] for c in chats] == [True, True]
    assert answer.creative_workflows  # the server ran image_to_3d itself
    assert workflow_starts(server) == []


def test_emulator_rate_limit_answers_429(server: LocalSogniServer) -> None:
    """Over rate_limit: 429 with Retry-After; OpenAI-shaped on the LLM routes, Sogni's elsewhere."""
    server.rate_limit = 2
    headers = {"Authorization": "Bearer k"}
    codes = [
        requests.get(f"{server.base_url}/models", headers=headers, timeout=10) for _ in range(3)
    ]
    assert [c.status_code for c in codes] == [200, 200, 429]
    assert int(codes[2].headers["Retry-After"]) >= 1
    assert codes[2].json()["error"]["type"] == "rate_limit_error"
    chat = requests.post(
        f"{server.base_url}/chat/completions",
        json={"messages": [{"role": "user", "content": "x"}]},
        headers=headers,
        timeout=10,
    )
    assert chat.status_code == 429
    assert set(chat.json()) == {"error"}
    assert chat.json()["error"]["code"] == "rate_limit_exceeded"
    listing = requests.get(
        f"{server.base_url}/creative-agent/workflows", headers=headers, timeout=10
    )
    assert listing.status_code == 429
    assert listing.json()["errorCode"] == 126
    assert listing.json()["retryAfter"] >= 1


def test_rate_limited_chat_is_an_openai_rate_limit_error(server: LocalSogniServer) -> None:
    """The emulator's OpenAI-shaped chat 429 reads as RateLimitError, its Retry-After kept."""
    from sogni_compat import RateLimitError

    server.rate_limit = 1
    with server.client(max_retries=0) as client:
        client.chat.completions.create(messages=say("one"))
        with pytest.raises(RateLimitError) as caught:
            client.chat.completions.create(messages=say("two"))
    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.retry_after is not None


def test_cancel_of_a_running_workflow_ends_its_stream(server: LocalSogniServer) -> None:
    """A cancel ends the event stream with a cancelled event."""
    server.workflow_seconds = 30.0
    headers = {"Authorization": "Bearer k"}
    started = requests.post(
        f"{server.base_url}/creative-agent/workflows",
        json={"input": {"steps": [{"toolName": "generate_image", "arguments": {}}]}},
        headers=headers,
        timeout=10,
    ).json()["data"]["workflow"]
    url = f"{server.base_url}/creative-agent/workflows/{started['workflowId']}"
    timer = threading.Timer(
        0.3, lambda: requests.post(f"{url}/cancel", json={}, headers=headers, timeout=10)
    )
    timer.start()
    body = requests.get(f"{url}/events/stream", headers=headers, timeout=10).text
    timer.join()
    assert "workflow.cancelled" in body
    again = requests.post(f"{url}/cancel", json={}, headers=headers, timeout=10)
    assert again.status_code == 200  # a finished workflow: a normal answer
    assert again.json()["data"]["transitioned"] is False
    assert again.json()["data"]["workflow"]["status"] == "cancelled"


def test_genuine_openai_types_keep_the_media_view(server: LocalSogniServer) -> None:
    """With response_types="openai" the completion still carries tool_history and media."""
    with server.client(response_types="openai") as client:
        answer = client.chat.completions.create(
            messages=say('call generate_image({"prompt": "a"})'),
            sogni_tools=True,
            auto_execute_tools=True,
        )
    assert type(answer).__module__.startswith("openai.")
    assert len(answer.tool_history) == 1
    assert answer.media.urls == answer.tool_history[0].tool_results[0].result_urls
    assert answer.tool_handoff is None


def test_tools_on_the_original_get_the_uploads(server: LocalSogniServer, client: OpenAI) -> None:
    """restore_photo (no index argument) works on the vision input: every step carries uploads."""
    answer = client.chat.completions.create(
        messages=say('call restore_photo({"prompt": "fix the scratches"})', PHOTO),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    result = answer.tool_history[0].tool_results[0]
    assert result.success is True, result.error
    (start,) = workflow_starts(server)
    (reference,) = start["media_references"]
    workflow = server.workflow(tool_json(result.content)["workflowId"])
    assert workflow["steps"][0]["resolvedMedia"] == {"source": reference["url"]}


def test_emulator_fails_a_tool_with_nothing_to_work_on(client: OpenAI) -> None:
    """Without any image, restore_photo fails, as the service would."""
    answer = client.chat.completions.create(
        messages=say('call restore_photo({"prompt": "fix"})'),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    result = answer.tool_history[0].tool_results[0]
    assert result.success is False
    assert "restore_photo needs an image: none was uploaded or made" in (result.error or "")


def test_minus_one_means_the_latest_video_where_the_manifest_says_so(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """extend_video's videoIndex -1 is "the most recent video": the one just generated."""
    answer = client.chat.completions.create(
        messages=say(
            'call generate_video({"prompt": "waves"}) then '
            'call extend_video({"duration": 5, "videoIndex": -1})'
        ),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    made, extended = (r.tool_results[0] for r in answer.tool_history)
    assert extended.success is True, extended.error
    step = server.workflow(tool_json(extended.content)["workflowId"])["steps"][0]
    assert step["resolvedMedia"] == {"videoIndex": made.result_urls[0]}


def test_http_vision_url_is_passed_as_it_is(server: LocalSogniServer, client: OpenAI) -> None:
    """An http(s) image URL in the chat goes to the workflow unchanged, with no upload."""
    url = f"{server.root_url}/media/wf_0/photo.png"
    client.chat.completions.create(
        messages=say('call edit_image({"prompt": "a hat", "sourceImageIndex": -1})', url),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    (start,) = workflow_starts(server)
    assert start["media_references"] == [{"kind": "image", "url": url}]
    assert not [r for r in server.requests if r.method == "PUT"]


def test_file_given_as_a_path_is_uploaded_as_read(
    server: LocalSogniServer, client: OpenAI, tmp_path: Any
) -> None:
    """A Path vision input is uploaded from the file itself (not the chat's inlined copy)."""
    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    messages: list[ChatCompletionMessageParam] = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": 'call upscale_image({"sourceImageIndex": -1})'},
                {"type": "image_url", "image_url": photo},
            ],
        }
    ]
    client.chat.completions.create(messages=messages, sogni_tools=True, auto_execute_tools=True)
    (put,) = [r for r in server.requests if r.method == "PUT"]
    assert put.body == PNG


def test_media_context_carries_results_into_the_next_call(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """media_context=answer.media keeps numbering: the next call's index 0 is the earlier cat."""
    first = client.chat.completions.create(
        messages=say('call generate_image({"prompt": "a cat"})'),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    (cat,) = first.media.urls
    second = client.chat.completions.create(
        messages=say('call animate_photo({"prompt": "walk", "sourceImageIndex": 0})'),
        sogni_tools=True,
        auto_execute_tools=True,
        media_context=first.media,
    )
    clip = second.tool_history[0].tool_results[0]
    assert clip.success is True, clip.error
    assert [i.url for i in second.media.images] == [cat]
    step = server.workflow(tool_json(clip.content)["workflowId"])["steps"][0]
    assert step["resolvedMedia"] == {"sourceImageIndex": cat}
    with pytest.raises(ValueError, match="list of http"):
        client.chat.completions.create(
            messages=say("x"),
            sogni_tools=True,
            auto_execute_tools=True,
            media_context={"images": ["file:///etc/passwd"]},
        )


def test_unknown_workflow_is_a_key_error(server: LocalSogniServer) -> None:
    """server.workflow() of an id never started raises KeyError."""
    with pytest.raises(KeyError, match="wf_9"):
        server.workflow("wf_9")


def _upload_puts(server: LocalSogniServer) -> int:
    """How many presigned uploads (PUTs) the emulator received."""
    return len([r for r in server.requests if r.method == "PUT"])


def test_media_context_carries_the_uploads_into_the_next_call(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """media_context=answer.media: -1 is still the photo uploaded before, not uploaded again."""
    first = client.chat.completions.create(
        messages=say('call remove_background({"sourceImageIndex": -1})', PHOTO),
        sogni_tools=True,
        auto_execute_tools=True,
    )
    (photo,) = first.media.uploads
    assert photo.url
    assert _upload_puts(server) == 1
    second = client.chat.completions.create(
        messages=say('call restore_photo({"sourceImageIndex": -1})'),
        sogni_tools=True,
        auto_execute_tools=True,
        media_context=first.media,
    )
    restored = second.tool_history[0].tool_results[0]
    assert restored.success is True, restored.error
    step = server.workflow(tool_json(restored.content)["workflowId"])["steps"][0]
    assert step["resolvedMedia"] == {"sourceImageIndex": photo.url}
    assert [(u.index, u.url) for u in second.media.uploads] == [(-1, photo.url)]
    assert _upload_puts(server) == 1  # carried as its URL


def test_a_history_that_still_holds_the_photo_does_not_count_it_twice(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """The photo in the history and in media_context is one upload: -1, uploaded once."""
    messages = say('call remove_background({"sourceImageIndex": -1})', PHOTO)
    first = client.chat.completions.create(
        messages=messages, sogni_tools=True, auto_execute_tools=True
    )
    messages = [
        *messages,
        first.choices[0].message,  # type: ignore[list-item]
        *say(
            'call restore_photo({"sourceImageIndex": -1}) and '
            'call upscale_image({"sourceImageIndex": -2})'
        ),
    ]
    second = client.chat.completions.create(
        messages=messages, sogni_tools=True, auto_execute_tools=True, media_context=first.media
    )
    restored, missing = second.tool_history[0].tool_results
    assert restored.success is True, restored.error
    assert missing.success is False  # there is no second upload
    assert "1 uploaded image(s)" in (missing.error or missing.content)
    assert [u.index for u in second.media.uploads] == [-1]
    assert _upload_puts(server) == 1


def test_the_dict_form_of_media_context_takes_uploads(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """media_context={"uploads": [{"kind", "url"}]}: those URLs are the uploads, -1 the first."""
    url = f"{server.root_url}/media/wf_0/photo.png"
    answer = client.chat.completions.create(
        messages=say('call restore_photo({"sourceImageIndex": -1})'),
        sogni_tools=True,
        auto_execute_tools=True,
        media_context={"uploads": [{"kind": "image", "url": url}]},
    )
    (start,) = workflow_starts(server)
    assert start["media_references"] == [{"kind": "image", "url": url}]
    assert [(u.index, u.url) for u in answer.media.uploads] == [(-1, url)]
    with pytest.raises(ValueError, match=r"media_context\['uploads'\] must be a list"):
        client.chat.completions.create(
            messages=say("x"),
            sogni_tools=True,
            auto_execute_tools=True,
            media_context={"uploads": ["data:image/png;base64,AAAA"]},
        )
