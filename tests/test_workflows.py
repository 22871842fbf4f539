"""client.workflows against the emulator: dependencies, media, templates, waits, cost pauses."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from sogni_compat import ConflictError, OpenAI, ToolProgress, WaitTimeoutError
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types import Artifact, Workflow, WorkflowEvent

from ._helpers import PNG

CAT_THEN_MOVE: list[dict[str, Any]] = [
    {"id": "cat", "toolName": "generate_image", "arguments": {"prompt": "a cat"}},
    {
        "id": "move",
        "tool": "animate_photo",
        "arguments": {"prompt": "the cat waves"},
        "depends_on": [{"sourceStepId": "cat", "targetArgument": "source_image_url"}],
    },
]


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """A fresh emulator per test, with short workflows."""
    with LocalSogniServer(workflow_seconds=0.2) as running:
        yield running


@pytest.fixture
def client(server: LocalSogniServer) -> Iterator[OpenAI]:
    """A client of the emulator."""
    with server.client() as c:
        yield c


def bind(source: str, target: str = "sourceImageIndex", **more: Any) -> dict[str, Any]:
    """A dependsOn binding of ``target`` to ``source``'s first artifact."""
    return {"sourceStepId": source, "targetArgument": target, **more}


def sent(server: LocalSogniServer, suffix: str = "/creative-agent/workflows") -> list[Any]:
    """Bodies of the requests whose path ends with ``suffix``."""
    return [r.json for r in server.requests if r.path.split("?")[0].endswith(suffix)]


