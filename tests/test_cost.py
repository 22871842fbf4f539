"""chat.completions.estimate_cost: Sogni's LLM price quote."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import responses

from sogni_compat import (
    APIError,
    APIResponseValidationError,
    CostEstimateWarning,
    NotFoundError,
    OpenAI,
)
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types import CostEstimate
from sogni_compat.types.chat import (
    ChatCompletionContentPartParam,
    ChatCompletionMessageParam,
    ChatCompletionToolParam,
)

from ._helpers import PNG
from ._hostile import answering

QUOTE = {
    "quote": {
        "costInUSD": 0.0012,
        "costInSogni": 0.024,
        "costInSpark": 0.12,
        "costInToken": 0.024,
        "inputTokens": 9,
        "outputTokens": 300,
    }
}


def sdk_input_tokens(messages: Sequence[Mapping[str, Any]]) -> int:
    """Sogni's SDK estimate, written out from its description: UTF-16 length of the JSON / 4."""
    text = json.dumps(messages, separators=(",", ":"), ensure_ascii=False)
    return math.ceil(len(text.encode("utf-16-le")) / 2 / 4)


@responses.activate
def test_default_base_url_asks_sognis_socket_host() -> None:
    """With the default base URL the quote comes from socket.sogni.ai, with the key header."""
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi 🦊"}]
    tokens = sdk_input_tokens(messages)
    url = (
        "https://socket.sogni.ai/api/v1/job-llm/estimate/spark/"
        f"qwen3.6-35b-a3b-gguf-iq4xs/{tokens}/300"
    )
    responses.get(url, json=QUOTE)
    client = OpenAI(api_key="sk-estimate-test-0123456789")
    quote = client.chat.completions.estimate_cost(
        messages=messages, max_tokens=300, token_type="spark"
    )
    assert isinstance(quote, CostEstimate)
    assert (quote.usd, quote.sogni, quote.spark) == (0.0012, 0.024, 0.12)
    assert quote.outputTokens == 300
    (call,) = responses.calls
    assert call.request.headers["Authorization"] == "Bearer sk-estimate-test-0123456789"


@responses.activate
def test_tools_and_response_format_are_counted_as_the_messages_are() -> None:
    """A request's tools and json_schema count as input too: 440 KB of tools is not 8 tokens."""
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
    properties = {f"field_{i}": {"type": "string", "description": "x" * 40} for i in range(5000)}
    tool: ChatCompletionToolParam = {
        "type": "function",
        "function": {"name": "fill", "parameters": {"type": "object", "properties": properties}},
    }
    schema = {"type": "json_schema", "json_schema": {"name": "A", "schema": {"type": "object"}}}
    expected = sum(
        math.ceil(len(text.encode("utf-16-le")) / 2 / 4)
        for text in (
            json.dumps(messages, separators=(",", ":")),
            json.dumps([tool], separators=(",", ":")),
            json.dumps(schema, separators=(",", ":")),
        )
    )
    assert expected > 50_000
    responses.get(f"{ESTIMATE}/{expected}/10", json=QUOTE)
    client = OpenAI(api_key="sk-estimate-test-0123456789", base_url="https://api.test/v1")
    quote = client.chat.completions.estimate_cost(
        messages=messages, model="m1", max_tokens=10, tools=[tool], response_format=schema
    )
    assert quote.usd == 0.0012
    # extra_body in Sogni's camelCase spelling is counted as well
    client.chat.completions.estimate_cost(
        messages=messages,
        model="m1",
        max_tokens=10,
        tools=[tool],
        extra_body={"responseFormat": schema},
    )
    assert [call.request.url for call in responses.calls] == [f"{ESTIMATE}/{expected}/10"] * 2


def test_local_images_are_priced_as_placeholders_unread(tmp_path: Path) -> None:
    """Images create() takes as a Path, bytes or {"url": Path} are quoted, not read or encoded."""
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    text: ChatCompletionContentPartParam = {"type": "text", "text": "what is this?"}
    forms: list[Any] = [picture, PNG, {"url": picture}]
    with LocalSogniServer() as server, server.client() as client:
        tokens = set()
        for form in forms:
            image: Any = {"type": "image_url", "image_url": form}
            messages: list[ChatCompletionMessageParam] = [
                {"role": "user", "content": [text, image]}
            ]
            quote = client.chat.completions.estimate_cost(messages=messages, max_tokens=10)
            client.chat.completions.create(messages=messages, max_tokens=10)  # create takes it
            tokens.add(quote.inputTokens)
    placeholder = {"type": "image_url", "image_url": {"url": "[image]"}}
    assert tokens == {sdk_input_tokens([{"role": "user", "content": [text, placeholder]}])}


