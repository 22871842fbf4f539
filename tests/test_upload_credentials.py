"""Requests to hosts Sogni names carry nothing of the caller's session: uploads as downloads.

The client is given a ``requests.Session`` of its own (``http_client=``) holding credentials,
as gateways and corporate setups do: an ``Authorization`` header with the key, an API-key
header, a gateway token, a cookie, basic auth and a default query parameter. The API host also
sets a cookie. Every presigned ``PUT`` (and every download) must go out with none of them,
on every path that uploads: checked byte for byte on a raw loopback server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from sogni_compat import OpenAI

from ._helpers import PNG
from ._hostile import (
    Exchange,
    HostileServer,
    WorkflowScript,
    completion_body,
    event_stream_head,
    json_response,
    response,
    tool_call,
)

KEY = "sk-test-session-key-0123456789"
GATEWAY = "gw-token-abcdef0123456789"
COOKIE = "cookie-value-0123456789"
API_COOKIE = "set-by-the-api-0123456789"
SECRETS = (KEY, GATEWAY, COOKIE, API_COOKIE, "dXNlcjpwYXNzd29yZA")  # the last: user:password


def _finishes(exchange: Exchange) -> None:
    exchange.send(event_stream_head() + b'data: {"status": "completed"}\n\n')
    exchange.close()


class Sogni:
    """A raw server playing Sogni: upload URLs on itself, workflows, runs and chat."""

    def __init__(self) -> None:
        self.workflows = WorkflowScript(
            _finishes, status="completed", calls=[tool_call("edit_image", '{"prompt": "a hat"}')]
        )
        self.root = ""

    def __call__(self, exchange: Exchange) -> None:
        """Answer one request."""
        path = exchange.path
        if path.endswith("/uploadUrl"):
            body = {"status": "success", "data": {"uploadUrl": f"{self.root}/bucket/put?sig=1"}}
            data = json.dumps(body).encode()
            exchange.send(response(200, data, **{"Set-Cookie": f"api={API_COOKIE}; Path=/"}))
        elif path == "/bucket/put":
            exchange.send(response(200, b""))
        elif path.endswith("/downloadUrl"):
            url = f"{self.root}/cdn/upload.png"
            exchange.send(json_response(200, {"status": "success", "data": {"downloadUrl": url}}))
        elif path.startswith("/cdn/"):
            exchange.send(response(200, PNG, "image/png"))
        elif path.endswith("/chat/runs"):
            run = {"runId": "run_1", "status": "queued"}
            exchange.send(json_response(201, {"status": "success", "data": {"run": run}}))
        else:
            self.workflows(exchange)


@pytest.fixture
def sogni() -> Iterator[tuple[HostileServer, Sogni]]:
    """The server, running."""
    script = Sogni()
    with HostileServer(script) as server:
        script.root = server.root_url
        yield server, script


def _session() -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {KEY}"
    session.headers["X-Api-Key"] = KEY
    session.headers["X-Gateway-Token"] = GATEWAY
    session.cookies.set("gw", COOKIE)
    session.auth = ("user", "password")
    session.params = {"api_key": KEY}
    return session


USER_IMAGE: list[Any] = [
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "put a hat on it"},
            {"type": "image_url", "image_url": PNG},
        ],
    }
]

UPLOADS: dict[str, Callable[[OpenAI], Any]] = {
    "media.upload": lambda client: client.media.upload(PNG),
    "images.edit": lambda client: client.images.edit(image=PNG, prompt="a hat"),
    "workflows.create(media=)": lambda client: client.workflows.create(
        steps=[{"tool": "generate_image", "arguments": {"prompt": "x"}}], media=[PNG]
    ),
    "chat.runs.create(media=)": lambda client: client.chat.runs.create(
        messages=[{"role": "user", "content": "hi"}], media=[PNG]
    ),
    "chat.runs.create image input": lambda client: client.chat.runs.create(messages=USER_IMAGE),
    "tool loop's user image": lambda client: client.chat.completions.create(
        messages=USER_IMAGE, sogni_tools=True, auto_execute_tools=True
    ),
}


def _side_requests(server: HostileServer) -> list[Exchange]:
    """Requests that went to the presigned URL or the media host, not to the API."""
    return [r for r in server.requests if r.path.startswith(("/bucket/", "/cdn/"))]


def _carried(exchange: Exchange) -> list[str]:
    """What of the session's credentials an exchange carried."""
    head = exchange.target + json.dumps(exchange.headers)
    found = [secret for secret in SECRETS if secret in head]
    found += [name for name in ("authorization", "x-api-key", "cookie") if name in exchange.headers]
    return found


