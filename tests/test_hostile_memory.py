"""Nothing a server sends, and no message a user passes, can exhaust the process.

Sizes are checked with ``tracemalloc`` (the peak of Python allocations during the call), with
limits set low so a bomb many times larger shows at once whether anything was held whole.
"""

from __future__ import annotations

import json
import os
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import responses

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.types.chat import ChatCompletionMessageParam

from ._helpers import API_KEY, BASE_URL, CHAT_URL, completion, error_class
from ._hostile import (
    Exchange,
    HostileServer,
    WorkflowScript,
    event_stream_head,
    gzip_bomb,
    head,
    response,
    tool_call,
)

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
MIB = 1 << 20
Serve = Callable[[Callable[[Exchange], None]], HostileServer]


def peak_of(call: Callable[[], object]) -> tuple[int, BaseException | None]:
    """The peak bytes Python allocated while ``call`` ran, and what it raised."""
    tracemalloc.start()
    try:
        call()
    except Exception as exc:
        error: BaseException | None = exc
    else:
        error = None
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, error


def test_gzip_bomb_is_capped_at_its_decoded_size(hostile: Serve) -> None:
    """A 200 whose gzip body inflates to 64 MiB stops at max_response_bytes, decoded."""
    bomb = gzip_bomb(64 * MIB)
    assert len(bomb) < MIB // 8

    def answer(exchange: Exchange) -> None:
        fields = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        exchange.send(head(200, {**fields, "Content-Length": str(len(bomb))}) + bomb)

    client = hostile(answer).client(max_response_bytes=MIB)
    peak, error = peak_of(lambda: client.chat.completions.create(messages=USER))
    assert error_class(error) is sogni_compat.APIResponseValidationError
    assert "max_response_bytes=1,048,576" in str(error)
    assert peak < 6 * MIB


def test_plain_body_over_the_cap(hostile: Serve) -> None:
    """An uncompressed body over max_response_bytes is refused without keeping it."""
    whole = response(200, b'{"pad": "' + b"x" * (5 * MIB) + b'"}')  # built before measuring
    client = hostile(lambda exchange: exchange.send(whole)).client(max_response_bytes=MIB)
    peak, error = peak_of(lambda: client.chat.completions.create(messages=USER))
    assert error_class(error) is sogni_compat.APIResponseValidationError
    assert peak < 4 * MIB


def test_answer_at_the_cap_is_accepted(hostile: Serve) -> None:
    """A body just under max_response_bytes is read normally."""
    body = (
        b'{"object": "chat.completion", "choices": [{"index": 0, "message": {"role": '
        b'"assistant", "content": "' + b"y" * (MIB - 200) + b'"}, "finish_reason": "stop"}]}'
    )
    client = hostile(lambda exchange: exchange.send(response(200, body))).client(
        max_response_bytes=MIB
    )
    answer = client.chat.completions.create(messages=USER)
    assert len(answer.choices[0].message.content or "") == MIB - 200


def test_streamed_gzip_bomb_hits_the_event_cap(hostile: Serve) -> None:
    """A gzip event stream inflating to one 64 MiB line ends in APIError at max_event_bytes."""
    line = gzip_bomb(64 * MIB)

    def answer(exchange: Exchange) -> None:
        fields = {"Content-Type": "text/event-stream", "Content-Encoding": "gzip"}
        exchange.send(head(200, {**fields, "Content-Length": str(len(line))}) + line)

    client = hostile(answer).client(max_event_bytes=MIB)
    peak, error = peak_of(lambda: list(client.chat.completions.create(messages=USER, stream=True)))
    assert error_class(error) is sogni_compat.APIError
    assert "max_event_bytes=1,048,576" in str(error)
    assert peak < 6 * MIB


