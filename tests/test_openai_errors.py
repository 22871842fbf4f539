"""Code that catches the ``openai`` package's exceptions catches this package's errors too.

Once ``openai`` is imported (by the user, LangChain, ...), every error is also an instance of
the matching ``openai`` class, with the attributes ``openai``-based code reads; until then the
package never imports ``openai``.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from typing import Any

import openai
import pytest
import responses

import sogni_compat
from sogni_compat import OpenAI

from ._helpers import API_KEY, BASE_URL, CHAT_URL, USER, completion, error_class

STATUSES = [
    (400, sogni_compat.BadRequestError, openai.BadRequestError),
    (401, sogni_compat.AuthenticationError, openai.AuthenticationError),
    (402, sogni_compat.PaymentRequiredError, openai.APIStatusError),
    (403, sogni_compat.PermissionDeniedError, openai.PermissionDeniedError),
    (404, sogni_compat.NotFoundError, openai.NotFoundError),
    (409, sogni_compat.ConflictError, openai.ConflictError),
    (422, sogni_compat.UnprocessableEntityError, openai.UnprocessableEntityError),
    (429, sogni_compat.RateLimitError, openai.RateLimitError),
    (500, sogni_compat.InternalServerError, openai.InternalServerError),
    (418, sogni_compat.APIStatusError, openai.APIStatusError),
]


@pytest.mark.parametrize(("status", "ours", "theirs"), STATUSES)
def test_status_errors_are_openai_errors(
    mock: responses.RequestsMock, status: int, ours: type, theirs: type
) -> None:
    """Each status error is both classes, with the attributes openai code reads."""
    body = {"error": {"message": "nope", "type": "some_type", "code": "c1", "param": "model"}}
    mock.post(CHAT_URL, status=status, json=body, headers={"x-request-id": "req-9"})
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    with pytest.raises(theirs) as caught:
        client.chat.completions.create(messages=USER)
    error: Any = caught.value
    assert isinstance(error, ours)
    assert isinstance(error, openai.APIStatusError)
    assert isinstance(error, openai.APIError)
    assert isinstance(error, openai.OpenAIError)
    assert error_class(error) is ours
    assert type(error).__name__ == ours.__name__
    assert error.status_code == status
    assert error.response.status_code == status
    assert error.response.headers["x-request-id"] == "req-9"
    assert error.request_id == "req-9"
    assert error.body == body["error"]
    assert (error.code, error.type, error.param) == ("c1", "some_type", "model")
    assert "nope" in error.message
    assert f"Error code: {status}" in str(error)


def test_openai_except_clauses_catch_them(mock: responses.RequestsMock) -> None:
    """A plain `except openai.RateLimitError:` block catches a 429 from this client."""
    mock.post(CHAT_URL, status=429, json={"error": {"message": "slow"}})
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    try:
        client.chat.completions.create(messages=USER)
    except openai.RateLimitError as exc:
        caught: Exception = exc
    assert isinstance(caught, sogni_compat.RateLimitError)


def test_connection_and_timeout_errors() -> None:
    """A refused connection is openai.APIConnectionError; a timeout openai.APITimeoutError."""
    client = OpenAI(api_key=API_KEY, base_url="http://127.0.0.1:9/v1", max_retries=0, timeout=1)
    with pytest.raises(openai.APIConnectionError) as caught:
        client.models.list()
    assert isinstance(caught.value, sogni_compat.APIConnectionError)
    timeout = sogni_compat.APITimeoutError()
    assert isinstance(timeout, openai.APITimeoutError)
    assert isinstance(timeout, openai.APIConnectionError)


def test_validation_and_parse_errors(mock: responses.RequestsMock) -> None:
    """A bad 2xx body and a cut-off parse() answer are openai's classes too."""
    mock.post(CHAT_URL, body="not json")
    length = completion("{")
    length["choices"][0]["finish_reason"] = "length"
    mock.post(CHAT_URL, json=length)
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    with pytest.raises(openai.APIResponseValidationError):
        client.chat.completions.create(messages=USER)

    import dataclasses

    @dataclasses.dataclass
    class Answer:
        value: int

    with pytest.raises(openai.LengthFinishReasonError) as caught:
        client.chat.completions.parse(messages=USER, response_format=Answer)
    assert isinstance(caught.value, sogni_compat.LengthFinishReasonError)
    assert caught.value.completion.choices[0].finish_reason == "length"
    assert isinstance(sogni_compat.ContentFilterFinishReasonError(), openai.OpenAIError)


def test_twins_pickle_as_the_package_class(mock: responses.RequestsMock) -> None:
    """A twin pickles by the package's class and comes back as a twin again."""
    mock.post(CHAT_URL, status=429, json={"error": {"message": "slow"}})
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(messages=USER)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(copy, openai.RateLimitError)
    assert error_class(copy) is sogni_compat.RateLimitError


def test_openai_is_not_imported_for_this() -> None:
    """Without openai imported by the caller, errors are the package's plain classes."""
    code = (
        "import sys, sogni_compat\n"
        "e = sogni_compat.RateLimitError.__new__(sogni_compat.RateLimitError)\n"
        "print('openai' in sys.modules, type(e) is sogni_compat.RateLimitError)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["False", "True"]
