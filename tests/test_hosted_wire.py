"""Hosted-tool details on the wire, at the transport boundary: uploads, 409, scales, cancel."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import responses

from sogni_compat import ChatCompletion, OpenAI

from ._helpers import BASE_URL, CHAT_URL, USER, completion, sent_json
from ._tooling import Progress, asks_for

ROOT = BASE_URL.removesuffix("/v1")
WORKFLOWS_URL = f"{BASE_URL}/creative-agent/workflows"
WORKFLOW_URL = f"{WORKFLOWS_URL}/wf_1"
EVENTS_URL = f"{WORKFLOW_URL}/events/stream"
CANCEL_URL = f"{WORKFLOW_URL}/cancel"
PUT_URL = "https://uploads.test/presigned?sig=abc"
CLIP_URL = "https://cdn.test/clip.mp4"
VIDEO_DATA = "data:video/mp4;base64,AAAAGGZ0eXBtcDQy"


def started(status: str = "queued") -> dict[str, Any]:
    """The 201 answer to starting a workflow."""
    return {"status": "success", "data": {"workflow": {"workflowId": "wf_1", "status": status}}}


def snapshot(status: str, artifacts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The answer to GET creative-agent/workflows/wf_1."""
    workflow = {"workflowId": "wf_1", "status": status, "artifacts": artifacts or []}
    return {"status": "success", "data": {"workflow": workflow}}


def run(client: OpenAI, **kwargs: Any) -> ChatCompletion:
    """One loop call with Sogni's hosted tools on."""
    kwargs.setdefault("sogni_tools", True)
    answer = client.chat.completions.create(messages=USER, auto_execute_tools=True, **kwargs)
    assert isinstance(answer, ChatCompletion)
    return answer


def tool_content(mock: responses.RequestsMock) -> Any:
    """The content of the last tool message sent."""
    chats = [c for c in mock.calls if c.request.url == CHAT_URL]
    messages = sent_json(chats[-1])["messages"]
    return json.loads([m for m in messages if m["role"] == "tool"][-1]["content"])