@pytest.mark.parametrize(
    "flood",
    [
        pytest.param(lambda: b"data: " + b"a" * (4 * MIB), id="one endless line"),
        pytest.param(lambda: b"data: aaaaaaaa\n" * (MIB // 2), id="data lines, no blank line"),
        pytest.param(lambda: b": " + b"c" * (4 * MIB), id="an endless comment"),
    ],
)
def test_endless_event_is_capped(hostile: Serve, flood: Callable[[], bytes]) -> None:
    """An event (or line) that never ends raises APIError at max_event_bytes."""
    data = flood()

    def answer(exchange: Exchange) -> None:
        exchange.send(event_stream_head())
        exchange.send(data)
        exchange.wait(10)

    client = hostile(answer).client(max_event_bytes=256 * 1024)
    peak, error = peak_of(lambda: list(client.chat.completions.create(messages=USER, stream=True)))
    assert error_class(error) is sogni_compat.APIError
    assert "max_event_bytes" in str(error)
    assert peak < 3 * MIB


def test_accumulated_stream_is_capped(hostile: Serve) -> None:
    """get_final_completion() keeps at most max_response_bytes of text."""
    event = b'data: {"choices": [{"index": 0, "delta": {"content": "' + b"z" * 1000 + b'"}}]}\n\n'

    def answer(exchange: Exchange) -> None:
        exchange.send(event_stream_head() + event * 3000)
        exchange.close()

    client = hostile(answer).client(max_response_bytes=1024 * 1024)
    stream = client.chat.completions.create(messages=USER, stream=True)
    with pytest.raises(sogni_compat.APIError, match="max_response_bytes=1,048,576"):
        stream.get_final_completion()


def test_workflow_event_over_the_cap_fails_the_tool(hostile: Serve) -> None:
    """A workflow stream with one endless event fails that tool, not the process."""

    def endless(exchange: Exchange) -> None:
        exchange.send(event_stream_head() + b"data: " + b"w" * (2 * MIB))
        exchange.wait(10)

    client = hostile(WorkflowScript(endless)).client(max_event_bytes=MIB)
    answer = client.chat.completions.create(
        messages=USER, sogni_tools=True, auto_execute_tools=True
    )
    result = answer.tool_history[0].tool_results[0]
    assert not result.success
    assert "max_event_bytes" in (result.error or "")


# -- fan-out ---------------------------------------------------------------------------------


def test_tool_calls_per_round_are_capped(hostile: Serve) -> None:
    """An answer asking for 40 paid media tools starts 16 workflows; the rest are told why."""

    def finishes(exchange: Exchange) -> None:
        exchange.send(event_stream_head() + b'data: {"status": "completed"}\n\n')
        exchange.close()

    calls = [tool_call("generate_image", "{}", f"t{i}") for i in range(40)]
    script = WorkflowScript(finishes, status="completed", calls=calls)
    client = hostile(script).client()
    answer = client.chat.completions.create(
        messages=USER, sogni_tools=True, auto_execute_tools=True
    )
    results = answer.tool_history[0].tool_results
    assert script.started == 16
    assert [r.success for r in results] == [True] * 16 + [False] * 24
    assert "max_tool_calls_per_round" in (results[-1].error or "")
    assert len(results) == 40  # every call got an answer


def test_tool_call_cap_is_configurable(mock: responses.RequestsMock) -> None:
    """max_tool_calls_per_round=2 runs two handlers of five calls."""
    calls = [tool_call("add", '{"a": 1}', f"c{i}") for i in range(5)]
    first = completion("")
    first["choices"][0].update(finish_reason="tool_calls")
    first["choices"][0]["message"]["tool_calls"] = calls
    mock.post(CHAT_URL, json=first)
    mock.post(CHAT_URL, json=completion("ok"))
    ran: list[int] = []

    def add(a: int) -> int:
        ran.append(a)
        return a

    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    client.chat.completions.create(
        messages=USER,
        auto_execute_tools=True,
        tool_handlers={"add": add},
        max_tool_calls_per_round=2,
    )
    assert ran == [1, 1]


@pytest.mark.parametrize("value", [0, -1, 1.5, "16"])
def test_tool_call_cap_is_validated(value: object) -> None:
    """max_tool_calls_per_round must be an integer of at least 1."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    with pytest.raises((TypeError, ValueError), match="max_tool_calls_per_round"):
        client.chat.completions.create(
            messages=USER,
            auto_execute_tools=True,
            max_tool_calls_per_round=value,  # type: ignore[arg-type]
        )


# -- local files -----------------------------------------------------------------------------


def with_image(source: Any) -> list[ChatCompletionMessageParam]:
    """One user message carrying an image."""
    return [{"role": "user", "content": [{"type": "image_url", "image_url": source}]}]


def finishes_quickly(call: Callable[[], object], seconds: float = 5.0) -> BaseException | None:
    """Run ``call`` in a thread; fail the test if it blocks. Returns what it raised."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            call()
        except Exception as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, "the call blocked"
    return outcome[0]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_device_is_not_read() -> None:
    """An image path naming a device is refused at once, without reading it."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    error = finishes_quickly(
        lambda: client.chat.completions.create(messages=with_image(Path("/dev/zero")))
    )
    assert isinstance(error, ValueError)
    assert "not a regular file" in str(error)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_does_not_block(tmp_path: Path) -> None:
    """An image path naming a FIFO with no writer is refused instead of waiting for ever."""
    fifo = tmp_path / "image.png"
    os.mkfifo(fifo)
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    error = finishes_quickly(lambda: client.chat.completions.create(messages=with_image(fifo)))
    assert isinstance(error, ValueError)
    assert "not a regular file" in str(error)


def test_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    """A 41 MB file is refused from its size alone."""
    big = tmp_path / "big.png"
    with big.open("wb") as file:
        file.truncate(45 * MIB)  # sparse: nothing is written
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    peak, error = peak_of(lambda: client.chat.completions.create(messages=with_image(big)))
    assert isinstance(error, ValueError)
    assert "at most 10 MB" in str(error)
    assert peak < MIB


def test_directory_is_refused(tmp_path: Path) -> None:
    """A directory is not an image file."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    with pytest.raises(ValueError, match=r"cannot read the image file|not a regular file"):
        client.chat.completions.create(messages=with_image(tmp_path))


def test_string_paths_need_the_opt_in(tmp_path: Path) -> None:
    """A plain string is not opened as a path unless allow_local_files=True."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    with pytest.raises(ValueError, match=r"pass a pathlib\.Path") as caught:
        client.chat.completions.create(messages=with_image(str(secret)))
    assert "allow_local_files=True" in str(caught.value)


# -- image URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/cat.png",
        "https://localhost/cat.png",
        "https://[::1]/cat.png",
        "https://10.0.0.7/cat.png",
        "https://192.168.1.1/cat.png",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:10.0.0.1]/cat.png",
        "https://[64:ff9b::a9fe:a9fe]/latest/meta-data",
        "https://[2002:7f00:1::]/cat.png",
        "https://[::127.0.0.1]/cat.png",
    ],
)
def test_private_image_addresses_are_refused(url: str) -> None:
    """With a public base_url, image URLs on this machine or a private network are refused."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL, timeout=(0.5, 0.5))
    with pytest.raises(ValueError, match="loopback, private or link-local"):
        client.chat.completions.create(messages=with_image(url))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://images.test/cat.png", "must be https://"),
        ("ftp://images.test/cat.png", "must be https://"),
        ("https://user:pw@images.test/cat.png", "not a URL an image can be downloaded from"),
    ],
)
def test_image_url_schemes(url: str, problem: str) -> None:
    """Only https:// is fetched (plain http only from this machine); no credentials in URLs."""
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    with pytest.raises(ValueError, match=problem):
        client.chat.completions.create(messages=with_image(url))