def test_emulator_quote_and_images_as_placeholders() -> None:
    """Images count as a placeholder; with no output default published, 32768 is quoted, loudly."""
    question: ChatCompletionContentPartParam = {"type": "text", "text": "what is this?"}
    image: ChatCompletionContentPartParam = {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + "A" * 5000},
    }
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": [question, image]}]
    with LocalSogniServer() as server, server.client() as client:
        with pytest.warns(CostEstimateWarning, match="counts 32768 output tokens") as warned:
            quote = client.chat.completions.estimate_cost(messages=messages)
        paths = [r.path for r in server.requests]
    (warning,) = warned.list
    assert warning.filename == __file__  # the caller's line, where a user sees it
    shown = {"type": "image_url", "image_url": {"url": "[image]"}}
    placeholder: list[dict[str, Any]] = [{"role": "user", "content": [question, shown]}]
    assert paths[0] == "/v1/models/qwen3.6-35b-a3b-gguf-iq4xs"  # looked for a default
    assert paths[1].endswith(f"/{sdk_input_tokens(placeholder)}/32768")
    assert quote.inputTokens == sdk_input_tokens(placeholder)
    assert (quote.output_budget, quote.quoted_output_tokens) == ("assumed", 32768)
    assert quote.usd is not None
    assert quote.usd > 0


MODEL_URL = "https://api.test/v1/models/m1"
ESTIMATE = "https://api.test/api/v1/job-llm/estimate/sogni/m1"


@pytest.mark.parametrize(
    ("extra", "budget", "source"),
    [
        ({}, 8192, "model_default"),
        ({"think": True, "task_profile": "reasoning"}, 16384, "model_default"),
        ({"think": True, "task_profile": "coding"}, 16384, "model_default"),
        ({"think": True}, 8192, "model_default"),  # not a complex profile
        ({"think": False, "task_profile": "coding"}, 8192, "model_default"),
        ({"max_tokens": 300}, 300, "max_tokens"),
    ],
)
@responses.activate
def test_the_models_published_default_is_quoted(
    extra: dict[str, Any], budget: int, source: str
) -> None:
    """Without max_tokens the model's maxOutputTokens default (complex thinking: its own)."""
    entry = {
        "id": "m1",
        "object": "model",
        "maxOutputTokens": {
            "min": 1,
            "max": 32768,
            "default": 8192,
            "thinkingComplexDefault": 16384,
        },
    }
    responses.get(MODEL_URL, json=entry)
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
    responses.get(f"{ESTIMATE}/{sdk_input_tokens(messages)}/{budget}", json=QUOTE)
    client = OpenAI(api_key="sk-estimate-test-0123456789", base_url="https://api.test/v1")
    quote = client.chat.completions.estimate_cost(messages=messages, model="m1", **extra)
    assert (quote.output_budget, quote.quoted_output_tokens) == (source, budget)
    asked = [c.request.url for c in responses.calls]
    assert (MODEL_URL in asked) == (source != "max_tokens")
    client.chat.completions.estimate_cost(messages=messages, model="m1", **extra)
    assert [c.request.url for c in responses.calls].count(MODEL_URL) <= 1  # remembered


@pytest.mark.parametrize(
    "entry",
    [{"id": "m1"}, {"id": "m1", "maxOutputTokens": {"default": "lots"}}, ["m1"]],
)
@responses.activate
def test_an_unusable_model_entry_quotes_the_api_default(entry: Any) -> None:
    """No usable default in GET models/{id}: the API's 32768 is quoted and said so."""
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": ""}]
    responses.get(MODEL_URL, json=entry)
    responses.get(f"{ESTIMATE}/{sdk_input_tokens(messages)}/32768", json=QUOTE)
    client = OpenAI(api_key="sk-estimate-test-0123456789", base_url="https://api.test/v1")
    with pytest.warns(CostEstimateWarning, match="pass max_tokens="):
        quote = client.chat.completions.estimate_cost(messages=messages, model="m1")
    assert quote.output_budget == "assumed"


