"""The auto-tool loop with Sogni's hosted tools: composition over REST, media as workflows."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

from sogni_compat import ChatCompletion, ChatCompletionMessageToolCall, OpenAI, ToolProgress

from ._helpers import API_KEY, BASE_URL, CHAT_URL, USER, completion, sent_json
from ._tooling import Progress, asks_for, dropping

EXECUTE_URL = f"{BASE_URL}/creative-agent/tools/execute"
WORKFLOWS_URL = f"{BASE_URL}/creative-agent/workflows"
WORKFLOW_URL = f"{WORKFLOWS_URL}/wf_1"
EVENTS_URL = f"{WORKFLOW_URL}/events/stream"
IMAGE_URL = "https://cdn.test/wf_1/cat.png"


def sse(*events: tuple[int, str, dict[str, Any]]) -> str:
    """An SSE body of ``(id, event name, data)`` events."""
    return "".join(
        f"id: {seq}\nevent: {name}\ndata: {json.dumps(data)}\n\n" for seq, name, data in events
    )


def events(mock: responses.RequestsMock, body: Any) -> None:
    """Queue one answer of the workflow's event stream."""
    mock.get(EVENTS_URL, body=body, content_type="text/event-stream")


def started(status: str = "queued") -> dict[str, Any]:
    """The 201 answer to starting a workflow."""
    return {"status": "success", "data": {"workflow": {"workflowId": "wf_1", "status": status}}}


def snapshot(status: str, artifacts: list[dict[str, Any]] | None = None, **extra: Any) -> Any:
    """The answer to GET creative-agent/workflows/wf_1."""
    workflow = {"workflowId": "wf_1", "status": status, "artifacts": artifacts or [], **extra}
    return {"status": "success", "data": {"workflow": workflow}}


IMAGE = [{"url": IMAGE_URL, "mediaType": "image/png"}]


def run(client: OpenAI, progress: Any = None, **kwargs: Any) -> ChatCompletion:
    """One loop call with Sogni's hosted tools enabled."""
    answer = client.chat.completions.create(
        messages=USER,
        sogni_tools=True,
        auto_execute_tools=True,
        on_tool_progress=progress,
        **kwargs,
    )
    assert isinstance(answer, ChatCompletion)
    return answer


def tool_content(mock: responses.RequestsMock) -> Any:
    """The decoded content of the (last) tool message of the last chat request."""
    chats = [call for call in mock.calls if call.request.url == CHAT_URL]
    messages = sent_json(chats[-1])["messages"]
    return json.loads([m for m in messages if m["role"] == "tool"][-1]["content"])


@pytest.fixture
def progress() -> Progress:
    """A recorder for on_tool_progress."""
    return Progress()


# -- the wire -------------------------------------------------------------------------------


