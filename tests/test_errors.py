"""Status codes map to the exception classes; every error body shape is parsed."""

from __future__ import annotations

import re

import pytest
import requests
import responses

import sogni_compat
from sogni_compat import OpenAI

from ._helpers import API_KEY, BASE_URL, CHAT_URL, USER, completion, error_class


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, sogni_compat.BadRequestError),
        (401, sogni_compat.AuthenticationError),
        (402, sogni_compat.PaymentRequiredError),
        (403, sogni_compat.PermissionDeniedError),
        (404, sogni_compat.NotFoundError),
        (409, sogni_compat.ConflictError),
        (422, sogni_compat.UnprocessableEntityError),
        (429, sogni_compat.RateLimitError),
        (500, sogni_compat.InternalServerError),
        (503, sogni_compat.InternalServerError),
        (418, sogni_compat.APIStatusError),
    ],
)
def test_status_maps_to_class(
    mock: responses.RequestsMock, status: int, cls: type[sogni_compat.APIStatusError]
) -> None:
    """Each status raises its class, which is an APIStatusError carrying the status."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    mock.post(CHAT_URL, status=status, json={"error": {"message": "nope"}})
    with pytest.raises(cls) as info:
        client.chat.completions.create(messages=USER)
    assert error_class(info.value) is cls
    assert isinstance(info.value, sogni_compat.APIStatusError)
    assert info.value.status_code == status
    assert str(status) in str(info.value)


def _raise_for(
    mock: responses.RequestsMock, status: int, **kwargs: object
) -> sogni_compat.APIStatusError:
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    mock.post(CHAT_URL, status=status, **kwargs)
    with pytest.raises(sogni_compat.APIStatusError) as info:
        client.chat.completions.create(messages=USER)
    return info.value


def test_openai_envelope(mock: responses.RequestsMock) -> None:
    """The OpenAI envelope gives message, type, code and param; body is the inner object."""
    inner = {
        "message": "This model's maximum context length is 262144 tokens",
        "type": "invalid_request_error",
        "code": "context_length_exceeded",
        "param": "messages",
    }
    error = _raise_for(mock, 400, json={"error": inner}, headers={"x-request-id": "req_9"})
    assert error.message.startswith("Error code: 400 - This model's maximum context length")
    assert error.body == inner
    assert error.code == "context_length_exceeded"
    assert error.type == "invalid_request_error"
    assert error.param == "messages"
    assert error.request_id == "req_9"
    assert error.retry_after is None
    assert "context_length_exceeded" in str(error)
    assert "maximum context length" in str(error)


def test_openai_envelope_402_subscription(mock: responses.RequestsMock) -> None:
    """A 402 in the OpenAI envelope is a PaymentRequiredError with Sogni's code as a string."""
    error = _raise_for(
        mock,
        402,
        json={
            "error": {
                "message": "No subscription entitlement",
                "type": "subscription_unavailable",
                "code": "4078",
            }
        },
    )
    assert isinstance(error, sogni_compat.PaymentRequiredError)
    assert error.code == "4078"
    assert error.type == "subscription_unavailable"
    assert "No subscription entitlement" in str(error)


def test_sogni_envelope(mock: responses.RequestsMock) -> None:
    """The Sogni envelope gives message, a string code and retryAfter; body is the whole object."""
    body = {
        "status": "error",
        "message": "Billing grace period: use token billing",
        "errorCode": 4080,
        "retryAfter": 20,
        "details": {"plan": "pro"},
    }
    error = _raise_for(mock, 402, json=body)
    assert error.code == "4080"
    assert error.body == body
    assert error.retry_after == 20
    assert "402" in str(error)
    assert "Billing grace period" in str(error)


def test_flat_shape(mock: responses.RequestsMock) -> None:
    """The flat shape gives error_message, error_code and the error type."""
    body = {"error": "forbidden", "error_code": "4103", "error_message": "Model consent required"}
    error = _raise_for(mock, 403, json=body)
    assert isinstance(error, sogni_compat.PermissionDeniedError)
    assert error.message == "Error code: 403 - Model consent required (type=forbidden, code=4103)"
    assert error.code == "4103"
    assert error.type == "forbidden"
    assert error.body == body