@responses.activate
def test_input_tokens_count_utf16_units_of_the_compact_json() -> None:
    """Outside the BMP a character is two UTF-16 units, as JavaScript's length counts it."""
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "🦊" * 40}]
    text = json.dumps(messages, separators=(",", ":"), ensure_ascii=False)
    expected = -(-(len(text) + 40) // 4)  # 40 foxes: 40 more units than code points
    responses.get(f"{ESTIMATE}/{expected}/10", json=QUOTE)
    client = OpenAI(api_key="sk-estimate-test-0123456789", base_url="https://api.test/v1")
    client.chat.completions.estimate_cost(messages=messages, model="m1", max_tokens=10)
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"messages": []}, "non-empty list"),
        ({"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}, "max_tokens"),
        ({"messages": [{"role": "user", "content": "x"}], "token_type": "gold"}, "token_type"),
    ],
)
@responses.activate
def test_bad_estimate_input_is_refused(kwargs: dict[str, object], message: str) -> None:
    """Bad arguments raise ValueError before any request."""
    client = OpenAI(api_key="sk-estimate-test-0123456789")
    with pytest.raises(ValueError, match=message):
        client.chat.completions.estimate_cost(**kwargs)  # type: ignore[arg-type]
    assert len(responses.calls) == 0


def test_estimate_takes_what_create_takes() -> None:
    """The keywords of create() are accepted (camelCase too); a typo gets a hint."""
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
    with LocalSogniServer() as server, server.client() as client:
        kwargs: dict[str, Any] = {
            "messages": messages,
            "tokenType": "spark",
            "max_completion_tokens": 64,
            "temperature": 0.2,
        }
        quote = client.chat.completions.estimate_cost(**kwargs)
        assert server.requests[-1].path.split("/")[-4:] == [
            "spark",
            "qwen3.6-35b-a3b-gguf-iq4xs",
            str(sdk_input_tokens(messages)),
            "64",
        ]
        assert quote.output_tokens == 64
        client.chat.completions.create(**kwargs)
        with pytest.raises(TypeError, match="did you mean 'temperature'"):
            client.chat.completions.estimate_cost(messages=messages, temprature=1)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "quote",
    [
        b'{"quote": {"costInUSD": 1e999, "costInSpark": 0.1}}',
        b'{"quote": {"costInUSD": "12.50"}}',
        b'{"quote": {"costInUSD": null, "costInSpark": 0.1}}',
        b'{"quote": {"priceUSD": 12.5}}',
        b'{"quote": {"costInUSD": true}}',
        b'{"quote": {"costInUSD": -0.5}}',
        b'{"quote": {"costInUSD": 0.5, "costInSpark": "lots"}}',
        b'{"quote": {"costInUSD": 0.5, "costInSogni": 1e999}}',
    ],
    ids=["1e999", "text", "null", "renamed", "true", "negative", "spark-text", "sogni-inf"],
)
def test_a_quote_without_a_usable_amount_is_refused(hostile: Any, quote: bytes) -> None:
    """A quote whose amount cannot be read is an APIResponseValidationError, never usd=None."""
    client = hostile(answering(quote)).client()
    with pytest.raises(APIResponseValidationError, match="costIn"):
        client.chat.completions.estimate_cost(messages=[{"role": "user", "content": "Hi"}])


def test_a_ceiling_check_refuses_what_it_cannot_price(hostile: Any) -> None:
    """A ceiling check stops a request it cannot price (the quote raises), lets a cheap one go."""
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
    refused: list[str] = []

    def within_ceiling(client: OpenAI) -> bool:
        try:
            quote = client.chat.completions.estimate_cost(messages=messages, max_tokens=500)
        except APIError as exc:
            refused.append(exc.message)
            return False
        return quote.usd is not None and quote.usd <= 0.01

    assert within_ceiling(hostile(answering(b'{"quote": {"costInUSD": 0.002}}')).client())
    assert not within_ceiling(hostile(answering(b'{"quote": {"costInUSD": 0.5}}')).client())
    assert not within_ceiling(hostile(answering(b'{"quote": {"costInUSD": "0.5"}}')).client())
    assert len(refused) == 1


def _estimate_path(server: LocalSogniServer) -> list[str]:
    """``[token type, model, input tokens, output tokens]`` of the last quote asked for."""
    (path,) = [r.path for r in server.requests if "/job-llm/estimate/" in r.path][-1:]
    return path.split("/")[-4:]


