"""Bad input to the new surface is refused before anything is sent, naming the parameter.

A table of (method, bad argument) pairs covering every public method of ``client.images``,
``client.media``, ``client.workflows``, ``client.chat.runs``, ``client.responses`` and
``chat.completions.estimate_cost``: each raises ``TypeError`` or ``ValueError`` naming the
parameter, and a loopback server that records every connection receives nothing. Local files
are read only when given as ``pathlib.Path``, an open file or bytes, or by a client made with
``allow_local_files=True``, as on the chat path.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sogni_compat import OpenAI
from sogni_compat.types.chat import ChatCompletionMessageParam

from ._helpers import PNG
from ._hostile import Exchange, HostileServer, json_response

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
STEPS = [{"tool": "generate_image", "arguments": {"prompt": "a fox"}}]
NAN, INF = math.nan, math.inf
BAD_KEY = "a\r\n\tX-Injected: 1"


def _nested(depth: int, inner: object, wrap: Callable[[object], object]) -> object:
    for _ in range(depth):
        inner = wrap(inner)
    return inner


#: Arguments nested far deeper than any recursion limit: a list, and a data URI in dicts.
DEEP = _nested(5000, [], lambda inner: [inner])
DEEP_URI = _nested(5000, "data:image/png;base64,AAAA", lambda inner: {"k": inner})

#: A call given the client and the path of a PNG file (as a plain string).
Call = Callable[[OpenAI, str], object]


def bad_timeouts(prefix: str, call: Callable[[OpenAI, Any], object]) -> dict[str, Any]:
    """Cases for every bad ``timeout`` a method may be given."""
    cases: dict[str, Any] = {}
    for shown, value, error in (
        ("nan", NAN, ValueError),
        ("inf", INF, ValueError),
        ("1e10", 1e10, ValueError),
        ("-1", -1, ValueError),
        ("0", 0, ValueError),
        ("'5'", "5", TypeError),
        ("True", True, TypeError),
    ):
        cases[f"{prefix}(timeout={shown})"] = (
            lambda c, _, value=value: call(c, value),
            error,
            "timeout",
        )
    return cases


CASES: dict[str, tuple[Call, type[Exception], str]] = {
    # -- images.generate ---------------------------------------------------------------------
    "images.generate(prompt=5)": (
        lambda c, _: c.images.generate(prompt=5),  # type: ignore[arg-type]
        TypeError,
        "prompt",
    ),
    "images.generate(prompt='')": (
        lambda c, _: c.images.generate(prompt=" "),
        ValueError,
        "prompt",
    ),
    "images.generate(model=5)": (
        lambda c, _: c.images.generate(prompt="fox", model=5),  # type: ignore[arg-type]
        TypeError,
        "model",
    ),
    "images.generate(model='')": (
        lambda c, _: c.images.generate(prompt="fox", model=""),
        ValueError,
        "model",
    ),
    "images.generate(n=0)": (lambda c, _: c.images.generate(prompt="fox", n=0), ValueError, "n "),
    "images.generate(n=2.0)": (
        lambda c, _: c.images.generate(prompt="fox", n=2.0),  # type: ignore[arg-type]
        ValueError,
        "n ",
    ),
    "images.generate(size=5)": (
        lambda c, _: c.images.generate(prompt="fox", size=5),  # type: ignore[arg-type]
        ValueError,
        "size",
    ),
    "images.generate(response_format='png')": (
        lambda c, _: c.images.generate(prompt="fox", response_format="png"),  # type: ignore[arg-type]
        ValueError,
        "response_format",
    ),
    "images.generate(quality=5)": (
        lambda c, _: c.images.generate(prompt="fox", quality=5),  # type: ignore[arg-type]
        TypeError,
        "quality",
    ),
    "images.generate(style=5)": (
        lambda c, _: c.images.generate(prompt="fox", style=5),  # type: ignore[arg-type]
        TypeError,
        "style",
    ),
    "images.generate(user=5)": (
        lambda c, _: c.images.generate(prompt="fox", user=5),  # type: ignore[arg-type]
        TypeError,
        "user",
    ),
    "images.generate(on_progress=5)": (
        lambda c, _: c.images.generate(prompt="fox", on_progress=5),  # type: ignore[arg-type]
        TypeError,
        "on_progress",
    ),
    "images.generate(token_type='gold')": (
        lambda c, _: c.images.generate(prompt="fox", token_type="gold"),  # type: ignore[arg-type]
        ValueError,
        "token_type",
    ),
    "images.generate(extra_body={'seed': nan})": (
        lambda c, _: c.images.generate(prompt="fox", extra_body={"seed": NAN}),
        ValueError,
        "seed",
    ),
    **bad_timeouts("images.generate", lambda c, t: c.images.generate(prompt="fox", timeout=t)),
    # -- images.edit -------------------------------------------------------------------------
    "images.edit(image=b'hello')": (
        lambda c, _: c.images.edit(image=b"hello", prompt="fox"),
        ValueError,
        "image",
    ),
    "images.edit(image=5)": (
        lambda c, _: c.images.edit(image=5, prompt="fox"),  # type: ignore[arg-type]
        TypeError,
        "image",
    ),
    "images.edit(image='path')": (
        lambda c, path: c.images.edit(image=path, prompt="fox"),
        ValueError,
        "allow_local_files",
    ),
    "images.edit(mask=b'hello')": (
        lambda c, _: c.images.edit(image=PNG, mask=b"hello", prompt="fox"),
        ValueError,
        "mask",
    ),
    "images.edit(mask='path')": (
        lambda c, path: c.images.edit(image=PNG, mask=path, prompt="fox"),
        ValueError,
        "allow_local_files",
    ),
    "images.edit(model=5)": (
        lambda c, _: c.images.edit(image=PNG, prompt="fox", model=5),  # type: ignore[arg-type]
        TypeError,
        "model",
    ),
    "images.edit(extra_body={'seed': inf})": (
        lambda c, _: c.images.edit(image=PNG, prompt="fox", extra_body={"seed": INF}),
        ValueError,
        "seed",
    ),
    **bad_timeouts("images.edit", lambda c, t: c.images.edit(image=PNG, prompt="fox", timeout=t)),
    # -- media.upload ------------------------------------------------------------------------
    "media.upload(5)": (lambda c, _: c.media.upload(5), TypeError, "file"),
    "media.upload(b'')": (lambda c, _: c.media.upload(b""), ValueError, "empty"),
    "media.upload(b'hello')": (lambda c, _: c.media.upload(b"hello"), ValueError, "content type"),
    "media.upload('path')": (
        lambda c, path: c.media.upload(path),
        ValueError,
        "allow_local_files",
    ),
    "media.upload(kind='banana')": (
        lambda c, _: c.media.upload(PNG, kind="banana"),  # type: ignore[arg-type]
        ValueError,
        "kind",
    ),
    "media.upload(kind=5)": (
        lambda c, _: c.media.upload(PNG, kind=5),  # type: ignore[arg-type]
        TypeError,
        "kind",
    ),
    "media.upload(content_type=5)": (
        lambda c, _: c.media.upload(PNG, content_type=5),  # type: ignore[arg-type]
        TypeError,
        "content_type",
    ),
    "media.upload(content_type='text/plain')": (
        lambda c, _: c.media.upload(PNG, content_type="text/plain"),
        ValueError,
        "content type",
    ),
    **bad_timeouts("media.upload", lambda c, t: c.media.upload(PNG, timeout=t)),
    # -- workflows ---------------------------------------------------------------------------
    "workflows.create(steps=5)": (
        lambda c, _: c.workflows.create(steps=5),  # type: ignore[arg-type]
        ValueError,
        "steps",
    ),
    "workflows.create(idempotency_key=header injection)": (
        lambda c, _: c.workflows.create(steps=STEPS, idempotency_key=BAD_KEY),
        ValueError,
        "idempotency_key",
    ),
    "workflows.create(idempotency_key=5)": (
        lambda c, _: c.workflows.create(steps=STEPS, idempotency_key=5),  # type: ignore[arg-type]
        TypeError,
        "idempotency_key",
    ),
    "workflows.create(workflow_id=5)": (
        lambda c, _: c.workflows.create(workflow_id=5),  # type: ignore[arg-type]
        TypeError,
        "workflow_id",
    ),
    "workflows.create(inputs=5)": (
        lambda c, _: c.workflows.create(workflow_id="t", inputs=5),  # type: ignore[arg-type]
        TypeError,
        "inputs",
    ),
    "workflows.create(steps=[arguments nested 5,000 deep])": (
        lambda c, _: c.workflows.create(
            steps=[{"tool": "generate_image", "arguments": {"prompt": "x", "d": DEEP}}]
        ),
        ValueError,
        r"steps\[0\]\.arguments\.d\[0\]",
    ),
    "workflows.create(steps=[data URI nested 5,000 deep])": (
        lambda c, _: c.workflows.create(
            steps=[{"tool": "generate_image", "arguments": {"prompt": "x", "d": DEEP_URI}}]
        ),
        ValueError,
        r"steps\[0\]\.arguments\.d\.k\.k",
    ),
    "workflows.create(media=5)": (
        lambda c, _: c.workflows.create(steps=STEPS, media=5),  # type: ignore[arg-type]
        TypeError,
        "media",
    ),
    "workflows.create(media=['path'])": (
        lambda c, path: c.workflows.create(steps=STEPS, media=[path]),
        ValueError,
        "allow_local_files",
    ),
    "workflows.create(media=['~/x.png'])": (
        lambda c, _: c.workflows.create(steps=STEPS, media=["~/x.png"]),
        ValueError,
        "allow_local_files",
    ),
    "workflows.create(media=[b'hello'])": (
        lambda c, _: c.workflows.create(steps=STEPS, media=[b"hello"]),
        ValueError,
        r"media\[0\]",
    ),
    "workflows.create(extra_body={'x': nan}) with media": (
        lambda c, _: c.workflows.create(steps=STEPS, media=[PNG], extra_body={"x": NAN}),
        ValueError,
        "x is nan",
    ),
    "workflows.create(steps with an infinite argument) with media": (
        lambda c, _: c.workflows.create(
            steps=[{"tool": "generate_image", "arguments": {"prompt": "fox", "seed": INF}}],
            media=[PNG],
        ),
        ValueError,
        "seed is inf",
    ),
    "workflows.create(app_source=5)": (
        lambda c, _: c.workflows.create(steps=STEPS, app_source=5),  # type: ignore[arg-type]
        TypeError,
        "app_source",
    ),
    **bad_timeouts("workflows.create", lambda c, t: c.workflows.create(steps=STEPS, timeout=t)),
    "workflows.retrieve(5)": (
        lambda c, _: c.workflows.retrieve(5),  # type: ignore[arg-type]
        TypeError,
        "workflow_id",
    ),
    "workflows.list(limit=0)": (lambda c, _: c.workflows.list(limit=0), ValueError, "limit"),
    **bad_timeouts("workflows.list", lambda c, t: c.workflows.list(timeout=t)),
    "workflows.events(after=-1)": (
        lambda c, _: c.workflows.events("wf1", after=-1),
        ValueError,
        "after",
    ),
    "workflows.stream(after=1.5)": (
        lambda c, _: c.workflows.stream("wf1", after=1.5),  # type: ignore[arg-type]
        TypeError,
        "after",
    ),
    **bad_timeouts("workflows.stream", lambda c, t: c.workflows.stream("wf1", timeout=t)),
    "workflows.wait(on_progress=5)": (
        lambda c, _: c.workflows.wait("wf1", on_progress=5),  # type: ignore[arg-type]
        TypeError,
        "on_progress",
    ),
    **bad_timeouts("workflows.wait", lambda c, t: c.workflows.wait("wf1", timeout=t)),
    "workflows.cancel(reason=object())": (
        lambda c, _: c.workflows.cancel("wf1", reason=object()),  # type: ignore[arg-type]
        TypeError,
        "reason",
    ),
    "workflows.cancel(5)": (
        lambda c, _: c.workflows.cancel(5),  # type: ignore[arg-type]
        TypeError,
        "workflow_id",
    ),
    "workflows.resume(billing_mode='free')": (
        lambda c, _: c.workflows.resume("wf1", billing_mode="free"),
        ValueError,
        "billing_mode",
    ),
    "workflows.reseed(seed_overrides=5)": (
        lambda c, _: c.workflows.reseed("wf1", seed_overrides=5),
        TypeError,
        "seed_overrides",
    ),
    "workflows.reseed(idempotency_key=header injection)": (
        lambda c, _: c.workflows.reseed("wf1", idempotency_key=BAD_KEY),
        ValueError,
        "idempotency_key",
    ),
    "workflows.templates.retrieve(5)": (
        lambda c, _: c.workflows.templates.retrieve(5),  # type: ignore[arg-type]
        TypeError,
        "template_id",
    ),
    "workflows.templates.create(idempotency_key=header injection)": (
        lambda c, _: c.workflows.templates.create(name="t", idempotency_key=BAD_KEY),
        ValueError,
        "idempotency_key",
    ),
    "workflows.templates.fork(new_name=5)": (
        lambda c, _: c.workflows.templates.fork("t1", new_name=5),
        ValueError,
        "new_name",
    ),
    **bad_timeouts("workflows.templates.list", lambda c, t: c.workflows.templates.list(timeout=t)),
    **bad_timeouts(
        "workflows.templates.retrieve", lambda c, t: c.workflows.templates.retrieve("t1", timeout=t)
    ),
    **bad_timeouts(
        "workflows.templates.create", lambda c, t: c.workflows.templates.create(name="t", timeout=t)
    ),
    **bad_timeouts(
        "workflows.templates.update",
        lambda c, t: c.workflows.templates.update("t1", name="u", timeout=t),
    ),
    **bad_timeouts(
        "workflows.templates.delete", lambda c, t: c.workflows.templates.delete("t1", timeout=t)
    ),
    **bad_timeouts(
        "workflows.templates.fork", lambda c, t: c.workflows.templates.fork("t1", timeout=t)
    ),
    # -- chat.runs ---------------------------------------------------------------------------
    "chat.runs.create(messages=5)": (
        lambda c, _: c.chat.runs.create(messages=5),  # type: ignore[arg-type]
        TypeError,
        "messages",
    ),
    "chat.runs.create(idempotency_key=header injection)": (
        lambda c, _: c.chat.runs.create(messages=USER, idempotency_key=BAD_KEY),
        ValueError,
        "idempotency_key",
    ),
    "chat.runs.create(session_id=5)": (
        lambda c, _: c.chat.runs.create(messages=USER, session_id=5),  # type: ignore[arg-type]
        TypeError,
        "session_id",
    ),
    "chat.runs.create(media=['path'])": (
        lambda c, path: c.chat.runs.create(messages=USER, media=[path]),
        ValueError,
        "allow_local_files",
    ),
    "chat.runs.create(runtime_config={'x': nan}) with media": (
        lambda c, _: c.chat.runs.create(messages=USER, media=[PNG], runtime_config={"x": NAN}),
        ValueError,
        "x is nan",
    ),
    "chat.runs.create(extra_body={'x': inf}) with an image to upload": (
        lambda c, _: c.chat.runs.create(
            messages=[
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": PNG}}]}
            ],
            extra_body={"x": INF},
        ),
        ValueError,
        "x is inf",
    ),
    **bad_timeouts("chat.runs.create", lambda c, t: c.chat.runs.create(messages=USER, timeout=t)),
    "chat.runs.retrieve(5)": (
        lambda c, _: c.chat.runs.retrieve(5),  # type: ignore[arg-type]
        TypeError,
        "run_id",
    ),
    "chat.runs.events(after='a b')": (
        lambda c, _: c.chat.runs.events("run_1", after="a b"),
        ValueError,
        "after",
    ),
    **bad_timeouts("chat.runs.stream", lambda c, t: c.chat.runs.stream("run_1", timeout=t)),
    "chat.runs.wait(on_event=5)": (
        lambda c, _: c.chat.runs.wait("run_1", on_event=5),  # type: ignore[arg-type]
        TypeError,
        "on_event",
    ),
    "chat.runs.wait(approve_cost=5)": (
        lambda c, _: c.chat.runs.wait("run_1", approve_cost=5),  # type: ignore[arg-type]
        TypeError,
        "approve_cost",
    ),
    **bad_timeouts("chat.runs.wait", lambda c, t: c.chat.runs.wait("run_1", timeout=t)),
    "chat.runs.cancel(reason=object())": (
        lambda c, _: c.chat.runs.cancel("run_1", reason=object()),  # type: ignore[arg-type]
        TypeError,
        "reason",
    ),
    "chat.runs.confirm_cost(decision='maybe')": (
        lambda c, _: c.chat.runs.confirm_cost("run_1", tool_call_id="t", decision="maybe"),
        ValueError,
        "decision",
    ),
    "chat.runs.confirm_cost(tool_call_id=5)": (
        lambda c, _: c.chat.runs.confirm_cost(
            "run_1",
            tool_call_id=5,  # type: ignore[arg-type]
            decision="cancel",
        ),
        TypeError,
        "tool_call_id",
    ),
    "chat.runs.confirm_cost(accepted_cost_preview=5)": (
        lambda c, _: c.chat.runs.confirm_cost(
            "run_1",
            tool_call_id="t",
            decision="cancel",
            accepted_cost_preview=5,  # type: ignore[arg-type]
        ),
        TypeError,
        "accepted_cost_preview",
    ),
    "chat.runs.confirm_cost(reason=object())": (
        lambda c, _: c.chat.runs.confirm_cost(
            "run_1",
            tool_call_id="t",
            decision="cancel",
            reason=object(),  # type: ignore[arg-type]
        ),
        TypeError,
        "reason",
    ),
    "chat.runs.confirm_cost(idempotency_key=header injection)": (
        lambda c, _: c.chat.runs.confirm_cost(
            "run_1", tool_call_id="t", decision="cancel", idempotency_key=BAD_KEY
        ),
        ValueError,
        "idempotency_key",
    ),
    # -- responses ---------------------------------------------------------------------------
    "responses.create(input=5)": (
        lambda c, _: c.responses.create(input=5),  # type: ignore[arg-type]
        TypeError,
        "input",
    ),
    "responses.create(previous_response_id=5)": (
        lambda c, _: c.responses.create(input="hi", previous_response_id=5),  # type: ignore[arg-type]
        TypeError,
        "previous_response_id",
    ),
    "responses.create(store='yes')": (
        lambda c, _: c.responses.create(input="hi", store="yes"),  # type: ignore[arg-type]
        TypeError,
        "store",
    ),
    "responses.create(max_output_tokens=-1)": (
        lambda c, _: c.responses.create(input="hi", max_output_tokens=-1),
        ValueError,
        "max_tokens",
    ),
    "responses.create(input=['path' image])": (
        lambda c, path: c.responses.create(
            input=[
                {
                    "role": "user",
                    "content": [{"type": "input_image", "image_url": path}],
                }
            ]
        ),
        ValueError,
        "allow_local_files",
    ),
    **bad_timeouts("responses.create", lambda c, t: c.responses.create(input="hi", timeout=t)),
    "responses.stream(input=5)": (
        lambda c, _: c.responses.stream(input=5),  # type: ignore[arg-type]
        TypeError,
        "input",
    ),
    "responses.parse(text_format=5)": (
        lambda c, _: c.responses.parse(input="hi", text_format=5),  # type: ignore[arg-type]
        TypeError,
        "text_format|response_format",
    ),
    "responses.retrieve(5)": (
        lambda c, _: c.responses.retrieve(5),  # type: ignore[arg-type]
        TypeError,
        "response_id",
    ),
    "responses.retrieve(stream=True)": (
        lambda c, _: c.responses.retrieve("resp_1", stream=True),  # type: ignore[arg-type]
        ValueError,
        "stream",
    ),
    "responses.retrieve(unknown keyword)": (
        lambda c, _: c.responses.retrieve("resp_1", colour="red"),  # type: ignore[call-arg]
        TypeError,
        "colour",
    ),
    "responses.delete(5)": (
        lambda c, _: c.responses.delete(5),  # type: ignore[arg-type]
        TypeError,
        "response_id",
    ),
    "responses.input_items.list(5)": (
        lambda c, _: c.responses.input_items.list(5),  # type: ignore[arg-type]
        TypeError,
        "response_id",
    ),
    "responses.input_items.list(limit=0)": (
        lambda c, _: c.responses.input_items.list("resp_1", limit=0),
        ValueError,
        "limit",
    ),
    "responses.input_items.list(order='newest')": (
        lambda c, _: c.responses.input_items.list("resp_1", order="newest"),  # type: ignore[arg-type]
        ValueError,
        "order",
    ),
    "responses.input_items.list(after=5)": (
        lambda c, _: c.responses.input_items.list("resp_1", after=5),  # type: ignore[arg-type]
        TypeError,
        "after",
    ),
    # -- estimate_cost -----------------------------------------------------------------------
    "estimate_cost(messages=5)": (
        lambda c, _: c.chat.completions.estimate_cost(messages=5),  # type: ignore[arg-type]
        ValueError,
        "messages",
    ),
    "estimate_cost(model=5)": (
        lambda c, _: c.chat.completions.estimate_cost(messages=USER, model=5),  # type: ignore[arg-type]
        TypeError,
        "model",
    ),
    "estimate_cost(token_type='gold')": (
        lambda c, _: c.chat.completions.estimate_cost(messages=USER, token_type="gold"),  # type: ignore[arg-type]
        ValueError,
        "token_type",
    ),
    **bad_timeouts(
        "estimate_cost", lambda c, t: c.chat.completions.estimate_cost(messages=USER, timeout=t)
    ),
}


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    """A loopback server that records every request (and answers each with a 400)."""

    def script(exchange: Exchange) -> None:
        exchange.send(json_response(400, {"error": {"message": "should not be reached"}}))

    with HostileServer(script) as running:
        yield running


@pytest.fixture(scope="module")
def png_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The path of a real PNG file, as a plain string."""
    path = tmp_path_factory.mktemp("files") / "fox.png"
    path.write_bytes(PNG)
    return str(path)


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_before_anything_is_sent(
    server: HostileServer, png_path: str, case: str
) -> None:
    """Each bad argument is a TypeError/ValueError naming the parameter; nothing is sent."""
    call, error, named = CASES[case]
    before = len(server.requests)
    with server.client(tool_timeout=2) as client, pytest.raises(error, match=named):
        result = call(client, png_path)
        if isinstance(result, Iterator):  # an iterator must refuse before its first item
            next(result)
    assert len(server.requests) == before