def test_redirect_to_plain_http_is_refused(mock: responses.RequestsMock) -> None:
    """An https image URL redirecting to http:// is refused."""
    mock.get(
        "https://images.test/a.png", status=302, headers={"Location": "http://images.test/b.png"}
    )
    client = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    with pytest.raises(ValueError, match="redirects to plain http"):
        client.chat.completions.create(messages=with_image("https://images.test/a.png"))


def test_image_redirects_are_limited(hostile: Serve) -> None:
    """Redirects are followed at most three times, each checked like the first URL."""
    png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0"

    def images(exchange: Exchange) -> None:
        hops = int(exchange.path.rsplit("/", 1)[1])
        if hops:
            where = f"/img/{hops - 1}"
            fields = {"Location": where, "Content-Length": "0", "Connection": "close"}
            exchange.send(head(302, fields, "Found"))
        else:
            exchange.send(response(200, png, "image/png", Connection="close"))
        exchange.close()

    server = hostile(images)
    client = OpenAI(api_key=API_KEY, base_url=server.base_url, max_retries=0)
    with pytest.raises(ValueError, match="redirects more than 3 times"):
        client.chat.completions.create(messages=with_image(f"{server.root_url}/img/4"))

    def to_file(exchange: Exchange) -> None:
        fields = {"Location": "file:///etc/passwd", "Content-Length": "0", "Connection": "close"}
        exchange.send(head(302, fields))
        exchange.close()

    other = hostile(to_file)
    client = OpenAI(api_key=API_KEY, base_url=other.base_url, max_retries=0)
    with pytest.raises(ValueError, match=r"must be https://.*file:///etc/passwd"):
        client.chat.completions.create(messages=with_image(f"{other.root_url}/x.png"))


