"""client.workflows.templates: the routes, the envelope, paging and bounds, and a template run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sogni_compat import (
    APIResponseValidationError,
    APITimeoutError,
    BadRequestError,
    NotFoundError,
    OpenAI,
)
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types import WorkflowTemplate, WorkflowTemplateDeleted

from ._helpers import BASE_URL

TEMPLATES_URL = f"{BASE_URL}/creative-agent/workflows/templates"
POSTER = {
    "name": "Poster",
    "description": "A poster of a subject",
    "inputs": [
        {"name": "subject", "type": "text", "required": True, "description": "what to draw"},
        {"name": "style", "type": "text", "required": False, "default": "ink", "description": ""},
    ],
    "stages": [
        {
            "type": "fixed",
            "id": "art",
            "tool": "generate_image",
            "args": {"prompt": "$inputs.subject", "style": "$inputs.style"},
        }
    ],
}


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """A fresh emulator per test."""
    with LocalSogniServer(workflow_seconds=0.1) as running:
        yield running


@pytest.fixture
def client(server: LocalSogniServer) -> Iterator[OpenAI]:
    """A client of the emulator."""
    with server.client() as c:
        yield c


def routes(server: LocalSogniServer) -> list[tuple[str, str]]:
    """``(method, path)`` of every template request."""
    return [(r.method, r.path) for r in server.requests if "/templates" in r.path]


def test_the_whole_round(server: LocalSogniServer, client: OpenAI) -> None:
    """Create, list, read, run, update, fork and delete, each on its documented route."""
    made = client.workflows.templates.create(**POSTER, expose_to_llm=True)
    assert isinstance(made, WorkflowTemplate)
    assert (made.id, made.version, made.visibility, made.category) == (
        "poster",
        "0.0.1",
        "private",
        "custom",
    )
    assert made.expose_to_llm is True
    assert made.required_inputs == ["subject"]
    assert server.requests[-1].json == {**POSTER, "exposeToLLM": True}
    assert [t.id for t in client.workflows.templates.list(visibility="own")] == ["poster"]
    assert client.workflows.templates.retrieve("poster").name == "Poster"

    run = client.workflows.create(workflow_id=made.id, inputs={"subject": "a lighthouse"})
    done = client.workflows.wait(run.id)
    assert done.status == "completed"
    (step,) = server.workflow(done.id)["steps"]
    assert step["arguments"] == {"prompt": "a lighthouse", "style": "ink"}

    changed = client.workflows.templates.update(
        "poster", description="Posters", visibility="public"
    )
    assert (changed.version, changed.description, changed.visibility) == (
        "0.0.2",
        "Posters",
        "public",
    )
    assert server.requests[-1].json == {"description": "Posters", "visibility": "public"}
    copy = client.workflows.templates.fork("poster", new_name="My poster")
    assert (copy.name, copy.visibility, copy.version) == ("My poster", "private", "0.0.1")
    assert copy.id != "poster"
    assert server.requests[-1].json == {"newName": "My poster"}
    assert [t.id for t in client.workflows.templates.list(visibility="public")] == ["poster"]

    gone = client.workflows.templates.delete("poster")
    assert isinstance(gone, WorkflowTemplateDeleted)
    assert (gone.id, gone.deleted) == ("poster", True)
    with pytest.raises(NotFoundError):
        client.workflows.templates.retrieve("poster")
    assert routes(server) == [
        ("POST", "/v1/creative-agent/workflows/templates"),
        ("GET", "/v1/creative-agent/workflows/templates?limit=50&offset=0&visibility=own"),
        ("GET", "/v1/creative-agent/workflows/templates/poster"),
        ("PATCH", "/v1/creative-agent/workflows/templates/poster"),
        ("POST", "/v1/creative-agent/workflows/templates/poster/fork"),
        ("GET", "/v1/creative-agent/workflows/templates?limit=50&offset=0&visibility=public"),
        ("DELETE", "/v1/creative-agent/workflows/templates/poster"),
        ("GET", "/v1/creative-agent/workflows/templates/poster"),
    ]


def test_a_run_missing_a_required_input_is_refused(client: OpenAI) -> None:
    """Sogni resolves inputs against the template: a required one left out is a 400."""
    client.workflows.templates.create(**POSTER)
    with pytest.raises(BadRequestError, match="needs input 'subject'"):
        client.workflows.create(workflow_id="poster", inputs={"style": "oil"})


def test_list_follows_next_until_the_last_page(server: LocalSogniServer, client: OpenAI) -> None:
    """list() pages over data.next, lazily, and stops at max_items."""
    for number in range(5):
        client.workflows.templates.create(name=f"T{number}")
    listed = client.workflows.templates.list(limit=2)
    assert not [p for _, p in routes(server) if "?" in p]  # nothing fetched yet
    assert [t.name for t in listed] == [f"T{n}" for n in range(5)]
    pages = [p.split("?")[1] for _, p in routes(server) if "?" in p]
    assert pages == ["limit=2&offset=0", "limit=2&offset=2", "limit=2&offset=4"]
    assert len(list(client.workflows.templates.list(limit=2, max_items=3))) == 3


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda t: t.create(description="no name"), TypeError, "needs name="),
        (lambda t: t.create(name=" "), ValueError, "name must be a non-empty string"),
        (lambda t: t.create(name="x", visibility="everyone"), ValueError, "visibility"),
        (lambda t: t.create(name="x", stages={"a": 1}), TypeError, "stages must be a list"),
        (lambda t: t.create(name="x", expose_to_llm=True, exposeToLLM=False), TypeError, "once"),
        (lambda t: t.create(name="x", timeout=0), ValueError, "timeout"),
        (lambda t: t.update("poster"), TypeError, "at least one field"),
        (lambda t: t.update("poster", id="other"), TypeError, "cannot be changed"),
        (lambda t: t.update("", name="x"), ValueError, "template_id"),
        (lambda t: t.fork("poster", name="x"), TypeError, "new_name"),
        (lambda t: t.fork("poster", new_name=""), ValueError, "new_name"),
        (lambda t: list(t.list(limit=201)), ValueError, "at most 200"),
        (lambda t: list(t.list(visibility="mine")), ValueError, "own, public, all"),
        (lambda t: list(t.list(offset=-1)), ValueError, "offset"),
        (lambda t: t.retrieve(7), TypeError, "template_id"),
    ],
)
def test_bad_input_is_refused_before_sending(
    server: LocalSogniServer, client: OpenAI, call: Any, error: type[Exception], message: str
) -> None:
    """Each mistake raises an error naming it, and nothing reaches the server."""
    with pytest.raises(error, match=message):
        call(client.workflows.templates)
    assert server.requests == []


def envelope(data: Any) -> dict[str, Any]:
    """Sogni's success envelope."""
    return {"status": "success", "data": data}