# -- local files: the chat path's rule everywhere ---------------------------------------------


@pytest.fixture
def emulator() -> Iterator[Any]:
    """A fresh emulator with short workflows."""
    from sogni_compat.testing import LocalSogniServer

    with LocalSogniServer(workflow_seconds=0.1) as running:
        yield running


def uploads(server: Any) -> int:
    """How many presigned uploads the emulator received."""
    return sum(1 for r in server.requests if r.method == "PUT")


@pytest.mark.parametrize(
    "call",
    [
        lambda c, f: c.media.upload(f),
        lambda c, f: c.images.edit(image=f, prompt="make it blue"),
        lambda c, f: c.workflows.create(steps=STEPS, media=[f]),
    ],
    ids=["media.upload", "images.edit", "workflows.create"],
)
def test_local_files_as_path_objects_or_opt_in(emulator: Any, png_path: str, call: Call) -> None:
    """A pathlib.Path, an open file or allow_local_files=True reads the file; a string does not."""
    with emulator.client() as client:
        with pytest.raises(ValueError, match=r"pathlib\.Path"):
            call(client, png_path)
        assert uploads(emulator) == 0
        call(client, Path(png_path))  # type: ignore[arg-type]
        assert uploads(emulator) == 1
        with open(png_path, "rb") as file:
            call(client, file)  # type: ignore[arg-type]
        assert uploads(emulator) == 2
    with emulator.client(allow_local_files=True) as trusting:
        call(trusting, png_path)
        assert uploads(emulator) == 3