def test_n_choices_are_quoted_n_times() -> None:
    """n=3 quotes three times the output budget: what create() with n=3 may generate."""
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
    with LocalSogniServer() as server, server.client() as client:
        one = client.chat.completions.estimate_cost(messages=messages, max_tokens=100)
        three = client.chat.completions.estimate_cost(messages=messages, max_tokens=100, n=3)
        assert _estimate_path(server)[-1] == "300"
    assert (one.quoted_output_tokens, three.quoted_output_tokens) == (100, 300)
    assert three.usd > one.usd


def test_extra_body_is_quoted_as_create_sends_it() -> None:
    """extra_body's messages, max_tokens and n replace the named ones, as in create()."""
    named: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
    longer = [{"role": "user", "content": "a much longer question " * 20}]
    extra = {"messages": longer, "max_tokens": 50, "n": 2}
    with LocalSogniServer() as server, server.client() as client:
        quote = client.chat.completions.estimate_cost(
            messages=named, max_tokens=10, extra_body=extra
        )
        client.chat.completions.create(
            messages=[{"role": "user", "content": "Hi"}], max_tokens=10, extra_body=extra
        )
        (sent,) = [r.json for r in server.requests if r.path.endswith("/chat/completions")]
        path = _estimate_path(server)
    assert (sent["messages"], sent["max_tokens"], sent["n"]) == (longer, 50, 2)
    assert path[-2:] == [str(sdk_input_tokens(longer)), "100"]
    assert quote.quoted_output_tokens == 100


@pytest.mark.parametrize(
    ("extra", "error", "message"),
    [
        ({"seed": object()}, TypeError, "seed: Object of type object is not JSON serializable"),
        ({"temperature": float("nan")}, ValueError, "temperature is nan"),
        ({"messages": 5}, ValueError, r"extra_body\['messages'\] must be a non-empty list"),
        ({"max_tokens": "lots"}, ValueError, r"extra_body\['max_tokens'\] must be a whole"),
        ({"n": 0}, ValueError, r"extra_body\['n'\] must be a whole number >= 1"),
    ],
)
def test_extra_body_that_cannot_be_sent_or_priced_is_refused(
    extra: dict[str, Any], error: type[Exception], message: str
) -> None:
    """What create() refuses in extra_body (or what no quote can price) is refused, unsent."""
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
    with LocalSogniServer() as server, server.client() as client:
        with pytest.raises(error, match=message):
            client.chat.completions.estimate_cost(
                messages=messages, max_tokens=10, extra_body=extra
            )
        assert server.requests == []


def test_loop_keywords_are_accepted_and_the_quote_says_what_it_leaves_out() -> None:
    """The loop's keywords change no single request's price: checked, then a warning, no error."""
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Paint a fox"}]
    with LocalSogniServer() as server, server.client() as client:
        with pytest.warns(CostEstimateWarning, match="tool rounds that follow") as warned:
            quote = client.chat.completions.estimate_cost(
                messages=messages,
                max_tokens=10,
                sogni_tools=True,
                auto_execute_tools=True,
                max_tool_rounds=5,
            )
        assert quote.quoted_output_tokens == 10
        assert warned.list[0].filename == __file__
        with pytest.raises(ValueError, match="n=2 cannot be combined with auto_execute_tools"):
            client.chat.completions.estimate_cost(
                messages=messages, max_tokens=10, n=2, auto_execute_tools=True
            )
        with pytest.raises(ValueError, match="max_tool_rounds only takes effect"):
            client.chat.completions.estimate_cost(
                messages=messages, max_tokens=10, max_tool_rounds=5
            )


def test_a_model_that_does_not_exist_is_its_404(caplog: pytest.LogCaptureFixture) -> None:
    """model="nope": a NotFoundError listing the served models, no word of an output default."""
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
    with (
        LocalSogniServer() as server,
        server.client() as client,
        caplog.at_level("DEBUG", logger="sogni_compat"),
        pytest.raises(NotFoundError, match="'nope' is not served here; available"),
    ):
        client.chat.completions.estimate_cost(messages=messages, model="nope")
    assert "output default" not in caplog.text
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_usd_of_a_quote_without_a_price_fails_closed() -> None:
    """A CostEstimate built without a usable costInUSD reads usd as infinity, never None."""
    made = CostEstimate.model_validate({"costInUSD": "12.50"})
    assert made.usd == math.inf
    assert made.cost_in_usd is None
    assert made.usd > 0.01  # a ceiling check refuses it