def test_html_body(mock: responses.RequestsMock) -> None:
    """A gateway HTML page becomes a short readable message; body keeps the text."""
    page = (
        "<html><head><title>502 Bad Gateway</title></head>"
        "<body><center><h1>502 Bad Gateway</h1></center><hr>nginx</body></html>"
    )
    error = _raise_for(mock, 502, body=page, content_type="text/html")
    assert isinstance(error, sogni_compat.InternalServerError)
    assert str(error) == "Error code: 502 - 502 Bad Gateway"
    assert error.body == page


def test_html_body_without_title(mock: responses.RequestsMock) -> None:
    """Without a title, the text of the page is used, tags stripped."""
    page = "<html><body><h1>Service down</h1><p>try later</p><script>x()</script></body></html>"
    error = _raise_for(mock, 504, body=page, content_type="text/html")
    assert str(error) == "Error code: 504 - Service down try later"


def test_plain_text_body_is_excerpted(mock: responses.RequestsMock) -> None:
    """A long plain-text body is cut to an excerpt."""
    error = _raise_for(mock, 500, body="upstream failure " * 100, content_type="text/plain")
    assert str(error).startswith("Error code: 500 - upstream failure upstream failure")
    assert str(error).endswith("...")
    assert len(error.message) < 400


def test_empty_body_uses_the_reason(mock: responses.RequestsMock) -> None:
    """An empty error body falls back to the HTTP reason phrase."""
    error = _raise_for(mock, 404, body="")
    assert str(error) == "Error code: 404 - Not Found"
    assert error.body is None


def test_echoed_key_is_masked(mock: responses.RequestsMock) -> None:
    """A server echoing the API key back does not put it into the exception message."""
    error = _raise_for(mock, 401, json={"error": {"message": f"Invalid key {API_KEY}"}})
    assert API_KEY not in str(error)
    assert "Invalid key ***" in str(error)


def test_connection_error(mock: responses.RequestsMock) -> None:
    """A connection failure raises APIConnectionError chained to the requests exception."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    mock.post(CHAT_URL, body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(sogni_compat.APIConnectionError) as info:
        client.chat.completions.create(messages=USER)
    assert error_class(info.value) is sogni_compat.APIConnectionError
    assert isinstance(info.value.__cause__, requests.exceptions.ConnectionError)
    assert "refused" in str(info.value)


@pytest.mark.parametrize(
    "exc",
    [requests.exceptions.ReadTimeout("slow"), requests.exceptions.ConnectTimeout("slow")],
)
def test_timeouts(mock: responses.RequestsMock, exc: Exception) -> None:
    """Read and connect timeouts raise APITimeoutError, an APIConnectionError."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    mock.post(CHAT_URL, body=exc)
    with pytest.raises(sogni_compat.APITimeoutError) as info:
        client.chat.completions.create(messages=USER)
    assert isinstance(info.value, sogni_compat.APIConnectionError)
    assert info.value.__cause__ is exc


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("{not json", "not valid JSON"),
        ('{"id": "x"}', "no 'choices' list"),
        ("[1, 2]", "expected a JSON object"),
        ('{"choices": [1]}', r"choices\[0\] is not an object"),
        ('{"choices": [{"message": "hi"}]}', r"choices\[0\].message is not an object"),
        ('{"error": {"message": "worker crashed"}}', "worker crashed"),
    ],
)
def test_2xx_that_is_not_a_completion(
    client: OpenAI, mock: responses.RequestsMock, body: str, match: str
) -> None:
    """A 2xx body that is not a chat completion raises APIResponseValidationError."""
    mock.post(CHAT_URL, body=body, content_type="application/json")
    with pytest.raises(sogni_compat.APIResponseValidationError, match=match) as info:
        client.chat.completions.create(messages=USER)
    assert isinstance(info.value, sogni_compat.APIError)
    assert info.value.status_code == 200


