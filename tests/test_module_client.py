"""The package as a client (``import sogni_compat as openai``) and genuine openai clients."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import openai
import pytest
import responses

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.testing import LocalSogniServer

from ._helpers import API_KEY, BASE_URL, CHAT_URL, USER, completion, sent_json


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Module settings restored after the test."""
    for name in ("api_key", "base_url", "app_source", "timeout"):
        monkeypatch.setattr(sogni_compat, name, None)


@pytest.mark.usefixtures("settings")
def test_module_level_client(mock: responses.RequestsMock) -> None:
    """openai-style module use: set api_key/base_url, then call chat and models on the module."""
    module = sogni_compat  # as in: import sogni_compat as openai
    module.api_key = API_KEY
    module.base_url = BASE_URL
    mock.post(CHAT_URL, json=completion("from the module"))
    answer = module.chat.completions.create(messages=USER)
    assert answer.choices[0].message.content == "from the module"
    assert mock.calls[0].request.headers["Authorization"] == f"Bearer {API_KEY}"
    mock.get(f"{BASE_URL}/models", json={"object": "list", "data": []})
    assert module.models.list().data == []
    mock.post(CHAT_URL, json=completion("through beta"))
    beta = module.beta.chat.completions.create(messages=USER)
    assert beta.choices[0].message.content == "through beta"


@pytest.mark.usefixtures("settings")
def test_the_module_serves_every_namespace_of_the_client() -> None:
    """Each namespace the client serves is there at module level too (workflows included)."""
    with LocalSogniServer(workflow_seconds=0.05) as server:
        sogni_compat.api_key = API_KEY
        sogni_compat.base_url = server.base_url
        for name in ("chat", "images", "media", "models", "responses"):
            assert getattr(sogni_compat, name) is not None
        started = sogni_compat.workflows.create(
            steps=[{"tool": "generate_image", "arguments": {"prompt": "a cat"}}]
        )
        assert sogni_compat.workflows.wait(started.id).status == "completed"


@pytest.mark.usefixtures("settings")
def test_module_client_follows_its_settings(mock: responses.RequestsMock) -> None:
    """Changing a module setting makes the next call use a client with it."""
    sogni_compat.api_key = API_KEY
    sogni_compat.base_url = BASE_URL
    completions = sogni_compat.chat.completions  # a reference taken before the change
    sogni_compat.app_source = "my-app"
    sogni_compat.api_key = "sk-another-key-0123456789"
    mock.post(CHAT_URL, json=completion())
    completions.create(messages=USER)
    assert sent_json(mock.calls[0])["app_source"] == "my-app"
    assert mock.calls[0].request.headers["Authorization"] == "Bearer sk-another-key-0123456789"


@pytest.mark.usefixtures("settings")
def test_module_client_keeps_the_key_out_of_locals() -> None:
    """A module-level client that cannot be made shows '***' in its traceback's locals."""
    import traceback

    sogni_compat.api_key = "sk-module-secret-0123456789"
    sogni_compat.timeout = float("inf")
    with pytest.raises(ValueError, match="finite") as caught:
        sogni_compat.chat.completions.create(messages=USER)
    text = "".join(
        traceback.TracebackException(
            type(caught.value), caught.value, caught.value.__traceback__, capture_locals=True
        ).format()
    )
    assert "sk-module-secret" not in text


@pytest.mark.usefixtures("settings")
def test_module_client_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no api_key set anywhere, using the module client says how to set one."""
    monkeypatch.delenv("SOGNI_API_KEY", raising=False)
    with pytest.raises(sogni_compat.OpenAIError, match="SOGNI_API_KEY"):
        sogni_compat.chat.completions.create(messages=USER)


# -- genuine openai clients bound to Sogni ---------------------------------------------------


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """A fresh emulator."""
    with LocalSogniServer() as running:
        yield running


def test_as_openai_translates_sogni_keywords(server: LocalSogniServer) -> None:
    """as_openai() is an openai.OpenAI whose bodies get Sogni's translation."""
    client = OpenAI(
        api_key=API_KEY,
        base_url=server.base_url,
        app_source="tests",
        model_aliases={"gpt-4o-mini": "qwen3.6-35b-a3b-gguf-iq4xs"},
    )
    genuine = client.as_openai()
    assert isinstance(genuine, openai.OpenAI)
    with genuine:
        answer = genuine.chat.completions.create(
            model="gpt-4o-mini",
            messages=USER,  # type: ignore[arg-type]
            max_completion_tokens=5,
            extra_body={"think": False, "taskProfile": "coding"},
        )
    assert isinstance(answer, openai.types.chat.ChatCompletion)
    sent = server.requests[-1]
    assert sent.json["model"] == "qwen3.6-35b-a3b-gguf-iq4xs"
    assert sent.json["chat_template_kwargs"] == {"enable_thinking": False}
    assert sent.json["task_profile"] == "coding"
    assert sent.json["max_tokens"] == 5
    assert sent.json["sogni_tools"] is False
    assert sent.json["app_source"] == "tests"
    assert sent.headers["Authorization"] == f"Bearer {API_KEY}"


def test_as_openai_refuses_other_hosts_and_bad_bodies(server: LocalSogniServer) -> None:
    """Nothing goes anywhere but the base URL; a body create() would refuse is a 400."""
    with OpenAI(api_key=API_KEY, base_url=server.base_url).as_openai() as genuine:
        elsewhere = genuine.with_options(base_url="https://api.openai.com/v1", max_retries=0)
        with pytest.raises(openai.PermissionDeniedError, match="refused to send"):
            elsewhere.chat.completions.create(model="gpt-4o", messages=USER)
        with pytest.raises(openai.BadRequestError, match="task_profile must be one of"):
            genuine.chat.completions.create(
                model="m",
                messages=USER,
                extra_body={"task_profile": "poetry"},
            )
    assert server.requests == []


def test_mock_sogni_serves_genuine_clients_too() -> None:
    """as_openai() sends through this package's transport, so MockSogni answers it."""
    from sogni_compat.testing import MockSogni

    with MockSogni() as sogni, OpenAI(api_key=API_KEY).as_openai() as genuine:
        sogni.add_completion("mocked")
        answer = genuine.chat.completions.create(
            model="m",
            messages=USER,
        )
    assert answer.choices[0].message.content == "mocked"
    assert sogni.requests[0].headers["Authorization"] == f"Bearer {API_KEY}"


def test_as_async_openai(server: LocalSogniServer) -> None:
    """as_async_openai() is an openai.AsyncOpenAI with the same rules."""
    genuine = OpenAI(api_key=API_KEY, base_url=server.base_url).as_async_openai()
    assert isinstance(genuine, openai.AsyncOpenAI)

    async def ask() -> str | None:
        async with genuine:
            answer = await genuine.chat.completions.create(
                model="qwen3.6-35b-a3b-gguf-iq4xs",
                messages=USER,  # type: ignore[arg-type]
                extra_body={"think": True},
            )
        return answer.choices[0].message.content

    assert asyncio.run(ask()) == "Hi"
    assert server.requests[-1].json["chat_template_kwargs"] == {"enable_thinking": True}
