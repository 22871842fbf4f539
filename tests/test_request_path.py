"""The lighter request path keeps what requests' own path does, and steps aside when needed."""

from __future__ import annotations

import codecs
import json
from typing import Any
from unittest import mock

import pytest
import requests
import responses

from sogni_compat import APIStatusError, OpenAI
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types.chat import ChatCompletionMessageParam

from ._helpers import completion

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
URL = "https://api.test/v1/chat/completions"


def client(**options: Any) -> OpenAI:
    """A client of the mocked API."""
    return OpenAI(api_key="sk-request-path-0123456789", base_url="https://api.test/v1", **options)


def test_a_session_subclass_keeps_its_send() -> None:
    """A Session subclass that signs requests in send() still signs them."""

    class Signing(requests.Session):
        def send(self, request: Any, **kwargs: Any) -> Any:
            request.headers["X-Signature"] = "signed"
            return super().send(request, **kwargs)

    with LocalSogniServer() as server, server.client(http_client=Signing()) as c:
        c.chat.completions.create(messages=USER)
        assert server.requests[-1].headers["X-Signature"] == "signed"


def test_a_patched_session_send_is_called() -> None:
    """Tools that patch Session.send (tracers, requests_mock) still see every request."""
    seen: list[str] = []
    original = requests.Session.send

    def traced(self: requests.Session, request: Any, **kwargs: Any) -> Any:
        seen.append(request.url)
        return original(self, request, **kwargs)

    with (
        LocalSogniServer() as server,
        server.client() as c,
        mock.patch.object(requests.Session, "send", traced),
    ):
        c.chat.completions.create(messages=USER)
        assert seen == [server.base_url + "/chat/completions"]


@responses.activate
def test_a_test_can_read_the_body_of_an_ordinary_answer() -> None:
    """responses.calls keeps the body of an answer under 1 MiB for the test to read."""
    responses.post(URL, json=completion("x" * 200_000))
    client().chat.completions.create(messages=USER)
    answer: Any = responses.calls[0].response
    assert json.loads(answer.content)["choices"][0]["message"]["content"] == "x" * 200_000


@responses.activate
def test_a_large_body_with_a_bom_parses() -> None:
    """A body over 1 MiB that starts with a UTF-8 BOM parses, as json.loads(bytes) does."""
    body = codecs.BOM_UTF8 + json.dumps(completion("y" * 1_200_000)).encode()
    responses.post(URL, body=body, content_type="application/json")
    answer = client().chat.completions.create(messages=USER)
    assert answer.choices[0].message.content == "y" * 1_200_000


@responses.activate
def test_a_large_answer_that_is_not_a_completion_keeps_its_body_on_the_error() -> None:
    """The error for a large body that is not a completion still carries that body."""
    from sogni_compat import APIResponseValidationError

    responses.post(URL, json={"unexpected": "z" * 1_200_000})
    with pytest.raises(APIResponseValidationError) as caught:
        client().chat.completions.create(messages=USER)
    assert b"unexpected" in caught.value.response.content


@responses.activate
def test_a_cookie_then_a_redirect_on_retry_is_a_status_error() -> None:
    """A retry after a cookie-setting 500 that meets a 307 raises APIStatusError, not a crash."""
    responses.post(
        URL, status=500, json={"error": {"message": "busy"}}, headers={"Set-Cookie": "lb=a"}
    )
    responses.post(URL, status=307, headers={"Location": "https://elsewhere.test/"})
    with pytest.raises(APIStatusError) as caught:
        client(sleep=lambda seconds: None).chat.completions.create(messages=USER)
    assert caught.value.status_code == 307


@responses.activate
def test_query_values_are_encoded_as_requests_does() -> None:
    """None values are left out and lists repeated, as requests encodes a query."""
    responses.post(URL, json=completion("ok"))
    c = client(default_query={"a": None, "region": "eu"})
    c.chat.completions.create(messages=USER, extra_query={"l": [1, None, 2], "n": None})
    assert responses.calls[0].request.url == URL + "?region=eu&l=1&l=2"


def test_bad_header_values_are_refused_before_sending() -> None:
    """A header value starting with whitespace or a bad name is a ValueError before sending."""
    with LocalSogniServer() as server, server.client() as c:
        with pytest.raises(ValueError, match="may not start with whitespace"):
            c.chat.completions.create(messages=USER, extra_headers={"X-Lead": " value"})
        with pytest.raises(ValueError, match="not a valid HTTP header name"):
            c.chat.completions.create(messages=USER, extra_headers={"X:Colon": "v"})
        assert server.requests == []