def test_two_steps_with_a_dependency_give_typed_artifacts(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """A step bound to an earlier one runs after it, gets its URL, and both artifacts are typed."""
    started = client.workflows.create(steps=list(reversed(CAT_THEN_MOVE)))
    assert isinstance(started, Workflow)
    assert started.status == "queued"
    done = client.workflows.wait(started.id)
    assert done.status == "completed"
    assert all(isinstance(a, Artifact) for a in done.artifacts)
    assert [(a.media_kind, a.stepId) for a in done.artifacts] == [
        ("image", "cat"),
        ("video", "move"),
    ]
    (body,) = sent(server)
    assert body["input"]["steps"][0]["dependsOn"] == [
        {"sourceStepId": "cat", "targetArgument": "source_image_url", "transform": "image_url"}
    ]
    move = next(s for s in server.workflow(done.id)["steps"] if s["id"] == "move")
    assert move["arguments"]["source_image_url"] == done.artifacts[0].url


def test_input_media_is_uploaded_first_and_bound(server: LocalSogniServer, client: OpenAI) -> None:
    """media=[bytes] is uploaded (without the key) and "$input_media" binds it into a step."""
    step = {
        "id": "styled",
        "toolName": "apply_style",
        "arguments": {"style": "watercolor"},
        "depends_on": [{"sourceStepId": "$input_media", "targetArgument": "source_image_url"}],
    }
    done = client.workflows.wait(client.workflows.create(steps=[step], media=[PNG]).id)
    assert done.status == "completed"
    (body,) = sent(server)
    (reference,) = body["media_references"]
    assert reference["kind"] == "image"
    assert reference["url"].startswith(server.root_url + "/media/uploads/")
    puts = [r for r in server.requests if r.method == "PUT"]
    assert len(puts) == 1
    assert "Authorization" not in puts[0].headers
    bound = server.workflow(done.id)["steps"][0]["arguments"]["source_image_url"]
    assert bound == reference["url"]


def test_template_with_inputs(server: LocalSogniServer, client: OpenAI) -> None:
    """workflow_id= starts a saved template and inputs= fills it."""
    server.add_template(
        "tpl_poster",
        [{"id": "art", "toolName": "generate_image", "arguments": {"prompt": "{{subject}}"}}],
    )
    done = client.workflows.wait(
        client.workflows.create(workflow_id="tpl_poster", inputs={"subject": "a lighthouse"}).id
    )
    assert done.status == "completed"
    assert sent(server)[0] == {"workflow_id": "tpl_poster", "inputs": {"subject": "a lighthouse"}}
    assert server.workflow(done.id)["steps"][0]["arguments"]["prompt"] == "a lighthouse"


def test_wait_reports_progress_up_to_completed(client: OpenAI) -> None:
    """on_progress sees the workflow id, never-decreasing percentages, then completed with URLs."""
    seen: list[tuple[str, ToolProgress]] = []
    started = client.workflows.create(steps=CAT_THEN_MOVE)
    done = client.workflows.wait(started.id, on_progress=lambda call, p: seen.append((call.id, p)))
    assert {call_id for call_id, _ in seen} == {started.id}
    percents = [p.percent for _, p in seen]
    assert percents == sorted(percents)
    assert seen[-1][1].status == "completed"
    assert seen[-1][1].result_urls == done.urls
    assert len(done.urls) == 2


def test_wait_timeout_cancels(server: LocalSogniServer, client: OpenAI) -> None:
    """A workflow still running at the timeout is cancelled and WaitTimeoutError says so."""
    server.workflow_seconds = 30
    started = client.workflows.create(steps=CAT_THEN_MOVE[:1])
    with pytest.raises(WaitTimeoutError, match="cancelled") as caught:
        client.workflows.wait(started.id, timeout=0.5)
    assert caught.value.cancelled is True
    assert caught.value.job_id == started.id
    assert server.workflow(started.id)["status"] == "cancelled"


def test_stream_events_list_and_after(client: OpenAI) -> None:
    """stream() yields every event once and ends; after= resumes; events() lists them."""
    started = client.workflows.create(steps=CAT_THEN_MOVE[:1])
    events = list(client.workflows.stream(started.id))
    assert all(isinstance(e, WorkflowEvent) for e in events)
    assert [e.id for e in events] == [str(n) for n in range(1, len(events) + 1)]
    assert events[0].status == "queued"
    assert events[-1].status == "completed"
    assert [e.id for e in client.workflows.stream(started.id, after=3)] == [
        e.id for e in events[3:]
    ]
    assert [e.event for e in client.workflows.events(started.id)] == [e.event for e in events]
    assert [e.id for e in client.workflows.events(started.id, after=4)] == [
        e.id for e in events[4:]
    ]


def test_list_pages_through_every_workflow(server: LocalSogniServer, client: OpenAI) -> None:
    """list(limit=2) fetches pages as it goes and yields all three workflows, newest first."""
    made = [client.workflows.create(steps=CAT_THEN_MOVE[:1]).id for _ in range(3)]
    listed = client.workflows.list(limit=2)
    assert [r for r in server.requests if r.path.startswith("/v1/creative-agent/workflows?")] == []
    assert [w.id for w in listed] == list(reversed(made))
    pages = [r.path for r in server.requests if r.path.startswith("/v1/creative-agent/workflows?")]
    assert pages == [
        "/v1/creative-agent/workflows?limit=2&offset=0",
        "/v1/creative-agent/workflows?limit=2&offset=2",
    ]
    assert [w.id for w in client.workflows.list(limit=2, max_items=1)] == [made[-1]]


def test_cost_ceiling_pauses_and_resume_does_not_approve(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """Above max_estimated_capacity_units the workflow waits; resume() is not a cost approval."""
    step = {"toolName": "generate_image", "arguments": {"prompt": "x", "numberOfVariations": 4}}
    started = client.workflows.create(steps=[step], max_estimated_capacity_units=2)
    assert sent(server)[0]["max_estimated_capacity_units"] == 2
    waiting = client.workflows.wait(started.id)
    assert waiting.status == "waiting_for_user"
    assert waiting.awaiting_cost_approval
    assert waiting.billing_preview is not None
    assert waiting.billing_preview.estimated_capacity_units == 4
    assert waiting.artifacts == []
    with pytest.raises(ConflictError, match="resume does not approve costs"):
        client.workflows.resume(waiting.id)
    assert client.workflows.retrieve(waiting.id).status == "waiting_for_user"
    again = client.workflows.create(steps=[step], max_estimated_capacity_units=2, confirm_cost=True)
    assert client.workflows.wait(again.id).status == "completed"


def test_resume_continues_a_workflow_waiting_for_the_user(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """A workflow paused by a question step waits; resume() continues it from there."""
    steps: list[dict[str, Any]] = [
        {"id": "ask", "toolName": "ask_clarifying_question", "arguments": {"question": "Red?"}},
        {"id": "art", "toolName": "generate_image", "arguments": {"prompt": "a red door"}},
    ]
    waiting = client.workflows.wait(client.workflows.create(steps=steps).id)
    assert waiting.status == "waiting_for_user"
    assert waiting.waiting_reason == "ask_clarifying_question"
    assert not waiting.awaiting_cost_approval
    resumed = client.workflows.resume(waiting.id, token_type="spark")
    assert resumed.id == waiting.id
    assert sent(server, "/resume") == [{"token_type": "spark"}]
    done = client.workflows.wait(waiting.id)
    assert done.status == "completed"
    assert len(done.urls) == 1


def test_confirm_cost_true_does_not_pause(server: LocalSogniServer, client: OpenAI) -> None:
    """confirm_cost=True approves in advance: the workflow runs despite the ceiling."""
    step = {"toolName": "generate_image", "arguments": {"prompt": "x", "numberOfVariations": 4}}
    started = client.workflows.create(steps=[step], maxEstimatedCapacityUnits=2, confirmCost=True)
    assert client.workflows.wait(started.id).status == "completed"
    assert sent(server)[0]["confirm_cost"] is True


def test_reseed_and_cancel(server: LocalSogniServer, client: OpenAI) -> None:
    """reseed() starts a new take of the same steps; cancel() stops a running workflow."""
    first = client.workflows.wait(client.workflows.create(steps=CAT_THEN_MOVE[:1]).id)
    again = client.workflows.reseed(first.id)
    assert again.id != first.id
    assert client.workflows.wait(again.id).status == "completed"
    server.workflow_seconds = 30
    running = client.workflows.create(steps=CAT_THEN_MOVE[:1])
    cancelled = client.workflows.cancel(running.id, reason="changed my mind")
    assert cancelled.status == "cancelled"
    assert cancelled.transitioned is True
    assert sent(server, "/cancel")[-1] == {"reason": "changed my mind"}


def test_cancelling_a_finished_workflow_is_a_normal_answer(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """cancel() of a completed workflow returns it with transitioned=False, no error."""
    done = client.workflows.wait(client.workflows.create(steps=CAT_THEN_MOVE[:1]).id)
    answer = client.workflows.cancel(done.id)
    assert answer.status == "completed"
    assert answer.transitioned is False
    assert client.workflows.retrieve(done.id).transitioned is None


def test_idempotency_key_returns_the_first_start(server: LocalSogniServer, client: OpenAI) -> None:
    """The same idempotency_key twice gives the same workflow, as Sogni promises."""
    one = client.workflows.create(steps=CAT_THEN_MOVE[:1], idempotency_key="poster-42")
    two = client.workflows.create(steps=CAT_THEN_MOVE[:1], idempotency_key="poster-42")
    assert one.id == two.id
    keys = [r.headers.get("Idempotency-Key") for r in server.requests if r.method == "POST"]
    assert keys == ["poster-42", "poster-42"]


def test_too_many_active_workflows_is_a_conflict(server: LocalSogniServer, client: OpenAI) -> None:
    """Sogni's 409 for a full account is raised as ConflictError, not sent again at once."""
    server.max_active_workflows = 1
    server.workflow_seconds = 30
    client.workflows.create(steps=CAT_THEN_MOVE[:1])
    with pytest.raises(ConflictError, match="Too many active workflows"):
        client.workflows.create(steps=CAT_THEN_MOVE[:1])
    assert len(sent(server)) == 2  # the refused start was not sent again at once


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"steps": []}, ValueError, "non-empty list"),
        ({"steps": [{"tool": "generate_imag"}]}, ValueError, "did you mean 'generate_image'"),
        (
            {"steps": [{"tool": "generate_image", "arguments": {"image": "data:image/png;x"}}]},
            ValueError,
            "data URI",
        ),
        ({"steps": [{"tool": "manage_memory"}]}, ValueError, "not a tool Sogni runs"),
        (
            {"steps": [{"id": "a", "tool": "generate_image", "depends_on": [bind("b")]}]},
            ValueError,
            "unknown step 'b'",
        ),
        (
            {
                "steps": [
                    {"id": "a", "tool": "generate_image", "depends_on": [bind("b")]},
                    {"id": "b", "tool": "edit_image", "depends_on": [bind("a")]},
                ]
            },
            ValueError,
            "cycle",
        ),
        (
            {"steps": [{"tool": "edit_image", "depends_on": [bind("$input_media")]}]},
            ValueError,
            "has no media",
        ),
        (
            {
                "steps": [
                    {"id": "a", "tool": "generate_image"},
                    {"tool": "edit_image", "depends_on": ["a"]},
                ]
            },
            ValueError,
            r"bare step id 'a'.*depends_on=\[\{'sourceStepId': 'a', 'targetArgument': "
            r"'sourceImageIndex', 'transform': 'image_index'\}\]",
        ),
        (
            {
                "steps": [
                    {"id": "a", "tool": "generate_image"},
                    {"tool": "edit_image", "depends_on": [bind("a", transform="image_ur")]},
                ]
            },
            ValueError,
            "did you mean 'image_url'",
        ),
        (
            {
                "steps": [
                    {"id": "a", "tool": "generate_image"},
                    {"tool": "edit_image", "depends_on": [bind("a", "prompt")]},
                ]
            },
            ValueError,
            "no transform for argument 'prompt'",
        ),
        (
            {
                "steps": [
                    {"id": "a", "tool": "generate_image"},
                    {
                        "tool": "edit_image",
                        "depends_on": [bind("a", "sourceImageIndex", transform="image_url")],
                    },
                ]
            },
            ValueError,
            "takes a media index",
        ),
        (
            {
                "steps": [
                    {"id": "a", "tool": "generate_video"},
                    {
                        "tool": "edit_image",
                        "depends_on": [bind("a", "sourceImageIndex", transform="video_index")],
                    },
                ]
            },
            ValueError,
            "takes an image index",
        ),
        (
            {
                "steps": [
                    {"id": "a", "tool": "generate_image"},
                    {
                        "tool": "edit_image",
                        "depends_on": [bind("a", "source_image_url", transform="image_index")],
                    },
                ]
            },
            ValueError,
            "takes a URL",
        ),
        (
            {
                "steps": [
                    {"id": "a", "tool": "generate_image"},
                    {"tool": "edit_image", "depends_on": [{"sourceStepId": "a"}]},
                ]
            },
            TypeError,
            "targetArgument must name",
        ),
        (
            {
                "steps": [
                    {"id": "a", "tool": "generate_image"},
                    {"tool": "edit_image", "depends_on": [bind("a", mediaType="model")]},
                ]
            },
            ValueError,
            "mediaType must be",
        ),
        (
            {
                "steps": [
                    {"id": "a", "tool": "generate_image"},
                    {"tool": "edit_image", "depends_on": [{**bind("a"), "source": "x"}]},
                ]
            },
            ValueError,
            "unknown binding key 'source'",
        ),
        ({"steps": [{"id": "my step", "tool": "generate_image"}]}, ValueError, "only letters"),
        ({"steps": CAT_THEN_MOVE, "workflow_id": "tpl"}, TypeError, "not both"),
        ({"steps": CAT_THEN_MOVE, "token_type": "gold"}, ValueError, "token_type must be"),
        ({"steps": CAT_THEN_MOVE, "max_estimated_capacity_units": -1}, ValueError, "positive"),
        ({"steps": CAT_THEN_MOVE, "stesp": 1}, TypeError, "did you mean 'steps'"),
        (
            {"steps": CAT_THEN_MOVE, "media_references": [{"kind": "image", "url": "c.png"}]},
            ValueError,
            "http\\(s\\) URL",
        ),
        ({"steps": CAT_THEN_MOVE, "media": ["notes.txt"]}, Exception, "media\\[0\\]"),
        ({}, TypeError, "needs steps"),
        (
            {"steps": [{"tool": "generate_image", "depend_on": ["x"]}]},
            ValueError,
            "did you mean 'depends_on'",
        ),
        ({"steps": CAT_THEN_MOVE, "media": ["file:///tmp/x.png"]}, ValueError, "neither"),
    ],
)
def test_bad_input_is_refused_before_sending(
    server: LocalSogniServer,
    client: OpenAI,
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    """Each mistake raises an error naming it, and nothing reaches the server."""
    with pytest.raises(error, match=message):
        client.workflows.create(**kwargs)
    assert server.requests == []


def test_unknown_workflow_is_not_found(client: OpenAI) -> None:
    """retrieve() of a workflow that does not exist raises NotFoundError."""
    from sogni_compat import NotFoundError

    with pytest.raises(NotFoundError):
        client.workflows.retrieve("wf_404")
    with pytest.raises(ValueError, match="workflow_id must not be empty"):
        client.workflows.wait(" ")


def test_media_may_be_a_data_uri(server: LocalSogniServer, client: OpenAI) -> None:
    """A data URI in media=[...] is decoded and uploaded like bytes."""
    uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    client.workflows.create(steps=CAT_THEN_MOVE[:1], media=[uri])
    (put,) = [r for r in server.requests if r.method == "PUT"]
    assert put.body == PNG


def test_a_text_mode_file_is_named(server: LocalSogniServer, client: OpenAI, tmp_path: Any) -> None:
    """A file opened in text mode gets an error that says to open it in binary mode."""
    path = tmp_path / "cat.png"
    path.write_bytes(PNG)
    with open(path, encoding="utf-8") as handle, pytest.raises(TypeError, match="binary mode"):
        client.workflows.create(steps=CAT_THEN_MOVE[:1], media=[handle])  # type: ignore[list-item]
    assert server.requests == []


def test_on_progress_must_take_two_arguments(client: OpenAI) -> None:
    """A one-argument on_progress is refused before anything waits."""
    with pytest.raises(TypeError, match=r"on_progress\(tool_call, progress\)"):
        client.workflows.wait("wf_1", on_progress=lambda progress: None)  # type: ignore[arg-type,misc]


def test_bindings_get_a_transform_from_their_target(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """A binding without transform gets one from its target; an index binding resolves by index."""
    steps: list[dict[str, Any]] = [
        {"id": "art", "toolName": "generate_image", "arguments": {"prompt": "a door"}},
        {
            "id": "edit",
            "toolName": "edit_image",
            "arguments": {"prompt": "paint it red"},
            "depends_on": [bind("art")],
        },
        {
            "id": "film",
            "toolName": "generate_video",
            "arguments": {"prompt": "the door opens"},
            "depends_on": [
                {"source_step_id": "edit", "target_argument": "referenceImageIndices"},
                {"sourceStepId": "art", "targetArgument": "referenceFileUrl"},
            ],
        },
    ]
    done = client.workflows.wait(client.workflows.create(steps=steps).id)
    assert done.status == "completed"
    (body,) = sent(server)
    sent_steps = {step["id"]: step for step in body["input"]["steps"]}
    assert sent_steps["edit"]["dependsOn"] == [
        {"sourceStepId": "art", "targetArgument": "sourceImageIndex", "transform": "image_index"}
    ]
    assert [b["transform"] for b in sent_steps["film"]["dependsOn"]] == [
        "image_index",
        "artifact_url",
    ]
    ran = {step["id"]: step for step in server.workflow(done.id)["steps"]}
    assert ran["edit"]["arguments"]["sourceImageIndex"] == 0
    assert ran["edit"]["resolvedMedia"]["sourceImageIndex"] == done.artifacts[0].url
    assert ran["film"]["arguments"]["referenceImageIndices"] == [1]
    assert ran["film"]["arguments"]["referenceFileUrl"] == done.artifacts[0].url


@pytest.mark.parametrize(
    ("target", "transform"),
    [
        ("sourceImageIndex", "image_index"),
        ("referenceImageIndices", "image_index"),
        ("videoIndices", "video_index"),
        ("voiceSourceIndex", "audio_index"),
        ("source_image_url", "image_url"),
        ("mask_image_url", "image_url"),
        ("voice_source_url", "audio_url"),
        ("referenceFileUrl", "artifact_url"),
        ("cues", "subtitle_cues"),
        ("srt", "subtitle_srt"),
        ("overlays", "overlay_items"),
        ("prompt", None),
    ],
)
def test_the_default_transform_table(target: str, transform: str | None) -> None:
    """The documented table: index arguments get *_index, URL arguments *_url, and so on."""
    from sogni_compat.resources.workflows import default_transform

    assert default_transform(target) == transform


def test_the_original_image_utilities_are_steps(server: LocalSogniServer, client: OpenAI) -> None:
    """remove_background, segment_image and image_to_3d (with views) run as workflow steps."""
    steps: list[dict[str, Any]] = [
        {"id": "front", "toolName": "generate_image", "arguments": {"prompt": "a vase"}},
        {"id": "left", "toolName": "generate_image", "arguments": {"prompt": "its left side"}},
        {
            "id": "cutout",
            "toolName": "remove_background",
            "arguments": {},
            "depends_on": [bind("front", "source_image_url")],
        },
        {
            "id": "mask",
            "toolName": "segment_image",
            "arguments": {"text": "the vase", "applyMask": False},
            "depends_on": [bind("front")],
        },
        {
            "id": "mesh",
            "toolName": "image_to_3d",
            "arguments": {"meshTargetFaces": 5000},
            "depends_on": [bind("cutout"), bind("left", "leftViewImageIndex")],
        },
    ]
    done = client.workflows.wait(client.workflows.create(steps=steps).id)
    assert done.status == "completed"
    kinds = {a.stepId: a.media_kind for a in done.artifacts}
    assert kinds == {
        "front": "image",
        "left": "image",
        "cutout": "image",
        "mask": "image",
        "mesh": "model",
    }
    mesh = next(a for a in done.artifacts if a.stepId == "mesh")
    assert mesh.url is not None
    assert mesh.url.endswith(".glb")
    assert mesh.url in done.urls
    ran = {step["id"]: step for step in server.workflow(done.id)["steps"]}
    front, left, cutout = (
        next(a.url for a in done.artifacts if a.stepId == name)
        for name in ("front", "left", "cutout")
    )
    assert ran["cutout"]["arguments"]["source_image_url"] == front
    assert ran["mesh"]["resolvedMedia"] == {"sourceImageIndex": cutout, "leftViewImageIndex": left}


def test_emulator_takes_only_binding_objects(server: LocalSogniServer) -> None:
    """A raw start with a bare step id, or an unknown transform, is refused before it runs."""
    import requests

    url = f"{server.base_url}/creative-agent/workflows"
    headers = {"Authorization": "Bearer k"}
    art = {"id": "art", "toolName": "generate_image", "arguments": {}}
    for depends, message in [
        (["art"], "must be binding objects"),
        ([{"sourceStepId": "art", "targetArgument": "sourceImageIndex"}], "transform must be"),
        ([bind("art", transform="pixels")], "transform must be one of"),
    ]:
        edit = {"toolName": "edit_image", "arguments": {}, "dependsOn": depends}
        answer = requests.post(
            url, json={"input": {"steps": [art, edit]}}, headers=headers, timeout=10
        )
        assert answer.status_code == 400
        assert message in answer.json()["message"]
    assert server.requests[-1].json["input"]["steps"][1]["dependsOn"][0]["transform"] == "pixels"


def test_emulator_keeps_step_ids_as_sogni_does(server: LocalSogniServer) -> None:
    """Unsafe characters become _, a missing id is the tool's name, a repeated one gets _N."""
    import requests

    steps: list[dict[str, Any]] = [
        {"id": "my step!", "toolName": "generate_image", "arguments": {}},
        {"toolName": "generate_image", "arguments": {}},
        {"toolName": "generate_image", "arguments": {}},
    ]
    answer = requests.post(
        f"{server.base_url}/creative-agent/workflows",
        json={"input": {"steps": steps}},
        headers={"Authorization": "Bearer k"},
        timeout=10,
    )
    ids = [step["id"] for step in answer.json()["data"]["workflow"]["steps"]]
    assert ids == ["my_step_", "generate_image", "generate_image_3"]


def test_steps_without_ids_get_sognis_default_ids(server: LocalSogniServer, client: OpenAI) -> None:
    """An unnamed step is named after its tool (a repeat gets _N), and bindings may use it."""
    started = client.workflows.create(
        steps=[
            {"tool": "generate_image", "arguments": {"prompt": "a cat"}},
            {"tool": "generate_image", "arguments": {"prompt": "a dog"}},
            {
                "tool": "animate_photo",
                "arguments": {"prompt": "they wave"},
                "depends_on": [bind("generate_image_2")],
            },
        ]
    )
    (body,) = sent(server)
    assert [step["id"] for step in body["input"]["steps"]] == [
        "generate_image",
        "generate_image_2",
        "animate_photo",
    ]
    done = client.workflows.wait(started.id)
    assert done.status == "completed"
    # The server kept the ids the client sent: the artifacts carry them.
    assert {a.to_dict()["stepId"] for a in done.artifacts} == {
        "generate_image",
        "generate_image_2",
        "animate_photo",
    }


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (
            [
                {"tool": "generate_image", "arguments": {}},
                {"tool": "animate_photo", "arguments": {}, "depends_on": [bind("step_1")]},
            ],
            r"steps\[1\] \(no id given, so Sogni's default 'animate_photo'\) depends on unknown "
            r"step 'step_1'; the steps' ids are 'generate_image', 'animate_photo' \(a step "
            r"without an id is named after its tool",
        ),
        (
            [
                {"id": "cat", "tool": "generate_image", "arguments": {}},
                {"id": "move", "tool": "animate_photo", "depends_on": [bind("kat")]},
            ],
            r"steps\[1\] \(id 'move'\) depends on unknown step 'kat'; the steps' ids are "
            r"'cat', 'move'; did you mean 'cat'\?",
        ),
        (
            [
                {"tool": "generate_image", "arguments": {}},
                {"id": "generate_image", "tool": "edit_image", "arguments": {}},
            ],
            r"steps\[1\] \(id 'generate_image'\) repeats the id of steps\[0\] \(no id given, "
            r"so Sogni's default 'generate_image'\)",
        ),
    ],
)
def test_step_errors_name_steps_as_written(
    server: LocalSogniServer, client: OpenAI, steps: list[dict[str, Any]], message: str
) -> None:
    """Errors name steps by position, with the id given or the default one, before sending."""
    with pytest.raises(ValueError, match=message):
        client.workflows.create(steps=steps)
    assert sent(server) == []