@pytest.mark.parametrize("kind", ["tool calls", "choices"])
def test_accumulate_counts_pieces_not_only_text(hostile: Serve, kind: str) -> None:
    """Thousands of tiny tool calls or choices reach max_response_bytes like text would."""

    def delta(i: int) -> bytes:
        if kind == "choices":
            choice = {"index": i, "delta": {"content": "x"}}
        else:
            call = {"index": i, "id": f"c{i}", "function": {"name": "f", "arguments": "{}"}}
            choice = {"index": 0, "delta": {"tool_calls": [call]}}
        return b"data: " + json.dumps({"choices": [choice]}).encode() + b"\n\n"

    payload = b"".join(delta(i) for i in range(20_000))

    def answer(exchange: Exchange) -> None:
        exchange.send(event_stream_head())
        exchange.send(payload)
        exchange.close()

    client = hostile(answer).client(max_response_bytes=1024 * 1024)
    stream = client.chat.completions.create(messages=USER, stream=True)
    with pytest.raises(sogni_compat.APIError, match="max_response_bytes"):
        stream.get_final_completion()


def test_genuine_openai_clients_keep_the_size_caps(hostile: Serve) -> None:
    """as_openai(): an answer over max_response_bytes is a 502, an endless event an APIError.

    The same for the Responses API, which the client answers through chat completions.
    """
    openai = pytest.importorskip("openai")
    bomb = gzip_bomb(64 * MIB)

    def answer(exchange: Exchange) -> None:
        if exchange.json().get("stream"):
            exchange.send(event_stream_head())
            exchange.send(b"data: " + b"e" * (2 * MIB))
            exchange.wait(5)
        else:
            fields = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
            exchange.send(head(200, {**fields, "Content-Length": str(len(bomb))}) + bomb)

    client = hostile(answer).client(max_response_bytes=MIB, max_event_bytes=MIB)
    with client.as_openai() as genuine:
        with pytest.raises(openai.InternalServerError):  # once unmeasured: openai's lazy imports
            genuine.chat.completions.create(model="m", messages=USER)
        peak, error = peak_of(lambda: genuine.chat.completions.create(model="m", messages=USER))
        assert isinstance(error, openai.InternalServerError)
        assert "max_response_bytes" in str(error)
        assert peak < 8 * MIB
        stream = genuine.chat.completions.create(model="m", messages=USER, stream=True)
        with pytest.raises(sogni_compat.APIError, match="max_event_bytes"):
            list(stream)
        peak, error = peak_of(lambda: genuine.responses.create(model="m", input="hi"))
        assert isinstance(error, openai.InternalServerError)
        assert "max_response_bytes" in str(error)
        assert peak < 8 * MIB
        with pytest.raises(openai.APIError, match="max_event_bytes"):  # on the first event
            list(genuine.responses.create(model="m", input="hi", stream=True))