def test_loop_asks_the_server_not_to_run_hosted_tools(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """With the loop on and sogni_tools enabled, sogni_tool_execution: false is sent."""
    mock.post(CHAT_URL, json=completion("hi"))
    run(client)
    body = sent_json(mock.calls[0])
    assert body["sogni_tools"] is True
    assert body["sogni_tool_execution"] is False


def test_caller_may_let_the_server_run_hosted_tools(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """An explicit sogni_tool_execution=True is kept."""
    mock.post(CHAT_URL, json=completion("hi"))
    run(client, sogni_tool_execution=True)
    assert sent_json(mock.calls[0])["sogni_tool_execution"] is True


def test_no_execution_flag_without_hosted_tools(
    client: OpenAI, mock: responses.RequestsMock
) -> None:
    """sogni_tools off (or 'none'): the loop adds nothing about hosted execution."""
    mock.post(CHAT_URL, json=completion("hi"))
    client.chat.completions.create(messages=USER, sogni_tools="none", auto_execute_tools=True)
    body = sent_json(mock.calls[0])
    assert body["sogni_tools"] == "none"
    assert "sogni_tool_execution" not in body


# -- composition tools ----------------------------------------------------------------------


def test_composition_tool(
    client: OpenAI, ordered: responses.RequestsMock, progress: Progress
) -> None:
    """enhance_prompt runs through tools/execute; the model gets success, message and result."""
    ordered.post(CHAT_URL, json=asks_for(("enhance_prompt", {"prompt": "a cat"})))
    ordered.post(
        EXECUTE_URL,
        json={
            "status": "success",
            "data": {
                "toolCallId": "tc_9",
                "tool": "enhance_prompt",
                "result": {"prompt": "a fluffy cat, golden hour"},
                "message": "Prompt enhanced",
            },
        },
    )
    ordered.post(CHAT_URL, json=completion("Here it is."))

    answer = run(client, progress, app_source="notebook", token_type="spark")

    execute = ordered.calls[1].request
    assert sent_json(ordered.calls[1]) == {
        "tool": "enhance_prompt",
        "arguments": {"prompt": "a cat"},
        "app_source": "notebook",
        "token_type": "spark",
    }
    assert execute.headers["Authorization"] == f"Bearer {API_KEY}"
    assert tool_content(ordered) == {
        "success": True,
        "tool": "enhance_prompt",
        "message": "Prompt enhanced",
        "result": {"prompt": "a fluffy cat, golden hour"},
    }
    result = answer.tool_history[0].tool_results[0]
    assert result.success is True
    assert result.tool_name == "enhance_prompt"
    assert progress.statuses == ["processing", "completed"]


def test_composition_tool_refused(
    client: OpenAI, ordered: responses.RequestsMock, progress: Progress
) -> None:
    """A 400 from tools/execute is an error result carrying the server's message."""
    ordered.post(CHAT_URL, json=asks_for(("compose_lyrics", {"theme": "rain"})))
    ordered.post(
        EXECUTE_URL,
        status=400,
        json={"status": "error", "message": "theme is too short", "errorCode": 4000},
    )
    ordered.post(CHAT_URL, json=completion("Sorry."))
    answer = run(client, progress)
    content = tool_content(ordered)
    assert content["success"] is False
    assert "theme is too short" in content["error"]
    assert answer.tool_history[0].tool_results[0].error == content["error"]
    assert progress.statuses == ["processing", "failed"]


def test_tool_handler_wins_over_a_hosted_tool(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """A tool_handlers entry named like a hosted tool runs locally; Sogni is not called."""
    ordered.post(CHAT_URL, json=asks_for(("generate_image", {"prompt": "a cat"})))
    ordered.post(CHAT_URL, json=completion("ok"))
    run(client, tool_handlers={"generate_image": lambda prompt: f"local {prompt}"})
    assert [call.request.url for call in ordered.calls] == [CHAT_URL, CHAT_URL]


def test_custom_tools_still_use_on_tool_call(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """With sogni_tools on, a name that is not hosted goes to on_tool_call."""
    ordered.post(CHAT_URL, json=asks_for(("get_weather", {"city": "Rome"})))
    ordered.post(CHAT_URL, json=completion("ok"))
    run(client, on_tool_call=lambda call: "sunny")
    assert [call.request.url for call in ordered.calls] == [CHAT_URL, CHAT_URL]


# -- media tools: durable workflows ---------------------------------------------------------


def media_round(mock: responses.RequestsMock, arguments: dict[str, Any] | None = None) -> None:
    """Queue the completion that asks for generate_image."""
    mock.post(CHAT_URL, json=asks_for(("generate_image", arguments or {"prompt": "a cat"})))


def test_media_tool_runs_as_a_workflow(
    client: OpenAI, ordered: responses.RequestsMock, progress: Progress
) -> None:
    """Start, follow the events with progress, confirm, and hand the URLs to the model."""
    media_round(ordered)
    ordered.post(WORKFLOWS_URL, status=201, json=started())
    events(
        ordered,
        ": connected\n\n"
        + sse(
            (1, "workflow.queued", {"status": "queued"}),
            (2, "step.progress", {"status": "running", "progress": 40, "eta": 12}),
            (3, "heartbeat", {}),
            (4, "step.progress", {"status": "running", "progress": 80, "eta": 4}),
            (5, "workflow.completed", {"status": "completed", "progress": 100}),
        ),
    )
    ordered.get(WORKFLOW_URL, json=snapshot("completed", IMAGE))
    ordered.post(CHAT_URL, json=completion("Here is your cat."))

    answer = run(client, progress, app_source="notebook")

    start = ordered.calls[1].request
    assert sent_json(ordered.calls[1]) == {
        "input": {"steps": [{"toolName": "generate_image", "arguments": {"prompt": "a cat"}}]},
        "app_source": "notebook",
    }
    assert start.headers["Idempotency-Key"]
    assert ordered.calls[2].request.headers["Accept"] == "text/event-stream"
    assert "Last-Event-ID" not in ordered.calls[2].request.headers
    assert tool_content(ordered) == {
        "success": True,
        "tool": "generate_image",
        "workflowId": "wf_1",
        "kind": "image",
        "media_type": "image",
        "urls": [IMAGE_URL],
        "startIndex": 0,
        "indices": [0],
    }
    result = answer.tool_history[0].tool_results[0]
    assert result.success is True
    assert result.result_urls == [IMAGE_URL]
    assert progress.reports == [
        ("generate_image", "creating", 0.0, None, []),
        ("generate_image", "queued", 0.0, None, []),
        ("generate_image", "processing", 40.0, 12.0, []),
        ("generate_image", "processing", 80.0, 4.0, []),
        ("generate_image", "completed", 100.0, None, [IMAGE_URL]),
    ]
    assert [p.workflow_id for p in progress.objects] == [None, "wf_1", "wf_1", "wf_1", "wf_1"]
    assert answer.choices[0].message.content == "Here is your cat."


def test_dropped_event_stream_resumes_with_last_event_id(
    client: OpenAI, ordered: responses.RequestsMock, progress: Progress, sleeps: list[float]
) -> None:
    """A lost stream: the snapshot is checked, then it is reopened from the last event id."""
    media_round(ordered)
    ordered.post(WORKFLOWS_URL, status=201, json=started())
    events(
        ordered,
        dropping(
            sse(
                (1, "workflow.queued", {"status": "queued"}),
                (2, "step.progress", {"status": "running", "progress": 30}),
            )
            + 'id: 3\ndata: {"status": "runn'  # cut off inside an event
        ),
    )
    ordered.get(WORKFLOW_URL, json=snapshot("running"))
    events(
        ordered,
        sse(
            (3, "step.progress", {"status": "running", "progress": 60}),
            (4, "workflow.completed", {"status": "completed"}),
        ),
    )
    ordered.get(WORKFLOW_URL, json=snapshot("completed", IMAGE))
    ordered.post(CHAT_URL, json=completion("ok"))

    answer = run(client, progress)

    assert ordered.calls[4].request.headers["Last-Event-ID"] == "2"
    assert progress.statuses == ["creating", "queued", "processing", "processing", "completed"]
    assert [r[2] for r in progress.reports] == [0.0, 0.0, 30.0, 60.0, 100.0]
    assert answer.tool_history[0].tool_results[0].result_urls == [IMAGE_URL]
    assert sleeps == [0.5]  # the snapshot said "running": the first backoff step


def test_stream_that_ends_early_is_reopened(
    client: OpenAI, ordered: responses.RequestsMock, progress: Progress
) -> None:
    """A stream closed cleanly before a final status is followed again from the last id."""
    media_round(ordered)
    ordered.post(WORKFLOWS_URL, status=201, json=started("running"))
    events(ordered, sse((7, "step.progress", {"status": "running", "progress": 50})))
    ordered.get(WORKFLOW_URL, json=snapshot("running"))
    events(ordered, sse((8, "workflow.completed", {"status": "completed"})))
    ordered.get(WORKFLOW_URL, json=snapshot("completed", IMAGE))
    ordered.post(CHAT_URL, json=completion("ok"))
    run(client, progress)
    assert ordered.calls[4].request.headers["Last-Event-ID"] == "7"
    assert [(r[1], r[2]) for r in progress.reports] == [
        ("creating", 0.0),
        ("processing", 0.0),
        ("processing", 50.0),
        ("completed", 100.0),
    ]


def test_failed_workflow(
    client: OpenAI, ordered: responses.RequestsMock, progress: Progress
) -> None:
    """A failed workflow is an error result with the server's reason; progress ends 'failed'."""
    media_round(ordered)
    ordered.post(WORKFLOWS_URL, status=201, json=started())
    events(
        ordered,
        sse(
            (1, "step.progress", {"status": "running", "progress": 20}),
            (2, "workflow.failed", {"status": "failed"}),
        ),
    )
    ordered.get(
        WORKFLOW_URL, json=snapshot("failed", error={"message": "content policy violation"})
    )
    ordered.post(CHAT_URL, json=completion("I could not make that."))

    answer = run(client, progress)

    content = tool_content(ordered)
    assert content["success"] is False
    assert "content policy violation" in content["error"]
    assert "wf_1" in content["error"]
    result = answer.tool_history[0].tool_results[0]
    assert result.success is False
    assert result.result_urls == []
    assert progress.reports[-1] == ("generate_image", "failed", 20.0, None, [])


@pytest.mark.parametrize(
    ("status", "artifacts", "reason"),
    [
        ("partial_failure", IMAGE, None),
        ("partial_failure", [], "partial_failure"),
        ("cancelled", [], "cancelled"),
        ("waiting_for_user", [], "waiting for user input"),
    ],
)
def test_final_statuses(
    client: OpenAI,
    ordered: responses.RequestsMock,
    status: str,
    artifacts: list[dict[str, Any]],
    reason: str | None,
) -> None:
    """partial_failure with media succeeds; cancelled, waiting_for_user or no media fail."""
    media_round(ordered)
    ordered.post(WORKFLOWS_URL, status=201, json=started(status))
    ordered.get(WORKFLOW_URL, json=snapshot(status, artifacts))  # final at once: no stream
    ordered.post(CHAT_URL, json=completion("ok"))
    run(client)
    content = tool_content(ordered)
    assert content["success"] is (reason is None)
    if reason is None:
        assert content["urls"] == [IMAGE_URL]
    else:
        assert reason in content["error"]


@pytest.mark.parametrize(
    ("artifact", "kind"),
    [
        ({"kind": "video"}, "video"),
        ({"type": "audio"}, "audio"),
        ({"mediaType": "audio"}, "audio"),
        ({"mimeType": "video/mp4"}, "video"),
        ({"kind": "image", "mimeType": "video/mp4"}, "image"),
        ({}, "video"),  # no field: the URL's extension
    ],
)
def test_artifact_kind_fields(
    client: OpenAI, ordered: responses.RequestsMock, artifact: dict[str, str], kind: str
) -> None:
    """An artifact's kind is read from kind, type, mediaType or mimeType, else its extension."""
    ordered.post(CHAT_URL, json=asks_for(("generate_image", {"prompt": "jazz"})))
    ordered.post(WORKFLOWS_URL, status=201, json=started("completed"))
    url = "https://cdn.test/clip.mp4" if not artifact else "https://cdn.test/file"
    ordered.get(WORKFLOW_URL, json=snapshot("completed", [{"url": url, **artifact}]))
    ordered.post(CHAT_URL, json=completion("ok"))
    answer = run(client)
    content = tool_content(ordered)
    assert (content["kind"], content["urls"], content["startIndex"]) == (kind, [url], 0)
    view = {"image": answer.media.images, "video": answer.media.videos, "audio": answer.media.audio}
    assert [item.url for item in view[kind]] == [url]


def test_rate_limited_start_is_retried_with_the_same_idempotency_key(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """A 429 while starting waits Retry-After and retries the same start (same key)."""
    media_round(ordered)
    ordered.post(
        WORKFLOWS_URL,
        status=429,
        headers={"Retry-After": "3"},
        json={"status": "error", "message": "Too many requests", "errorCode": 126},
    )
    ordered.post(WORKFLOWS_URL, status=201, json=started("completed"))
    ordered.get(WORKFLOW_URL, json=snapshot("completed", IMAGE))
    ordered.post(CHAT_URL, json=completion("ok"))

    answer = run(client)

    first, second = ordered.calls[1].request, ordered.calls[2].request
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.body == second.body
    assert sleeps == [3.0]
    assert answer.tool_history[0].tool_results[0].success is True


def test_rate_limited_event_stream_honours_retry_after(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """A 429 on the event stream waits what the server asks before following again."""
    media_round(ordered)
    ordered.post(WORKFLOWS_URL, status=201, json=started())
    ordered.get(EVENTS_URL, status=429, headers={"Retry-After": "5"}, json={"error": "slow down"})
    events(ordered, sse((1, "workflow.completed", {"status": "completed"})))
    ordered.get(WORKFLOW_URL, json=snapshot("completed", IMAGE))
    ordered.post(CHAT_URL, json=completion("ok"))
    run(client)
    assert sleeps == [5.0]
    assert tool_content(ordered)["success"] is True


def test_start_refused_is_an_error_result(
    client: OpenAI, ordered: responses.RequestsMock, progress: Progress
) -> None:
    """A 402 while starting a workflow tells the model and stops before following anything."""
    media_round(ordered)
    ordered.post(
        WORKFLOWS_URL,
        status=402,
        json={"error": {"message": "Insufficient balance", "type": "payment", "code": "4080"}},
    )
    ordered.post(CHAT_URL, json=completion("Top up, please."))
    run(client, progress)
    assert "Insufficient balance" in tool_content(ordered)["error"]
    assert progress.statuses == ["creating", "failed"]


def test_data_uri_arguments_are_refused_before_starting(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """Workflows take only http(s) media: a data URI argument fails without a request."""
    media_round(ordered, {"image": {"url": "data:image/png;base64,AAAA"}, "prompt": "x"})
    ordered.post(CHAT_URL, json=completion("ok"))
    run(client)
    error = tool_content(ordered)["error"]
    assert "image.url" in error
    assert "http(s) URLs" in error
    assert len(ordered.calls) == 2


def test_event_stream_lost_for_good(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """Streams that keep ending early fail the tool after 60 reconnects, backing off to 30 s."""
    media_round(ordered)
    ordered.post(WORKFLOWS_URL, status=201, json=started())
    for _ in range(61):
        events(ordered, "")
        ordered.get(WORKFLOW_URL, json=snapshot("running"))
    ordered.post(CHAT_URL, json=completion("ok"))
    run(client)
    error = tool_content(ordered)["error"]
    assert "wf_1" in error
    assert "after 60 reconnects" in error
    assert "event stream ended" in error
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0] + [30.0] * 54


def test_tool_timeout_bounds_the_wait(sleeps: list[float], ordered: responses.RequestsMock) -> None:
    """A workflow that does not finish within tool_timeout fails with a message saying so."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, sleep=sleeps.append, tool_timeout=0.05)
    media_round(ordered)
    ordered.post(WORKFLOWS_URL, status=201, json=started())
    events(ordered, "")
    ordered.post(CHAT_URL, json=completion("ok"))
    run(client)
    error = tool_content(ordered)["error"]
    assert "did not finish within tool_timeout=0.05 s" in error
    assert sleeps == []  # the backoff would have passed the deadline


def test_snapshot_that_is_not_final_is_followed_again(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """When the snapshot disagrees with the stream's final event, the stream is followed again."""
    media_round(ordered)
    ordered.post(WORKFLOWS_URL, status=201, json=started())
    events(ordered, sse((1, "workflow.completed", {"status": "completed"})))
    ordered.get(WORKFLOW_URL, json=snapshot("running"))
    events(ordered, sse((2, "workflow.completed", {"status": "completed"})))
    ordered.get(WORKFLOW_URL, json=snapshot("completed", IMAGE))
    ordered.post(CHAT_URL, json=completion("ok"))
    run(client)
    assert ordered.calls[4].request.headers["Last-Event-ID"] == "1"
    assert tool_content(ordered)["success"] is True


def test_progress_callback_errors_propagate(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """A bug in on_tool_progress surfaces as the caller's own exception."""
    media_round(ordered)

    def broken(call: ChatCompletionMessageToolCall, progress: ToolProgress) -> None:
        raise ZeroDivisionError("progress bar bug")

    with pytest.raises(ZeroDivisionError, match="progress bar bug"):
        run(client, broken)


def test_tool_timeout_option_is_validated() -> None:
    """tool_timeout must be a positive, finite number of seconds."""
    for bad in (0, -1, float("inf"), "60", True):
        with pytest.raises(ValueError, match="tool_timeout"):
            OpenAI(api_key=API_KEY, tool_timeout=bad)  # type: ignore[arg-type]
    client = OpenAI(api_key=API_KEY, tool_timeout=90)
    assert client.tool_timeout == 90.0
    assert client.with_options(max_retries=0).tool_timeout == 90.0
    assert client.with_options(tool_timeout=5).tool_timeout == 5.0


def test_event_cut_off_by_a_clean_end_is_not_used(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """An unterminated last event is discarded, and the stream resumes before it."""
    media_round(ordered)
    ordered.post(WORKFLOWS_URL, status=201, json=started())
    events(
        ordered, sse((1, "step.progress", {"status": "running"})) + 'id: 2\ndata: {"status": "compl'
    )
    ordered.get(WORKFLOW_URL, json=snapshot("running"))
    events(ordered, sse((2, "workflow.completed", {"status": "completed"})))
    ordered.get(WORKFLOW_URL, json=snapshot("completed", IMAGE))
    ordered.post(CHAT_URL, json=completion("ok"))
    run(client)
    assert ordered.calls[4].request.headers["Last-Event-ID"] == "1"


def test_camel_case_progress_callback(client: OpenAI, ordered: responses.RequestsMock) -> None:
    """The camelCase onToolProgress receives the same reports as on_tool_progress."""
    ordered.post(CHAT_URL, json=asks_for(("enhance_prompt", {"prompt": "a cat"})))
    ordered.post(EXECUTE_URL, json={"status": "success", "data": {"result": {}, "message": None}})
    ordered.post(CHAT_URL, json=completion("ok"))
    progress = Progress()
    client.chat.completions.create(
        messages=USER, sogni_tools=True, autoExecuteTools=True, onToolProgress=progress
    )
    assert progress.statuses == ["processing", "completed"]