def test_reseed_takes_no_cost_ceiling_and_says_what_to_do(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """reseed() refuses a ceiling or a cost approval (Sogni's SDKs send none), naming create()."""
    for keyword in ("max_estimated_capacity_units", "maxEstimatedCapacityUnits", "confirm_cost"):
        with pytest.raises(TypeError, match=r"takes no \w+: Sogni's SDKs send no cost") as caught:
            client.workflows.reseed("wf_1", **{keyword: 2 if "units" in keyword.lower() else True})
        assert "workflows.create(steps=..." in str(caught.value)
    assert server.requests == []


def test_a_workflow_paused_for_its_cost_is_not_reseeded(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """The emulator clones completed workflows only, as Sogni documents: a paused one is a 409."""
    step = {"toolName": "generate_image", "arguments": {"prompt": "x", "numberOfVariations": 4}}
    paused = client.workflows.wait(
        client.workflows.create(steps=[step], max_estimated_capacity_units=2).id
    )
    assert paused.awaiting_cost_approval
    with pytest.raises(ConflictError, match="only a completed or partial-failure workflow"):
        client.workflows.reseed(paused.id)
    assert [w.id for w in client.workflows.list()] == [paused.id]  # nothing ran uncapped


def test_wait_can_leave_the_workflow_running_at_its_timeout(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """cancel_on_timeout=False: WaitTimeoutError, no cancel sent, the workflow goes on."""
    server.workflow_seconds = 30
    started = client.workflows.create(steps=CAT_THEN_MOVE[:1])
    with pytest.raises(WaitTimeoutError) as caught:
        client.workflows.wait(started.id, timeout=0.5, cancel_on_timeout=False)
    assert caught.value.cancelled is False
    assert sent(server, "/cancel") == []
    assert client.workflows.retrieve(started.id).status in ("queued", "running")
    with pytest.raises(TypeError, match="cancel_on_timeout must be True or False"):
        client.workflows.wait(started.id, cancel_on_timeout=0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "source",
    ["data:image/png;base64,aGVsbG8=", b"hello, not a picture"],
    ids=["data-uri", "bytes"],
)
def test_unrecognised_media_names_what_workflows_take(
    server: LocalSogniServer, client: OpenAI, source: object
) -> None:
    """media= that is no known file: the hint names media.upload(content_type=), not create()."""
    steps: list[dict[str, Any]] = [
        {
            "tool": "apply_style",
            "arguments": {},
            "depends_on": [bind("$input_media")],
        }
    ]
    with pytest.raises(ValueError, match=r"^media\[0\]: its content is not a file") as caught:
        client.workflows.create(steps=steps, media=[source])  # type: ignore[list-item]
    message = str(caught.value)
    assert "; pass content_type=" not in message  # create() takes no content_type
    assert "client.media.upload(file, content_type=...)" in message
    assert ("declared type is not trusted" in message) == isinstance(source, str)
    with pytest.raises(TypeError):
        client.workflows.create(steps=steps, content_type="image/png")  # type: ignore[call-arg]
    assert server.requests == []


def test_events_and_failures_read_as_documented(server: LocalSogniServer, client: OpenAI) -> None:
    """Every streamed event has a status or a progress; a failure's reason reads as text."""
    started = client.workflows.create(steps=CAT_THEN_MOVE[:1])
    events = list(client.workflows.stream(started.id))
    assert all(e.status is not None or e.progress is not None for e in events), events
    progress = [e for e in events if e.event == "step.progress"]
    assert progress
    assert all(0 <= (e.progress or 0) <= 1 and e.eta_seconds is not None for e in progress)
    step = {"toolName": "generate_image", "arguments": {"prompt": "please fail"}}
    failed = client.workflows.wait(client.workflows.create(steps=[step]).id)
    assert failed.status == "failed"
    assert isinstance(failed.failure_reason, str)
    assert failed.failure_reason
    assert failed.failure_reason == failed.error["message"]