TEMPLATE = {"id": "t1", "name": "One", "version": "0.0.1", "description": ""}


@pytest.mark.parametrize(
    "body",
    [envelope({"template": TEMPLATE}), TEMPLATE, envelope(TEMPLATE)],
    ids=["enveloped", "bare", "data-is-the-template"],
)
def test_the_envelope_is_unwrapped(client_mock: OpenAI, mock: Any, body: Any) -> None:
    """data.template, a bare template and data itself all read as the template."""
    mock.get(f"{TEMPLATES_URL}/t1", json=body)
    found = client_mock.workflows.templates.retrieve("t1")
    assert (found.id, found.name) == ("t1", "One")


@pytest.mark.parametrize(
    "body",
    [
        envelope({"template": {"id": "t1"}}),
        envelope({"template": {"id": 1, "name": "One"}}),
        envelope({"template": "t1"}),
        [TEMPLATE],
    ],
)
def test_an_answer_without_a_template_is_refused(client_mock: OpenAI, mock: Any, body: Any) -> None:
    """A record without a string id and name is not a template."""
    mock.get(f"{TEMPLATES_URL}/t1", json=body)
    with pytest.raises(APIResponseValidationError):
        client_mock.workflows.templates.retrieve("t1")


def test_a_server_that_sends_list_back_to_a_page_it_gave_stops(
    client_mock: OpenAI, mock: Any
) -> None:
    """A next offset already fetched ends the listing instead of looping."""
    page = envelope({"templates": [TEMPLATE], "next": 0})
    mock.get(TEMPLATES_URL, json=page)
    assert [t.id for t in client_mock.workflows.templates.list(limit=1)] == ["t1"]
    assert len(mock.calls) == 1


def test_a_listing_page_over_2_mib_is_refused(client_mock: OpenAI, mock: Any) -> None:
    """Each answer is bounded (2 MiB): a huge page is an error, not parsed."""
    huge = {"id": "t1", "name": "x" * (3 * 1024 * 1024)}
    mock.get(TEMPLATES_URL, body=json.dumps(envelope({"templates": [huge], "next": None})))
    with pytest.raises(APIResponseValidationError):
        list(client_mock.workflows.templates.list())


def test_timeout_bounds_every_page(server: LocalSogniServer, client: OpenAI) -> None:
    """timeout= bounds a slow template answer (no wait past it)."""
    client.workflows.templates.create(name="Slow")
    server.slow_next(seconds=5, path="/templates")
    with pytest.raises(APITimeoutError):
        list(client.workflows.templates.list(timeout=0.3))


