"""The API key goes into the Authorization header and nowhere else.

Not into an error's text, repr, body or pickle (however the server echoes it), not into
traceback locals, not into log lines; a bad key is refused without being echoed; the
``http://`` refusal reads URLs with the parser that connects; loopback is never proxied.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import multiprocessing
import pickle
import subprocess
import sys
import traceback
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types.chat import ChatCompletionMessageParam

from ._helpers import BASE_URL, CHAT_URL, completion, error_class
from ._hostile import Exchange, HostileServer, answering, event_stream_head, head, response

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
KEY = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e"
Serve = Callable[[Callable[[Exchange], None]], HostileServer]


def everything_about(error: BaseException) -> str:
    """Every text an error shows: str, repr, message, body, details, traceback with locals.

    The traceback starts below the test's own frame (whose locals are the test's values).
    """
    parts = [str(error), repr(error)]
    for name in ("message", "body", "code", "type", "param"):
        parts.append(repr(getattr(error, name, None)))
    below_test = error.__traceback__.tb_next if error.__traceback__ is not None else None
    parts.extend(
        traceback.TracebackException(type(error), error, below_test, capture_locals=True).format()
    )
    return "".join(parts)


def assert_hidden(text: str) -> None:
    """Neither the key nor a long piece of it appears."""
    assert KEY not in text
    assert KEY[:12] not in text
    assert KEY[-12:] not in text


def stream_with(payload: bytes) -> Any:
    """A script answering with an event stream holding ``payload``."""

    def script(exchange: Exchange) -> None:
        exchange.send(event_stream_head() + payload)
        exchange.close()

    return script


ECHOES = {
    "stream error event": (
        stream_with(f'event: error\ndata: {{"message": "bad key {KEY}"}}\n\n'.encode()),
        True,
    ),
    "stream data that is not JSON": (stream_with(f"data: oops {KEY}\n\n".encode()), True),
    "stream error payload": (
        stream_with(f'data: {{"error": {{"message": "{KEY}", "code": "{KEY}"}}}}\n\n'.encode()),
        True,
    ),
    "200 with an error object": (answering(f'{{"error": "{KEY}"}}'.encode()), False),
    "200 that is not JSON": (
        answering(f"upstream said {KEY}".encode(), content_type="text/plain"),
        False,
    ),
    "401 code and type": (
        answering(
            f'{{"error": {{"message": "no", "code": "{KEY}", "type": "{KEY}"}}}}'.encode(), 401
        ),
        False,
    ),
    "401 flat body": (
        answering(
            f'{{"error": "{KEY}", "error_code": "{KEY}", "error_message": "x"}}'.encode(), 401
        ),
        False,
    ),
    "excerpt cut inside the key": (
        answering(("x" * 190 + " " + KEY + " " + "y" * 200).encode(), 502, "text/plain"),
        False,
    ),
    "200 excerpt cut inside the key": (
        answering(("z" * 185 + "=" + KEY + "&" + "w" * 200).encode()),
        False,
    ),
}


@pytest.mark.parametrize("case", list(ECHOES))
def test_echoed_key_is_masked_everywhere(hostile: Serve, case: str) -> None:
    """However the server echoes the key, no text of the error shows it."""
    script, stream = ECHOES[case]
    client = hostile(script).client(api_key=KEY)
    with pytest.raises(sogni_compat.APIError) as caught:
        if stream:
            list(client.chat.completions.create(messages=USER, stream=True))
        else:
            client.chat.completions.create(messages=USER)
    assert_hidden(everything_about(caught.value))
    assert_hidden(pickle.dumps(caught.value).decode("latin-1"))


def test_short_keys_do_not_mangle_text(mock: responses.RequestsMock) -> None:
    """A key too short to be a secret is not masked inside other words."""
    mock.post(CHAT_URL, status=400, json={"error": {"message": "model does not exist"}})
    client = OpenAI(api_key="x", base_url=BASE_URL)
    with pytest.raises(sogni_compat.BadRequestError, match="model does not exist"):
        client.chat.completions.create(messages=USER)


def test_only_whole_tokens_are_masked(mock: responses.RequestsMock) -> None:
    """A key inside a longer run of letters and digits is another token, left alone."""
    key = "abcdefgh12"
    mock.post(CHAT_URL, status=400, json={"error": {"message": f"id x{key}y; key={key}."}})
    client = OpenAI(api_key=key, base_url=BASE_URL)
    with pytest.raises(sogni_compat.BadRequestError) as caught:
        client.chat.completions.create(messages=USER)
    assert f"id x{key}y; key=***." in str(caught.value)


# -- pickles ---------------------------------------------------------------------------------


def rate_limited() -> sogni_compat.RateLimitError:
    """A real 429 from a client holding KEY (through responses)."""
    with responses.RequestsMock() as mock:
        mock.post(
            CHAT_URL,
            status=429,
            json={"error": {"message": f"slow down {KEY}", "code": "126"}},
            headers={"Retry-After": "7", "x-request-id": "req-1"},
        )
        client = OpenAI(api_key=KEY, base_url=BASE_URL, max_retries=0)
        try:
            client.chat.completions.create(messages=USER)
        except sogni_compat.RateLimitError as exc:
            return exc
    raise AssertionError("no error")


def test_status_errors_round_trip_through_pickle_without_the_key() -> None:
    """A RateLimitError unpickles with what code reads, and its pickle holds no credentials."""
    error = rate_limited()
    data = pickle.dumps(error)
    assert_hidden(data.decode("latin-1"))
    assert b"Bearer" not in data
    copy = pickle.loads(data)
    assert error_class(copy) is sogni_compat.RateLimitError
    assert str(copy) == str(error)
    assert copy.status_code == 429
    assert copy.code == "126"
    assert copy.retry_after == 7.0
    assert copy.request_id == "req-1"
    assert copy.response.headers["retry-after"] == "7"
    assert copy.response.status_code == 429
    assert copy.body == {"message": "slow down ***", "code": "126"}
    assert copy.request is not None
    assert "Authorization" not in copy.request.headers
    assert copy.request.url == CHAT_URL


def _rate_limited_in_a_worker() -> None:
    """Runs in a spawned process: a 429 from a local emulator, raised to the pool."""
    with LocalSogniServer() as server:
        server.fail_next(status=429)
        client = OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0)
        client.chat.completions.create(messages=USER)


def test_status_error_crosses_a_spawn_process_pool() -> None:
    """A 429 in a spawned worker reaches the parent as a RateLimitError; the pool survives."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        error = pool.submit(_rate_limited_in_a_worker).exception(timeout=60)
        assert error_class(error) is sogni_compat.RateLimitError
        assert isinstance(error, sogni_compat.RateLimitError)
        assert error.status_code == 429
        assert pool.submit(sum, [1, 2]).result(timeout=60) == 3