def test_data_uri_reference_is_uploaded_and_kept_numbered(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """A data-URI video reference is uploaded (v1 PUT) and an uploads-only index stays as is."""
    ordered.post(
        CHAT_URL, json=asks_for(("video_to_video", {"prompt": "p", "videoSourceIndex": 0}))
    )
    ordered.get(f"{ROOT}/v1/media/uploadUrl", json={"data": {"uploadUrl": PUT_URL}})
    ordered.put(PUT_URL, status=200)
    ordered.get(f"{ROOT}/v1/media/downloadUrl", json={"data": {"downloadUrl": CLIP_URL}})
    ordered.post(WORKFLOWS_URL, status=201, json=started("completed"))
    ordered.get(WORKFLOW_URL, json=snapshot("completed", [{"url": CLIP_URL, "kind": "video"}]))
    ordered.post(CHAT_URL, json=completion("done"))
    run(client, media_references=[{"kind": "video", "value": VIDEO_DATA}])
    ask = str(ordered.calls[1].request.url)
    assert "type=referenceVideo" in ask
    assert "contentType=video%2Fmp4" in ask
    put = ordered.calls[2].request
    assert put.body == b"\x00\x00\x00\x18ftypmp42"
    assert "Authorization" not in put.headers
    start = sent_json(ordered.calls[4])
    assert start["media_references"] == [{"kind": "video", "url": CLIP_URL}]
    assert start["input"]["steps"][0]["arguments"]["videoSourceIndex"] == 0


def test_upload_answer_without_url_fails_the_tool(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """An upload-URL answer without an http(s) uploadUrl fails the tool with a clear message."""
    ordered.post(CHAT_URL, json=asks_for(("edit_image", {"prompt": "p", "sourceImageIndex": -1})))
    ordered.get(f"{ROOT}/v1/image/uploadUrl", json={"data": {"uploadUrl": "file:///etc/passwd"}})
    ordered.post(CHAT_URL, json=completion("sorry"))
    png = "data:image/png;base64,iVBORw0KGgo="
    run(client, media_references=[{"kind": "image", "url": png}])
    assert "upload answer has no http(s) 'uploadUrl'" in tool_content(ordered)["error"]


BUSY = {"status": "error", "message": "Too many active workflows", "errorCode": 409}
LISTING_URL = f"{WORKFLOWS_URL}?limit=50&offset=0"


def listing(*statuses: str) -> dict[str, Any]:
    """The answer to GET creative-agent/workflows: workflows wf_a, wf_b... in these statuses."""
    found = [
        {"workflowId": f"wf_{chr(97 + i)}", "status": status} for i, status in enumerate(statuses)
    ]
    return {"status": "success", "data": {"workflows": found}}


def test_409_waits_until_a_workflow_finishes(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """A 409 is not re-sent: the loop watches the active workflows, then starts once more."""
    ordered.post(CHAT_URL, json=asks_for(("generate_image", {"prompt": "p"})))
    ordered.post(WORKFLOWS_URL, status=409, json=BUSY, headers={"Retry-After": "7"})
    ordered.get(LISTING_URL, json=listing("running", "completed"))
    ordered.get(LISTING_URL, json=listing("running", "completed"))
    ordered.get(LISTING_URL, json=listing("completed", "completed"))
    ordered.post(WORKFLOWS_URL, status=201, json=started("completed"))
    ordered.get(WORKFLOW_URL, json=snapshot("completed", [{"url": CLIP_URL}]))
    ordered.post(CHAT_URL, json=completion("ok"))
    answer = run(client)
    assert answer.tool_history[0].tool_results[0].success is True
    assert sleeps == [7.0, 10.5]  # Retry-After, then half as long again
    starts = [c.request for c in ordered.calls if c.request.url == WORKFLOWS_URL]
    assert len(starts) == 2
    assert starts[0].headers["Idempotency-Key"] != starts[1].headers["Idempotency-Key"]


def test_409_without_a_listing_backs_off_for_seconds(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """When the workflows cannot be listed: 5 s, then 10 s, one start after each wait."""
    ordered.post(CHAT_URL, json=asks_for(("generate_image", {"prompt": "p"})))
    ordered.post(WORKFLOWS_URL, status=409, json=BUSY)
    ordered.get(LISTING_URL, status=404, json={"status": "error", "message": "no"})
    ordered.post(WORKFLOWS_URL, status=409, json=BUSY)
    ordered.get(LISTING_URL, json=listing())  # nothing active: it says nothing
    ordered.post(WORKFLOWS_URL, status=201, json=started("completed"))
    ordered.get(WORKFLOW_URL, json=snapshot("completed", [{"url": CLIP_URL}]))
    ordered.post(CHAT_URL, json=completion("ok"))
    run(client)
    assert sleeps == [5.0, 10.0]
    starts = [c.request for c in ordered.calls if c.request.url == WORKFLOWS_URL]
    assert len({r.headers["Idempotency-Key"] for r in starts}) == 3


def test_409_until_the_deadline_fails_the_tool(ordered: responses.RequestsMock) -> None:
    """A 409 whose wait would outlast tool_timeout becomes a failed result saying so."""
    client = OpenAI(api_key="k", base_url=BASE_URL, sleep=lambda _: None, tool_timeout=5)
    ordered.post(CHAT_URL, json=asks_for(("generate_image", {"prompt": "p"})))
    ordered.post(WORKFLOWS_URL, status=409, json=BUSY, headers={"Retry-After": "30"})
    ordered.get(LISTING_URL, json=listing("running"))
    ordered.post(CHAT_URL, json=completion("ok"))
    run(client)
    error = tool_content(ordered)["error"]
    assert "no room for another workflow" in error
    assert "none of the caller's workflows finished" in error
    assert "tool_timeout=5 s" in error


def sse(*events: dict[str, Any]) -> str:
    """An SSE body of data events numbered from 1."""
    return "".join(f"id: {i}\ndata: {json.dumps(e)}\n\n" for i, e in enumerate(events, 1))


@pytest.mark.parametrize(
    ("values", "percents"),
    [
        ([0.1, 0.5, 0.9], [10.0, 50.0, 90.0]),  # the documented 0-1 fraction
        ([0.2, 40, 80], [20.0, 40.0, 80.0]),  # a value above 1 shows percentages
        ([40, 1, 80], [40.0, 80.0]),  # ...and stays so: 1 is then 1 %, never shown backwards
        ([0.5, 0.3, float("inf")], [50.0, 100.0]),  # never backwards; inf is clamped
    ],
)
def test_progress_scale(
    client: OpenAI, ordered: responses.RequestsMock, values: list[float], percents: list[float]
) -> None:
    """Progress is a fraction until a value above 1 shows percentages; it never goes back."""
    ordered.post(CHAT_URL, json=asks_for(("generate_image", {"prompt": "p"})))
    ordered.post(WORKFLOWS_URL, status=201, json=started())
    body = sse(*({"status": "running", "progress": v, "etaSeconds": 5} for v in values))
    body += sse({"status": "completed"}).replace("id: 1", "id: 9")
    ordered.get(EVENTS_URL, body=body, content_type="text/event-stream")
    ordered.get(WORKFLOW_URL, json=snapshot("completed", [{"url": CLIP_URL}]))
    ordered.post(CHAT_URL, json=completion("ok"))
    progress = Progress()
    run(client, on_tool_progress=progress)
    assert [p for _, s, p, *_ in progress.reports if s == "processing"] == percents
    assert {o.eta_seconds for o in progress.objects if o.status == "processing"} == {5.0}


def test_cancel_that_fails_is_logged_not_raised(
    client: OpenAI, ordered: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    """If the cancel itself fails, the original exception still propagates; a warning says so."""
    ordered.post(CHAT_URL, json=asks_for(("generate_image", {"prompt": "p"})))
    ordered.post(WORKFLOWS_URL, status=201, json=started())
    ordered.post(CANCEL_URL, status=500, json={"message": "down"})

    def interrupt(call: Any, progress: Any) -> None:
        if progress.status == "queued":
            raise KeyboardInterrupt

    with caplog.at_level(logging.WARNING, "sogni_compat"), pytest.raises(KeyboardInterrupt):
        run(client, on_tool_progress=interrupt)
    assert sent_json(ordered.calls[-1]) == {"reason": "interrupted by the user"}
    assert "could not cancel workflow wf_1" in caplog.text


def test_finished_workflow_is_not_cancelled(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """A callback error after the workflow finished cancels nothing (there is nothing to stop)."""
    ordered.post(CHAT_URL, json=asks_for(("generate_image", {"prompt": "p"})))
    ordered.post(WORKFLOWS_URL, status=201, json=started("completed"))
    ordered.get(WORKFLOW_URL, json=snapshot("completed", [{"url": CLIP_URL}]))

    def broken(call: Any, progress: Any) -> None:
        if progress.status == "completed":
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        run(client, on_tool_progress=broken)
    assert not any(c.request.url == CANCEL_URL for c in ordered.calls)


def test_finalize_response_hands_back_the_answer(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """finalize_response ends the loop; its text becomes the message content, other calls wait."""
    ordered.post(
        CHAT_URL,
        json=asks_for(
            ("generate_image", {"prompt": "p"}),
            ("finalize_response", {"response": "All done: here is your cat."}),
        ),
    )
    answer = run(client, sogni_tools="creative-agent")
    assert answer.tool_handoff is not None
    assert answer.tool_handoff.arguments == {"response": "All done: here is your cat."}
    assert answer.choices[0].message.content == "All done: here is your cat."
    assert len(ordered.calls) == 1  # nothing else was run or sent


def test_handler_overrides_a_control_tool(client: OpenAI, ordered: responses.RequestsMock) -> None:
    """A caller's own handler for a control tool runs it like any tool instead of stopping."""
    ordered.post(CHAT_URL, json=asks_for(("ask_clarifying_question", {"question": "Cat?"})))
    ordered.post(CHAT_URL, json=completion("fine"))
    answer = run(client, tool_handlers={"ask_clarifying_question": lambda question: "Cat."})
    assert answer.tool_handoff is None
    assert answer.tool_history[0].tool_results[0].content == "Cat."


def test_stream_end_without_a_status_checks_the_snapshot(
    client: OpenAI, ordered: responses.RequestsMock, sleeps: list[float]
) -> None:
    """A stream that ends on an event without a status is followed by a snapshot, which ends it."""
    ordered.post(CHAT_URL, json=asks_for(("generate_image", {"prompt": "p"})))
    ordered.post(WORKFLOWS_URL, status=201, json=started())
    ordered.get(EVENTS_URL, body=sse({"progress": 1.0}), content_type="text/event-stream")
    ordered.get(WORKFLOW_URL, json=snapshot("completed", [{"url": CLIP_URL}]))
    ordered.post(CHAT_URL, json=completion("ok"))
    run(client)
    assert tool_content(ordered)["urls"] == [CLIP_URL]
    assert sleeps == []  # no reconnect was needed


def test_key_echoed_in_a_workflow_failure_is_masked(ordered: responses.RequestsMock) -> None:
    """A failure reason that echoes the key reaches the model and the history masked."""
    key = "sk-sogni-echoed-secret-0123456789"
    client = OpenAI(api_key=key, base_url=BASE_URL, sleep=lambda _: None)
    ordered.post(CHAT_URL, json=asks_for(("generate_image", {"prompt": "p"})))
    ordered.post(WORKFLOWS_URL, status=201, json=started("failed"))
    failed = {"workflowId": "wf_1", "status": "failed", "error": {"message": f"bad token {key}"}}
    ordered.get(WORKFLOW_URL, json={"status": "success", "data": {"workflow": failed}})
    ordered.post(CHAT_URL, json=completion("sorry"))
    answer = run(client)
    result = answer.tool_history[0].tool_results[0]
    assert key not in (result.error or "")
    assert "bad token ***" in (result.error or "")
    assert key not in str(ordered.calls[-1].request.body)


def test_artifacts_without_http_urls_are_not_media(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """ftp:// or javascript: artifacts are dropped; a generation with none left has failed."""
    ordered.post(CHAT_URL, json=asks_for(("generate_image", {"prompt": "p"})))
    ordered.post(WORKFLOWS_URL, status=201, json=started("completed"))
    odd = [{"url": "javascript:alert(1)", "kind": "image"}, {"url": "ftp://x/a.png"}]
    ordered.get(WORKFLOW_URL, json=snapshot("completed", odd))
    ordered.post(CHAT_URL, json=completion("ok"))
    answer = run(client)
    result = answer.tool_history[0].tool_results[0]
    assert result.success is False
    assert "without any media" in (result.error or "")
    assert answer.media.urls == []


def test_presigned_put_redirect_is_refused_with_a_clear_message(
    client: OpenAI, ordered: responses.RequestsMock
) -> None:
    """A redirecting presigned PUT is not followed; the model hears the upload failed."""
    ordered.post(CHAT_URL, json=asks_for(("edit_image", {"prompt": "p", "sourceImageIndex": -1})))
    ordered.get(f"{ROOT}/v1/image/uploadUrl", json={"data": {"uploadUrl": PUT_URL}})
    ordered.put(PUT_URL, status=307, headers={"Location": "https://elsewhere.test/"})
    ordered.post(CHAT_URL, json=completion("sorry"))
    png = "data:image/png;base64,iVBORw0KGgo="
    run(client, media_references=[{"kind": "image", "url": png}])
    error = tool_content(ordered)["error"]
    assert "uploading media (image) for tool 'edit_image' failed" in error
    assert "presigned upload URL redirected to 'https://elsewhere.test/'" in error
