"""What wrapper code passes works: "not set" markers, request options, constructor keywords."""

from __future__ import annotations

import json
import warnings
from typing import Any, cast

import openai
import pytest
import responses

import sogni_compat
from sogni_compat import OpenAI

from ._helpers import API_KEY, BASE_URL, CHAT_URL, USER, completion, sent_json

MODELS_URL = f"{BASE_URL}/models"
MODEL = {"id": "qwen", "object": "model", "created": 0, "owned_by": "sogni"}


@pytest.mark.parametrize(
    "unset", [sogni_compat.NOT_GIVEN, openai.NOT_GIVEN, openai.omit, None], ids=repr
)
def test_not_set_markers_leave_keywords_out(mock: responses.RequestsMock, unset: Any) -> None:
    """NOT_GIVEN, openai.NOT_GIVEN and openai.omit mean "absent", like None."""
    mock.post(CHAT_URL, json=completion())
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, timeout=unset, max_retries=unset)
    client.chat.completions.create(
        messages=USER,
        temperature=unset,
        max_tokens=unset,
        think=unset,
        tools=unset,
        stream=unset,
        timeout=unset,
        extra_body=unset,
    )
    sent = sent_json(mock.calls[0])
    assert set(sent) == {"messages", "sogni_tools"}
    assert client.timeout == (5.0, 600.0)
    assert client.max_retries == 2


def test_models_take_request_options(mock: responses.RequestsMock) -> None:
    """models.list/retrieve take extra_headers, extra_query, extra_body and timeout."""
    mock.get(MODELS_URL, json={"object": "list", "data": [MODEL]})
    mock.get(f"{MODELS_URL}/qwen", json=MODEL)
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    page = client.models.list(
        extra_headers={"X-Trace": "t1"}, extra_query={"owner": "me"}, timeout=openai.NOT_GIVEN
    )
    assert [m.id for m in page] == ["qwen"]
    first = mock.calls[0].request
    assert first.headers["X-Trace"] == "t1"
    assert first.url == f"{MODELS_URL}?owner=me"
    assert client.models.retrieve("qwen", extra_body={"detail": True}, timeout=3).id == "qwen"
    assert json.loads(mock.calls[1].request.body or b"") == {"detail": True}


def test_request_options_are_checked(mock: responses.RequestsMock) -> None:
    """Bad request options on any method fail before sending."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    with pytest.raises(TypeError, match="extra_query must be a dict"):
        client.models.list(extra_query="owner=me")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout must be a positive"):
        client.models.retrieve("qwen", timeout=-1)


def test_openai_constructor_keywords_unset_are_accepted() -> None:
    """Every keyword of openai.OpenAI() is accepted when unset, as wrappers pass them."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client = OpenAI(
            api_key=API_KEY,
            organization=None,
            project=None,
            webhook_secret=None,
            base_url=openai.NOT_GIVEN,  # type: ignore[arg-type]
            websocket_base_url=None,
            timeout=openai.NOT_GIVEN,  # type: ignore[arg-type]
            max_retries=2,
            default_headers=None,
            default_query=None,
            http_client=None,
            _strict_response_validation=False,
        )
    assert client.base_url == "https://api.sogni.ai/v1"


@pytest.mark.parametrize("name", ["organization", "project", "webhook_secret"])
def test_meaningless_keywords_warn(name: str) -> None:
    """An organization or project set for OpenAI is ignored with a warning that says so."""
    with pytest.warns(UserWarning, match=f"{name}=.*no meaning for Sogni"):
        OpenAI(api_key=API_KEY, **{name: "org-123"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"admin_api_key": "x"}, "admin_api_key is an OpenAI platform option"),
        ({"provider": "azure"}, "provider is an OpenAI platform option"),
        ({"_strict_response_validation": True}, "parsed leniently"),
        ({"_enforce_credentials": False}, "needs an api_key"),
    ],
)
def test_unsupported_keywords_are_refused(kwargs: Any, match: str) -> None:
    """Options Sogni cannot honour raise ValueError naming them."""
    with pytest.raises(ValueError, match=match):
        OpenAI(api_key=API_KEY, **kwargs)


def test_an_httpx_client_is_explained() -> None:
    """Passing the openai SDK's kind of http_client says what to pass instead."""
    # openai's own default client: an httpx (or httpx2) client, whichever openai uses.
    with openai.DefaultHttpxClient() as session, pytest.raises(TypeError, match="an httpx client"):
        OpenAI(api_key=API_KEY, http_client=cast(Any, session))


def test_api_key_may_be_a_function(mock: responses.RequestsMock) -> None:
    """api_key=callable is asked before each request, so a rotating key is picked up."""
    mock.post(CHAT_URL, json=completion())
    mock.post(CHAT_URL, json=completion())
    keys = iter(["sk-first-0123456789", "sk-first-0123456789", "sk-second-0123456789"])
    client = OpenAI(api_key=lambda: next(keys), base_url=BASE_URL)
    client.chat.completions.create(messages=USER)
    client.chat.completions.create(messages=USER)
    sent = [call.request.headers["Authorization"] for call in mock.calls]
    assert sent == ["Bearer sk-first-0123456789", "Bearer sk-second-0123456789"]
    assert "sk-second" not in repr(client)