def test_connection_errors_pickle_without_the_key() -> None:
    """An APIConnectionError's request travels without its Authorization header."""
    client = OpenAI(api_key=KEY, base_url="http://127.0.0.1:9/v1", max_retries=0, timeout=1)
    with pytest.raises(sogni_compat.APIConnectionError) as caught:
        client.models.list()
    data = pickle.dumps(caught.value)
    assert_hidden(data.decode("latin-1"))
    assert error_class(pickle.loads(data)) is error_class(caught.value)


# -- traceback locals, logs, the client --------------------------------------------------------


def test_traceback_locals_do_not_show_the_key(hostile: Serve) -> None:
    """capture_locals (pytest --showlocals, Sentry) shows '***' for the key and its header."""
    cases: list[Callable[[OpenAI], object]] = [
        lambda c: c.chat.completions.create(messages=USER),
        lambda c: list(c.chat.completions.create(messages=USER, stream=True)),
    ]
    refused = OpenAI(api_key=KEY, base_url="http://127.0.0.1:9/v1", max_retries=0, timeout=1)
    server = hostile(answering(b'{"error": {"message": "busy"}}', 429))
    for client in (refused, server.client(api_key=KEY)):
        for call in cases:
            with pytest.raises(sogni_compat.APIError) as caught:
                call(client)
            text = everything_about(caught.value)
            assert_hidden(text)
            assert "    self = <" in text  # locals were captured