@pytest.mark.parametrize("call", sorted(UPLOADS))
def test_the_put_carries_nothing_of_the_session(
    sogni: tuple[HostileServer, Sogni], call: str
) -> None:
    """Every upload path PUTs with Content-Type and User-Agent only: no session credential."""
    server, _ = sogni
    with OpenAI(
        api_key=KEY, base_url=server.base_url, max_retries=0, timeout=5, http_client=_session()
    ) as client:
        UPLOADS[call](client)
    puts = [r for r in server.requests if r.method == "PUT"]
    assert puts, "the path made no upload"
    for put in puts:
        assert put.target == "/bucket/put?sig=1"  # no session query parameter appended
        assert _carried(put) == []
        assert put.headers["content-type"] == "image/png"
        assert put.body == PNG


def test_a_cookie_the_api_sets_stays_off_the_put(sogni: tuple[HostileServer, Sogni]) -> None:
    """With the client's own session, a cookie the API host set is not replayed on the PUT."""
    server, _ = sogni
    with OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0, timeout=5) as client:
        client.media.upload(PNG)
        client.media.upload(PNG)  # the second upload: after the API set its cookie
        assert API_COOKIE in str(client._session.cookies.get("api"))  # the API's cookie is kept
    puts = [r for r in server.requests if r.method == "PUT"]
    assert len(puts) == 2
    assert [_carried(put) for put in puts] == [[], []]


def test_downloads_and_uploads_carry_the_same_nothing(sogni: tuple[HostileServer, Sogni]) -> None:
    """An image download (b64_json) and an upload in one session: neither carries a credential."""
    server, script = sogni

    def with_artifact(exchange: Exchange) -> None:
        if exchange.path.startswith("/v1/creative-agent/workflows/") and not exchange.path.endswith(
            "/stream"
        ):
            artifact = {"url": f"{script.root}/cdn/made.png", "kind": "image"}
            workflow = {"workflowId": "wf1", "status": "completed", "artifacts": [artifact]}
            body = {"status": "success", "data": {"workflow": workflow}}
            exchange.send(json_response(200, body))
        else:
            script(exchange)

    server.script = with_artifact
    with OpenAI(
        api_key=KEY, base_url=server.base_url, max_retries=0, timeout=5, http_client=_session()
    ) as client:
        edited = client.images.edit(image=PNG, prompt="a hat", response_format="b64_json")
    assert edited.data[0].b64_json
    side = _side_requests(server)
    assert {r.method for r in side} == {"PUT", "GET"}
    assert [_carried(r) for r in side] == [[] for _ in side]


def test_the_tool_loop_upload_reaches_the_model_as_an_index(
    sogni: tuple[HostileServer, Sogni],
) -> None:
    """The tool loop's upload still works: the step gets the uploaded URL as its media."""
    server, _ = sogni
    with OpenAI(
        api_key=KEY, base_url=server.base_url, max_retries=0, timeout=5, http_client=_session()
    ) as client:
        answer = client.chat.completions.create(
            messages=USER_IMAGE, sogni_tools=True, auto_execute_tools=True
        )
    assert (
        answer.choices[0].message.content == completion_body()["choices"][0]["message"]["content"]
    )
    start = next(r for r in server.requests if r.path.endswith("/creative-agent/workflows"))
    references = start.json()["media_references"]
    assert references == [{"kind": "image", "url": f"{server.root_url}/cdn/upload.png"}]