def test_with_options_set_default_headers_replaces(mock: responses.RequestsMock) -> None:
    """set_default_headers replaces the client's default headers; default_headers merges."""
    mock.post(CHAT_URL, json=completion())
    mock.post(CHAT_URL, json=completion())
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, default_headers={"X-A": "1"})
    client.with_options(default_headers={"X-B": "2"}).chat.completions.create(messages=USER)
    client.with_options(set_default_headers={"X-B": "2"}).chat.completions.create(messages=USER)
    merged, replaced = (call.request.headers for call in mock.calls)
    assert (merged.get("X-A"), merged.get("X-B")) == ("1", "2")
    assert (replaced.get("X-A"), replaced.get("X-B")) == (None, "2")
    with pytest.raises(ValueError, match="not both"):
        client.with_options(default_headers={"a": "b"}, set_default_headers={"c": "d"})


#: The namespaces this client serves, as a user reaches them.
SERVED = ("chat", "images", "media", "models", "responses", "workflows")


@pytest.mark.parametrize(
    "name",
    [
        "embeddings",
        "audio",
        "moderations",
        "files",
        "batches",
        "completions",
        "fine_tuning",
        "vector_stores",
    ],
)
def test_resources_sogni_does_not_serve_say_so(name: str) -> None:
    """An openai resource that is not here is an AttributeError naming what the client serves."""
    client = OpenAI(api_key=API_KEY)
    with pytest.raises(AttributeError) as raised:
        getattr(client, name)
    assert str(raised.value) == (
        f"client.{name}: Sogni serves no such endpoint; this client serves chat, images, media, "
        "models, responses and workflows"
    )
    assert not hasattr(client, name)
    for served in SERVED:  # each one named is there
        assert getattr(client, served) is not None
    with pytest.raises(AttributeError, match="has no attribute 'nonsense'"):
        getattr(client, "nonsense")


def test_more_missing_surfaces_say_so() -> None:
    """beta.assistants, models.delete, images.create_variation, AsyncOpenAI, embeddings explain."""
    client = OpenAI(api_key=API_KEY)
    with pytest.raises(AttributeError) as raised:
        getattr(client.beta, "assistants")
    assert str(raised.value) == (
        "client.beta.assistants: Sogni serves no such endpoint; client.beta serves chat (the "
        "same as client.chat)"
    )
    assert client.beta.chat is client.chat
    with pytest.raises(AttributeError, match=r"client\.models\.delete: .*serves list, retrieve"):
        getattr(client.models, "delete")
    with pytest.raises(AttributeError) as raised:
        getattr(client.images, "create_variation")
    assert str(raised.value).startswith(
        "client.images.create_variation: Sogni serves no image variations; client.images "
        "serves edit and generate"
    )
    assert not hasattr(client.images, "create_variation")
    with pytest.raises(AttributeError, match="has no attribute 'nonsense'"):
        getattr(client.images, "nonsense")
    with pytest.raises(AttributeError, match=r"sogni_compat\.embeddings: Sogni serves no"):
        sogni_compat.embeddings  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(ImportError, match="as_async_openai"):
        from sogni_compat import AsyncOpenAI  # type: ignore[attr-defined]  # noqa: F401


@pytest.mark.parametrize(
    "kwargs",
    [
        {"prompt_cache_key": "k1", "safety_identifier": "u1", "prompt_cache_retention": "24h"},
        {"verbosity": "low", "modalities": ["text"]},
        {"prediction": {"type": "content", "content": "x"}},
    ],
)
def test_newer_openai_keywords_pass_through(
    mock: responses.RequestsMock, kwargs: dict[str, Any]
) -> None:
    """Newer OpenAI keywords Sogni may ignore are sent as they are."""
    mock.post(CHAT_URL, json=completion())
    OpenAI(api_key=API_KEY, base_url=BASE_URL).chat.completions.create(messages=USER, **kwargs)
    body = sent_json(mock.calls[0])
    assert {key: body[key] for key in kwargs} == kwargs


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"audio": {"voice": "alloy"}}, "text only"),
        ({"modalities": ["text", "audio"]}, "text only"),
        ({"web_search_options": {}}, "no web search"),
        ({"verbosity": "chatty"}, "verbosity must be one of"),
    ],
)
def test_keywords_sogni_cannot_honour(
    mock: responses.RequestsMock, kwargs: Any, match: str
) -> None:
    """Audio output and web search are refused before sending, saying why."""
    with pytest.raises(ValueError, match=match):
        OpenAI(api_key=API_KEY, base_url=BASE_URL).chat.completions.create(messages=USER, **kwargs)


def test_models_with_raw_response(mock: responses.RequestsMock) -> None:
    """models.with_raw_response.list/retrieve give the HTTP details and parse() the result."""
    mock.get(MODELS_URL, json={"object": "list", "data": [MODEL]}, headers={"x-request-id": "r1"})
    mock.get(f"{MODELS_URL}/qwen", json=MODEL)
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    raw = client.models.with_raw_response.list(extra_headers={"X-A": "1"})
    assert raw.status_code == 200
    assert raw.request_id == "r1"
    assert [m.id for m in raw.parse()] == ["qwen"]
    assert client.models.with_raw_response.retrieve("qwen").parse().id == "qwen"


def test_module_level_organization_warns(
    monkeypatch: pytest.MonkeyPatch, mock: responses.RequestsMock
) -> None:
    """openai.organization = ... on the module warns, as the constructor does."""
    monkeypatch.setattr(sogni_compat, "api_key", API_KEY)
    monkeypatch.setattr(sogni_compat, "base_url", BASE_URL)
    monkeypatch.setattr(sogni_compat, "organization", "org-1")
    mock.get(MODELS_URL, json={"object": "list", "data": []})
    with pytest.warns(UserWarning, match="organization=.*no meaning"):
        sogni_compat.models.list()
    assert sogni_compat.project is None