def test_repr_of_the_key_and_headers() -> None:
    """The key and the header dict show '***' in their reprs; str() gives the real key."""
    client = OpenAI(api_key=KEY)
    assert repr(client.api_key) == "'***'"
    assert str(client.api_key) == KEY
    assert_hidden(repr(client._headers))
    assert_hidden(repr(vars(client)))


def test_log_lines_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    """A log line of the package quoting the key (a server's text, a URL) shows '***'."""
    OpenAI(api_key=KEY)
    with caplog.at_level(logging.DEBUG, logger="sogni_compat"):
        logging.getLogger("sogni_compat").debug("server said %s", f"key {KEY} is wrong")
    assert "server said key *** is wrong" in caplog.text
    assert_hidden(caplog.text)


@pytest.mark.parametrize(
    ("key", "what"),
    [
        (KEY + "\u201d", "U+201D"),
        ("\u200b" + KEY, "U+200B"),
        (KEY[:10] + "\u00e9\u4e2d" + KEY[10:], "U+4E2D"),
        (KEY + "\t", "U+0009"),
        (KEY + "\n", "a line break"),
        (" " + KEY, "spaces"),
    ],
)
def test_unsendable_keys_are_refused_without_echo(key: str, what: str) -> None:
    """A key with a character no header can carry is refused at construction, not echoed."""
    with pytest.raises(ValueError, match="api_key") as caught:
        OpenAI(api_key=key)
    assert what in str(caught.value)
    assert_hidden(everything_about(caught.value))


# -- the http:// refusal and proxies ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://evil.test\\@127.0.0.1/v1", "backslashes"),
        ("http://evil.test\t@127.0.0.1/v1", "control characters"),
        ("http://user:hunter2-password@127.0.0.1:8000/v1", "user name or password"),
        ("https://user@api.sogni.ai/v1", "user name or password"),
        ("http://127.0.0.1 .evil.test/v1", "spaces"),
        ("http://evil.test/v1", "plain http:// to another machine"),
    ],
)
def test_base_url_read_as_the_connection_reads_it(url: str, problem: str) -> None:
    """URLs that parsers disagree on, or that carry credentials, are refused and not echoed."""
    with pytest.raises(ValueError, match=problem) as caught:
        OpenAI(api_key=KEY, base_url=url)
    assert "hunter2" not in str(caught.value)


