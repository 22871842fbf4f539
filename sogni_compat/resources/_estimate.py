"""``chat.completions.estimate_cost``: Sogni's price quote for what ``create()`` would send.

The keywords are turned into the very body ``create()`` sends (checked the same way, aliases
and ``extra_body`` applied last, as ``create()`` applies them), and that body is priced the way
Sogni's SDKs price one: its messages' compact JSON in UTF-16 code units over four (images as a
placeholder; the body's other structured text, ``tools``, ``functions``, ``response_format``...,
counted the same way, which the SDKs leave out), and an output budget of ``max_tokens`` (else
the model's published default, else the API's default, with a
:class:`~sogni_compat.CostEstimateWarning`), counted once per choice (``n``). One request
only: tool rounds and hosted media are not in the quote.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import time
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests

from .._base_client import encode_json
from .._config import ASSUMED_MAX_TOKENS, DEFAULT_MODEL
from .._errors import (
    APIResponseValidationError,
    CostEstimateWarning,
    NotFoundError,
    OpenAIError,
)
from .._options import RequestOptions, check_seconds
from .._wire import decode_json

if TYPE_CHECKING:
    from .._requester import Requester
    from ..types.durable import CostEstimate

__all__ = ["estimate"]

logger = logging.getLogger("sogni_compat")
#: Models whose output defaults ``estimate_cost`` remembers, and the largest entry it reads.
MAX_CACHED_MODELS = 64
_MODEL_ENTRY_BYTES = 1024 * 1024
#: The package's folder: frames inside it are skipped when a warning names the caller's line.
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def quote_of(response: requests.Response) -> dict[str, Any]:
    """The ``quote`` object of a price-quote answer (``quote`` or ``data.quote``)."""
    data = decode_json(response)
    found = data.get("quote") if isinstance(data, dict) else None
    inner = data.get("data") if isinstance(data, dict) else None
    if not isinstance(found, dict) and isinstance(inner, dict):
        found = inner.get("quote")
    if not isinstance(found, dict):
        raise APIResponseValidationError(
            "Sogni's estimate answer has no 'quote' object", response=response, body=data
        )
    # A price that cannot be read fails closed: a ceiling check must never see "no price".
    for field in ("costInUSD", "costInSogni", "costInSpark", "costInToken"):
        value = found.get(field)
        if value is None and field != "costInUSD":
            continue  # the other amounts are optional
        if not _usable_amount(value):
            raise APIResponseValidationError(
                f"Sogni's quote has no usable {field} (a finite number >= 0); it sent "
                f"{value!r}, so the request cannot be priced",
                response=response,
                body=data,
            )
    return found


def _usable_amount(value: object) -> bool:
    """Whether a quote's amount is a number >= 0 a float can hold (10**400 is not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        number = float(value)
    except OverflowError:
        return False
    return math.isfinite(number) and number >= 0


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside the package (the caller's line)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _whole(value: object, where: str) -> int:
    """A count ``create()`` would send (``max_tokens``, ``n``): a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"{where} must be a whole number >= 1 for the request to be priced; got {value!r}"
        )
    return value


def _placeholder_tokens(messages: object, where: str) -> int:
    """Input tokens as Sogni's SDKs count them: UTF-16 length of the compact JSON / 4, rounded up.

    ``messages`` are JSON values (the body as it is sent), their image parts already
    placeholders (:func:`_images_as_placeholders`).
    """
    if not isinstance(messages, list) or not messages:
        raise ValueError(
            f"{where} must be a non-empty list of message dicts for the request to be priced; "
            f"got {type(messages).__name__}"
        )
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise TypeError(f"{where}[{index}] must be a dict")
    return _tokens_of(messages)


_IMAGE = {"type": "image_url", "image_url": {"url": "[image]"}}


def _images_as_placeholders(messages: object) -> object:
    """``messages`` with each ``image_url`` part a placeholder; anything else as it is."""
    if not isinstance(messages, list):
        return messages
    found = []
    for message in messages:
        content = message.get("content") if isinstance(message, Mapping) else None
        if isinstance(content, list):
            parts = [
                _IMAGE if isinstance(part, Mapping) and part.get("type") == "image_url" else part
                for part in content
            ]
            found.append({**message, "content": parts})
        else:
            found.append(message)
    return found


#: Structured values of a body that are not text the model reads (switches, token ids, media
#: counted as the messages' images are), besides the messages, counted on their own.
_NOT_TEXT = frozenset(
    {
        "messages",
        "chat_template_kwargs",
        "chatTemplateKwargs",
        "stream_options",
        "metadata",
        "logit_bias",
        "media_references",
        "mediaReferences",
    }
)


def _tokens_of(value: object) -> int:
    """The UTF-16 length of ``value``'s compact JSON over four, rounded up."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    # JavaScript counts UTF-16 code units; Sogni's estimate is made from that length.
    return (len(text.encode("utf-16-le")) // 2 + 3) // 4


def estimate(
    client: Requester,
    body: Mapping[str, Any],
    *,
    extra_body: Mapping[str, Any] | None,
    runs_tools: bool,
    timeout: float | None,
    cache: dict[str, Any],
    unknown_model: Any,
) -> CostEstimate:
    """Price ``body`` (``create()``'s body before ``extra_body``), as ``create()`` sends it.

    ``runs_tools``: the call would run tools (the loop, or Sogni's hosted tools), whose rounds
    and media the quote leaves out, which a :class:`CostEstimateWarning` says. ``cache`` keeps
    the models' output defaults; ``unknown_model(error, name)`` words a 404 for a model.
    """
    from ..types.durable import CostEstimate  # noqa: PLC0415

    sent = dict(body)
    if extra_body:
        sent.update(extra_body)  # as create() does: extra_body has the last word
    # Images are priced as a placeholder: a local file or bytes (which create() uploads or
    # inlines) is never read or encoded here.
    sent["messages"] = _images_as_placeholders(sent.get("messages"))
    # The JSON create() would send: a value it cannot carry is refused here as it is there.
    sent = json.loads(encode_json(sent))
    extra = extra_body or {}

    def named(name: str) -> str:
        return f"extra_body[{name!r}]" if name in extra else name

    input_tokens = _placeholder_tokens(sent.get("messages"), named("messages"))
    # Schemas reach the model too (tools, functions, response_format, tool_choice...; Sogni's
    # SDKs leave them out): every structured value of the body is counted, in any spelling,
    # so a request with large schemas cannot pass a ceiling check quoted on its messages.
    input_tokens += sum(
        _tokens_of(value)
        for name, value in sent.items()
        if name not in _NOT_TEXT and isinstance(value, dict | list) and value
    )
    model = sent.get("model") or DEFAULT_MODEL
    if not isinstance(model, str):
        raise TypeError(f"{named('model')} must be a model name; got {model!r}")
    model = client.model_aliases.get(model, model)
    choices = 1 if sent.get("n") is None else _whole(sent["n"], named("n"))
    budgets = [
        _whole(sent[name], named(name))
        for name in ("max_tokens", "max_completion_tokens")
        if sent.get(name) is not None
    ]
    token_type = sent.get("token_type")
    if token_type not in (None, "sogni", "spark", "auto"):
        raise ValueError(
            f"{named('token_type')} must be 'sogni', 'spark' or 'auto'; got {token_type!r}"
        )
    wire_type = "spark" if token_type == "spark" else "sogni"
    options, deadline = None, None
    if timeout is not None:  # bounds every attempt and the waits between them
        seconds = check_seconds(timeout)
        options = RequestOptions(timeout=(min(client.timeout[0], seconds), seconds))
        deadline = time.monotonic() + seconds
    if budgets:
        per_choice, source = max(budgets), "max_tokens"
    else:
        template = sent.get("chat_template_kwargs")
        thinking = isinstance(template, dict) and template.get("enable_thinking") is True
        complex_thinking = thinking and sent.get("task_profile") in ("coding", "reasoning")
        found = _default_output(
            client, cache, model, complex_thinking, options=options, deadline=deadline
        )
        per_choice, source = (found, "model_default") if found else (ASSUMED_MAX_TOKENS, "assumed")
    output_tokens = per_choice * choices
    path = "/".join(
        quote(str(item), safe="") for item in (wire_type, model, input_tokens, output_tokens)
    )
    try:
        found_quote = client._request(
            "GET",
            f"/api/v1/job-llm/estimate/{path}",
            options=options,
            parse=quote_of,
            deadline=deadline,
        )
    except NotFoundError as exc:
        raise unknown_model(exc, model) from exc
    made: CostEstimate = CostEstimate.reader()(found_quote, None)
    made._budget = (source, output_tokens)
    # Told once the quote exists (a model that does not exist is its 404, not a warning).
    level = _caller_level()
    if source == "assumed":
        warnings.warn(
            f"estimate_cost: no max_tokens, and GET models/{model} gives no output default: "
            f"the quote counts {ASSUMED_MAX_TOKENS} output tokens per choice, the API's "
            "max_tokens default; pass max_tokens= for the budget you will send",
            CostEstimateWarning,
            stacklevel=level,
        )
    if runs_tools:
        warnings.warn(
            "estimate_cost quotes one chat request: the tool rounds that follow and the media "
            "Sogni's hosted tools make are billed on top and are not in the quote",
            CostEstimateWarning,
            stacklevel=level,
        )
    return made


def _default_output(
    client: Requester,
    cache: dict[str, Any],
    model: str,
    complex_thinking: bool,
    *,
    options: RequestOptions | None,
    deadline: float | None,
) -> int | None:
    """The model's published output default (``GET models/{id}``), or ``None``.

    ``maxOutputTokens.default``, or its ``thinkingComplexDefault`` for complex thinking, as
    Sogni's SDKs read them; the entry is remembered per model (at most
    :data:`MAX_CACHED_MODELS`). A failed lookup is ``None`` (and not remembered).
    """
    if model not in cache:
        try:
            entry = client._request(
                "GET",
                f"models/{quote(model, safe='')}",
                options=options,
                parse=decode_json,
                deadline=deadline,
                max_bytes=_MODEL_ENTRY_BYTES,
            )
        except OpenAIError as exc:
            logger.debug("estimate_cost: GET models/%s failed: %s", model, exc)
            return None
        if len(cache) >= MAX_CACHED_MODELS:
            cache.pop(next(iter(cache)))
        found = entry.get("maxOutputTokens") if isinstance(entry, dict) else None
        cache[model] = found if isinstance(found, dict) else None
    limits = cache[model]
    if limits is None:
        return None
    for key in ("thinkingComplexDefault", "default") if complex_thinking else ("default",):
        value = limits.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None