def test_lenient_completion_parses(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A completion missing optional parts still parses; absent fields read None."""
    mock.post(CHAT_URL, json={"choices": [{"message": {"content": "hi"}}]})
    answer = client.chat.completions.create(messages=USER)
    assert answer.choices[0].message.content == "hi"
    assert answer.usage is None
    assert answer.choices[0].finish_reason is None


def test_every_requests_exception_is_translated() -> None:
    """Every requests exception maps to an APIConnectionError or stays a caller ValueError."""
    from sogni_compat._errors import translate_transport_errors

    def leaf_classes(cls: type[BaseException]) -> set[type[BaseException]]:
        found = {cls}
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("requests"):
                found |= leaf_classes(sub)
        return found

    for cls in leaf_classes(requests.exceptions.RequestException):
        args = ("boom", "", 0) if issubclass(cls, ValueError) and "JSON" in cls.__name__ else ("x",)
        with (
            pytest.raises((sogni_compat.APIConnectionError, ValueError)) as info,
            translate_transport_errors(),
        ):
            raise cls(*args)
        if not isinstance(info.value, sogni_compat.APIConnectionError):
            assert isinstance(info.value, cls)
        if issubclass(cls, requests.exceptions.Timeout):
            assert isinstance(info.value, sogni_compat.APITimeoutError)


def test_completion_parsing_success_path(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A normal answer returns a ChatCompletion with the request id from x-request-id."""
    mock.post(CHAT_URL, json=completion("Hi there"), headers={"x-request-id": "req_1"})
    answer = client.chat.completions.create(messages=USER)
    assert isinstance(answer, sogni_compat.ChatCompletion)
    assert answer.choices[0].message.content == "Hi there"
    assert answer._request_id == "req_1"


def _drawn_tree() -> list[tuple[str, str | None, str]]:
    """``(class name, drawn parent, the line's text)`` for every class in reliability.md's tree.

    A name's depth is its column over four (the tree's indent); its parent is the first name
    of the nearest line above one level up. A line continuing a list of names has them at the
    same depth.
    """
    from pathlib import Path

    page = Path(__file__).resolve().parent.parent / "docs" / "pages" / "reliability.md"
    text = page.read_text(encoding="utf-8")
    block = text.split("## Errors", 1)[1].split("```", 2)[1]
    firsts: dict[int, str] = {}
    drawn = []
    for line in block.splitlines():
        names = list(re.finditer(r"\b[A-Z]\w*(?:Error|Warning)\b", line))
        if not names:
            continue
        depth = names[0].start() // 4
        firsts = {d: n for d, n in firsts.items() if d < depth}
        parent = firsts.get(depth - 1)
        for match in names:
            if match.group() == "SogniError" or re.search(rf"\b(also )?an? {match.group()}", line):
                continue  # the alias, or a base named in words: checked below
            drawn.append((match.group(), parent, line))
        firsts[depth] = names[0].group()
    return drawn


def test_the_documented_exception_tree_is_the_real_one() -> None:
    """reliability.md draws every public exception once, under its real base."""
    drawn = _drawn_tree()
    names = [name for name, _, _ in drawn]
    assert len(names) == len(set(names)), names
    public = {
        name
        for name in sogni_compat.__all__
        if isinstance(getattr(sogni_compat, name), type)
        and issubclass(getattr(sogni_compat, name), Exception)
        and name != "SogniError"
    }
    assert set(names) == public
    for name, parent, line in drawn:
        cls = getattr(sogni_compat, name)
        if parent is None:
            assert name == "OpenAIError" or cls.__bases__[0].__module__ == "builtins", name
        else:
            assert cls.__bases__[0] is getattr(sogni_compat, parent), (name, parent)
        for also in re.findall(r"\(a(?:lso a)?n? (\w+)\)", line):
            assert also in {base.__name__ for base in cls.__mro__}, (name, also)
    assert sogni_compat.SogniError is sogni_compat.OpenAIError
