"""The live contract suite: the cheapest calls that prove this client still matches Sogni.

Opt-in only (see ``tests/conftest.py``): every test here is skipped unless the run selects it
with ``-m live`` and ``SOGNI_API_KEY`` is set; the tests marked ``live_media`` spend media
credits and also need ``SOGNI_LIVE_MEDIA=1``. A maintainer runs it before a release::

    SOGNI_API_KEY=... python -m pytest -m live -s -p no:cacheprovider
    SOGNI_API_KEY=... SOGNI_LIVE_MEDIA=1 python -m pytest -m live -s -p no:cacheprovider

Each test asserts the shapes this client relies on and prints what it spent (``-s`` shows it).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from sogni_compat import APIStatusError, OpenAI
from sogni_compat.types import ChatCompletion, ChatCompletionChunk
from sogni_compat.types.chat import ChatCompletionMessageParam

from ._helpers import PNG
from ._tooling import WEATHER_TOOL

pytestmark = pytest.mark.live

MODEL = "qwen3.6-35b-a3b-gguf-iq4xs"
HI: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Reply with the single word OK."}
]


def spent(what: str, **amounts: Any) -> None:
    """Print what a call cost, as the service reported it."""
    shown = ", ".join(f"{key}={value}" for key, value in amounts.items())
    print(f"[live] {what}: {shown}")


def test_short_chat(live_client: OpenAI) -> None:
    """A tiny chat without thinking answers a chat.completion with text and usage."""
    answer = live_client.chat.completions.create(
        model=MODEL, messages=HI, think=False, max_tokens=8
    )
    assert isinstance(answer, ChatCompletion)
    assert answer.object == "chat.completion"
    assert isinstance(answer.id, str)
    assert answer.id
    assert isinstance(answer.choices[0].message.content, str)
    assert answer.choices[0].finish_reason in ("stop", "length")
    assert answer.usage is not None
    assert answer.usage.prompt_tokens > 0
    spent(
        "chat", prompt_tokens=answer.usage.prompt_tokens, completion=answer.usage.completion_tokens
    )


def test_stream(live_client: OpenAI) -> None:
    """A streamed answer arrives as chunks whose deltas join into text, usage at the end."""
    pieces: list[str] = []
    usage = None
    with live_client.chat.completions.create(
        model=MODEL,
        messages=HI,
        think=False,
        max_tokens=8,
        stream=True,
        stream_options={"include_usage": True},
    ) as stream:
        for chunk in stream:
            assert isinstance(chunk, ChatCompletionChunk)
            assert chunk.object == "chat.completion.chunk"
            for choice in chunk.choices:
                pieces.append(choice.delta.content or "")
            usage = chunk.usage or usage
    assert "".join(pieces).strip()
    assert usage is not None
    spent("stream", prompt_tokens=usage.prompt_tokens, completion=usage.completion_tokens)


def test_forced_custom_tool_call(live_client: OpenAI) -> None:
    """tool_choice naming a custom function gets that call, its arguments a JSON object."""
    answer = live_client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "What is the weather in Oslo?"}],
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        think=False,
        max_tokens=64,
    )
    calls = answer.choices[0].message.tool_calls
    assert calls
    assert calls[0].function.name == "get_weather"
    arguments = json.loads(calls[0].function.arguments)
    assert isinstance(arguments, dict)
    assert isinstance(calls[0].id, str)
    assert answer.usage is not None
    spent("tool call", prompt_tokens=answer.usage.prompt_tokens)


def test_models_list(live_client: OpenAI) -> None:
    """GET models is OpenAI's list shape; the default model is in it."""
    page = live_client.models.list()
    ids = [model.id for model in page.data]
    assert ids
    assert all(isinstance(i, str) and i for i in ids)
    assert MODEL in ids
    entry = live_client.models.retrieve(MODEL).to_dict()
    # Whether the listing publishes an output default decides estimate_cost's budget.
    spent("models", count=len(ids), maxOutputTokens=entry.get("maxOutputTokens"))


def test_estimate(live_client: OpenAI) -> None:
    """The price quote counts the tokens asked and gives finite amounts."""
    quote = live_client.chat.completions.estimate_cost(model=MODEL, messages=HI, max_tokens=16)
    assert quote.output_tokens == 16
    assert quote.input_tokens is not None
    assert quote.input_tokens > 0
    assert quote.usd is not None
    assert math.isfinite(quote.usd)
    assert quote.usd >= 0
    unbounded = live_client.chat.completions.estimate_cost(model=MODEL, messages=HI)
    assert unbounded.output_budget in ("model_default", "assumed")
    spent(
        "estimate (free)",
        usd_16=quote.usd,
        usd_default=unbounded.usd,
        default_budget=f"{unbounded.output_budget}:{unbounded.quoted_output_tokens}",
    )


def test_error_envelope(live_client: OpenAI) -> None:
    """An unknown model is a 4xx with a readable message (OpenAI's error envelope)."""
    with pytest.raises(APIStatusError) as caught:
        live_client.chat.completions.create(
            model="no-such-model-sogni-compat-live", messages=HI, max_tokens=1
        )
    error = caught.value
    assert error.status_code in (400, 404)
    assert error.message
    assert isinstance(error.body, dict)
    spent("error", status=error.status_code, code=getattr(error, "code", None))


@pytest.mark.live_media
def test_generate_image_in_the_tool_loop(live_client: OpenAI) -> None:
    """The client-side loop runs generate_image as a workflow: media index 0, an https URL."""
    answer = live_client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Draw a small red circle on white."}],
        sogni_tools=True,
        auto_execute_tools=True,
        tool_choice={"type": "function", "function": {"name": "generate_image"}},
        think=False,
        max_tokens=512,
        max_tool_rounds=2,
    )
    (result,) = answer.tool_history[0].tool_results
    assert result.success, result.error
    content = json.loads(result.content)
    assert content["startIndex"] == 0
    assert answer.media.images[0].url.startswith("https://")
    spent("generate_image", workflow=content.get("workflowId"), urls=len(result.result_urls))


@pytest.mark.live_media
def test_workflow_with_a_binding(live_client: OpenAI) -> None:
    """Two steps bound by Sogni's binding object complete with typed artifacts."""
    steps: list[dict[str, Any]] = [
        {"id": "art", "toolName": "generate_image", "arguments": {"prompt": "a red apple"}},
        {
            "id": "cutout",
            "toolName": "remove_background",
            "arguments": {},
            "depends_on": [{"sourceStepId": "art", "targetArgument": "source_image_url"}],
        },
    ]
    started = live_client.workflows.create(steps=steps)
    done = live_client.workflows.wait(started.id, timeout=600)
    assert done.status == "completed", done.to_dict()
    assert [a.media_kind for a in done.artifacts].count("image") >= 2
    preview = done.billing_preview
    spent(
        "workflow",
        id=done.id,
        units=preview.estimated_capacity_units if preview else None,
        usd=preview.cost_in_usd if preview else None,
    )


@pytest.mark.live_media
def test_upload(live_client: OpenAI) -> None:
    """A 1x1 PNG upload answers an https URL that durable jobs accept."""
    url = live_client.media.upload(PNG, kind="image")
    assert url.startswith("https://")
    spent("upload", bytes=len(PNG))