@pytest.fixture
def client_mock() -> Iterator[OpenAI]:
    """A client of the transport mock, without retries."""
    with OpenAI(api_key="sk-test-key-0123456789", base_url=BASE_URL, max_retries=0) as c:
        yield c


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda t: t.create(name="A", descripton="typo"),
            TypeError,
            r"workflows.templates.create\(\) got an unexpected keyword argument 'descripton'; "
            r"did you mean 'description'\?",
        ),
        (
            lambda t: t.create(name="A", stagse=[]),
            TypeError,
            "'stagse'; did you mean 'stages'",
        ),
        (
            lambda t: t.update("poster", nmae="B"),
            TypeError,
            r"workflows.templates.update\(\) got an unexpected keyword argument 'nmae'; "
            "did you mean 'name'",
        ),
        (
            lambda t: t.create(
                name="A", stages=[{"type": "fixed", "tool": "generate_imag", "args": {}}]
            ),
            ValueError,
            r"stages\[0\].tool 'generate_imag' is not a tool Sogni runs as a workflow step.*"
            "did you mean 'generate_image'",
        ),
        (
            lambda t: t.update("poster", stages=[{"type": "fixd", "tool": "generate_image"}]),
            ValueError,
            r"stages\[0\].type must be one of fixed, interactive, batch; got 'fixd'; did you",
        ),
        (
            lambda t: t.create(name="A", stages=[{"type": "fixed", "args": {}}]),
            ValueError,
            "a fixed stage names its tool",
        ),
        (lambda t: t.create(name="A", stages=["generate_image"]), TypeError, r"stages\[0\]"),
        (lambda t: t.create(name="A", inputs={"subject": "text"}), TypeError, "inputs must be"),
        (lambda t: t.create(name="A", inputs=["subject"]), TypeError, r"inputs\[0\] must be"),
        (
            lambda t: t.create(name="A", inputs=[{"name": "s", "type": "text", "requird": True}]),
            ValueError,
            r"inputs\[0\]: unknown key 'requird'.*did you mean 'required'",
        ),
        (
            lambda t: t.create(name="A", inputs=[{"name": "s", "type": "txt"}]),
            ValueError,
            r"inputs\[0\].type must be one of .*did you mean 'text'",
        ),
        (
            lambda t: t.create(name="A", inputs=[{"type": "text"}]),
            ValueError,
            r"inputs\[0\] needs a name",
        ),
        (lambda t: t.create(name="A", category="potrait"), ValueError, "did you mean 'portrait'"),
        (lambda t: t.create(name="A", tags=["ok", 3]), TypeError, r"tags\[1\]"),
        (lambda t: t.create(name="A", author="me"), TypeError, "'author' is set by Sogni"),
        (lambda t: t.create(name="A", extra_body=[1]), TypeError, "extra_body must be a dict"),
    ],
)
def test_misspelt_fields_and_unknown_tools_are_refused_before_sending(
    server: LocalSogniServer, client: OpenAI, call: Any, error: type[Exception], message: str
) -> None:
    """Template fields, input and stage shapes and stage tools are checked as steps are."""
    with pytest.raises(error, match=message):
        call(client.workflows.templates)
    assert server.requests == []


def test_extra_body_sends_fields_the_client_does_not_know(
    server: LocalSogniServer, client: OpenAI
) -> None:
    """extra_body carries a field outside Sogni's published template types, as it is."""
    client.workflows.templates.create(name="A", extra_body={"futureField": {"x": 1}})
    client.workflows.templates.update("a", extra_body={"futureField": 2})
    bodies = [r.json for r in server.requests if "/templates" in r.path]
    assert bodies == [{"name": "A", "futureField": {"x": 1}}, {"futureField": 2}]


@pytest.mark.parametrize(
    "inputs",
    [{"subject": {"type": "text"}}, None, 7, "subject", [None, 3, {"name": 5}]],
    ids=["dict", "null", "number", "text", "odd-items"],
)
def test_typed_readers_survive_odd_server_data(client_mock: OpenAI, mock: Any, inputs: Any) -> None:
    """input_names/required_inputs read odd inputs as none, never a raw TypeError."""
    mock.get(f"{TEMPLATES_URL}/t1", json=envelope({"template": {**TEMPLATE, "inputs": inputs}}))
    found = client_mock.workflows.templates.retrieve("t1")
    assert (found.input_names, found.required_inputs) == ([], [])
    assert found.to_dict()["inputs"] == inputs  # kept as sent