def test_loopback_is_never_proxied(hostile: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY does not receive requests (or the key) meant for a loopback base URL."""
    proxy = hostile(answering(b"{}", 502))
    monkeypatch.setenv("HTTP_PROXY", proxy.root_url)
    monkeypatch.setenv("http_proxy", proxy.root_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = requests.Session()
    session.proxies = {"http": proxy.root_url}
    with LocalSogniServer() as server:
        for own in (None, session):
            client = OpenAI(api_key=KEY, base_url=server.base_url, http_client=own)
            assert client.chat.completions.create(messages=USER).choices[0].message.content
    assert proxy.requests == []


# -- bad values in the body ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"extra_body": {"mirostat": [1.0, float("nan")]}}, "mirostat[1] is nan"),
        (
            {
                "tools": [
                    {
                        "type": "function",
                        "function": {
                            "name": "f",
                            "parameters": {"properties": {"n": {"maximum": float("inf")}}},
                        },
                    }
                ]
            },
            "tools[0].function.parameters.properties.n.maximum is inf",
        ),
        ({"metadata": {"score": float("-inf")}}, "metadata.score is -inf"),
        ({"messages": [{"role": "user", "content": "x", "w": float("nan")}]}, "messages[0].w"),
    ],
)
def test_nan_and_infinity_are_refused_before_sending(
    mock: responses.RequestsMock, kwargs: dict[str, Any], where: str
) -> None:
    """NaN or an infinity anywhere in the body is a ValueError naming where; nothing is sent."""
    client = OpenAI(api_key=KEY, base_url=BASE_URL)
    with pytest.raises(ValueError, match="JSON cannot carry") as caught:
        client.chat.completions.create(**{"messages": USER, **kwargs})
    assert where in str(caught.value)
    assert len(mock.calls) == 0


def test_unencodable_value_names_where(mock: responses.RequestsMock) -> None:
    """An object JSON cannot encode is a TypeError naming its place in the body."""
    client = OpenAI(api_key=KEY, base_url=BASE_URL)
    with pytest.raises(TypeError, match=r"extra\.when: Object of type object"):
        client.chat.completions.create(messages=USER, extra_body={"extra": {"when": object()}})
    assert len(mock.calls) == 0


@pytest.mark.parametrize("timeout", [float("inf"), (1.0, float("inf")), float("nan")])
def test_infinite_timeouts_are_refused(timeout: Any) -> None:
    """A timeout must be a finite number of seconds, per call and per client."""
    with pytest.raises(ValueError, match="finite"):
        OpenAI(api_key=KEY, timeout=timeout)
    client = OpenAI(api_key=KEY, base_url=BASE_URL)
    with pytest.raises(ValueError, match="finite"):
        client.chat.completions.create(messages=USER, timeout=timeout)


def test_well_formed_answer_still_works(mock: responses.RequestsMock) -> None:
    """With every check in place, an ordinary call goes through unchanged."""
    mock.post(CHAT_URL, json=completion("fine"))
    client = OpenAI(api_key=KEY, base_url=BASE_URL)
    assert client.chat.completions.create(messages=USER).choices[0].message.content == "fine"
    assert mock.calls[0].request.headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.optional
def test_errors_pickle_without_the_key_under_tblib() -> None:
    """With tblib's pickling installed (Dask does it), chained errors still carry no key."""
    pytest.importorskip("tblib")
    code = f"""
import pickle, responses, tblib.pickling_support, sogni_compat
tblib.pickling_support.install()
KEY = {KEY!r}
client = sogni_compat.OpenAI(api_key=KEY, base_url="https://api.test/v1", max_retries=0)
errors = []
with responses.RequestsMock() as mock:
    mock.post("https://api.test/v1/chat/completions", body="upstream said " + KEY)
    try:
        client.chat.completions.create(messages=[{{"role": "user", "content": "x"}}])
    except sogni_compat.APIError as exc:
        errors.append(exc)
refused = client.with_options(base_url="http://127.0.0.1:9/v1", timeout=1)
try:
    refused.models.list()
except sogni_compat.APIError as exc:
    errors.append(exc)
for error in errors:
    data = pickle.dumps(error)
    assert KEY.encode() not in data and KEY[:12].encode() not in data, type(error)
    assert type(pickle.loads(data)).__name__ == type(error).__name__
print(len(errors))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"


def test_echo_in_a_status_line_leaves_no_chain(hostile: Serve) -> None:
    """A status line that is the key: the transport's own exceptions are cut from the chain."""
    server = hostile(lambda exchange: exchange.send(KEY.encode() + b"\r\n\r\n"))
    client = server.client(api_key=KEY)
    with pytest.raises(sogni_compat.APIConnectionError) as caught:
        client.chat.completions.create(messages=USER)
    assert_hidden("".join(traceback.format_exception(caught.value)))
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


@pytest.mark.parametrize(
    "where",
    ["location", "x-request-id", "x-custom", "reason"],
)
def test_echo_in_headers_or_reason_is_not_pickled(hostile: Serve, where: str) -> None:
    """A key echoed in a header or the reason phrase does not travel in the error's pickle."""
    status, reason, headers = (302 if where == "location" else 500), "Oops", {}
    if where == "reason":
        reason = f"bad {KEY}"
    else:
        headers[where] = f"/x?k={KEY}" if where == "location" else KEY
    fields = {**headers, "Content-Length": "0", "Connection": "close"}
    whole = head(status, fields, reason)
    client = hostile(lambda exchange: exchange.send(whole)).client(api_key=KEY)
    with pytest.raises(sogni_compat.APIStatusError) as caught:
        client.chat.completions.create(messages=USER)
    assert_hidden(everything_about(caught.value))
    assert_hidden(pickle.dumps(caught.value).decode("latin-1"))


@pytest.mark.parametrize("escape", ["\\n", "\\t", "\\r"])
def test_key_after_a_json_escape_is_masked(hostile: Serve, escape: str) -> None:
    """A key right after a JSON escape such as a newline is masked in the body and pickle."""
    body = ('{"error": {"message": "' + escape + KEY + '"}}').encode()
    client = hostile(answering(body, 401)).client(api_key=KEY)
    with pytest.raises(sogni_compat.AuthenticationError) as caught:
        client.chat.completions.create(messages=USER)
    assert_hidden(repr(caught.value.body))
    assert_hidden(pickle.dumps(caught.value).decode("latin-1"))


@pytest.mark.parametrize("encoded", ["Bearer%20", "key%3d", "%22", "Authorization%3A%20Bearer%20"])
def test_key_after_a_percent_encoded_character_is_masked(hostile: Serve, encoded: str) -> None:
    """An echo of URL-encoded text (``Bearer%20<key>``) has the key masked, as plain text does."""
    body = json.dumps({"error": {"message": f"rejected header: {encoded}{KEY}"}}).encode()
    client = hostile(answering(body, 401)).client(api_key=KEY)
    with pytest.raises(sogni_compat.AuthenticationError) as caught:
        client.chat.completions.create(messages=USER)
    assert f"rejected header: {encoded}***" in str(caught.value)
    assert_hidden(everything_about(caught.value))
    assert_hidden(pickle.dumps(caught.value).decode("latin-1"))


def test_image_downloads_share_no_cookies(hostile: Serve) -> None:
    """An image download neither sends the API's cookies nor leaves its host's cookies behind."""
    png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0"
    seen: list[str | None] = []

    def script(exchange: Exchange) -> None:
        seen.append(exchange.headers.get("cookie"))
        if exchange.path.endswith(".png"):
            fields = {"Set-Cookie": "tracker=1; Path=/", "Connection": "close"}
            exchange.send(response(200, png, "image/png", **fields))
        else:
            data = json.dumps(completion()).encode()
            exchange.send(response(200, data, **{"Set-Cookie": "apisession=1; Path=/"}))

    server = hostile(script)
    client = server.client(api_key=KEY)
    client.chat.completions.create(messages=USER)
    image = [
        {
            "role": "user",
            "content": [{"type": "image_url", "image_url": f"{server.root_url}/a.png"}],
        }
    ]
    client.chat.completions.create(messages=image)
    client.chat.completions.create(messages=USER)
    assert seen == [None, None, "apisession=1", "apisession=1"]


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_genuine_openai_clients_hold_no_key_and_mask_echoes(hostile: Serve, api: str) -> None:
    """as_openai() holds a placeholder key; echoed keys are masked in its errors and pickles.

    Also for the Responses API, which the client answers through chat completions.
    """
    openai = pytest.importorskip("openai")
    body = json.dumps({"error": {"message": f"bad key {KEY}", "code": KEY}}).encode()
    whole = response(401, body, **{"X-Echo": KEY})
    client = hostile(lambda exchange: exchange.send(whole)).client(api_key=KEY)
    with client.as_openai() as genuine:
        assert KEY not in repr(vars(genuine))
        with pytest.raises(openai.AuthenticationError) as caught:
            if api == "chat":
                genuine.chat.completions.create(model="m", messages=USER)
            else:
                genuine.responses.create(model="m", input="hi")
    assert_hidden(repr(caught.value.response.headers))
    assert_hidden(str(caught.value) + repr(caught.value.body))
    assert_hidden(pickle.dumps(caught.value).decode("latin-1"))
    assert_hidden("".join(traceback.format_exception(caught.value)))


def test_forgetting_a_key_inside_the_registry_lock_does_not_deadlock() -> None:
    """A client collected while another registers its key (same thread) is forgotten later."""
    import threading

    from sogni_compat._secrets import _SECRETS, forget_secret, mask, register_secret

    register_secret("sk-collected-0123456789")
    finished = threading.Event()

    def forget_while_locked() -> None:
        with _SECRETS._lock:  # what a GC finalizer running inside add() sees
            forget_secret("sk-collected-0123456789")
        finished.set()

    worker = threading.Thread(target=forget_while_locked, daemon=True)
    worker.start()
    assert finished.wait(5), "forget_secret waited for a lock its own thread holds"
    register_secret("sk-another-live-key-0123")
    assert mask("sk-collected-0123456789") == "sk-collected-0123456789"
    assert mask("sk-another-live-key-0123") == "***"
    forget_secret("sk-another-live-key-0123")
