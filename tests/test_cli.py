"""The command line: subprocess runs of ``python -m sogni_compat`` and in-process checks."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sogni_compat._cli import main
from sogni_compat.testing import MODELS, LocalSogniServer

from ._helpers import PNG
from ._hostile import Exchange, completion_body, event_stream_head, json_response, response

TIMEOUT = 60


def cli(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sogni_compat ARGS`` with no Sogni settings but those in ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SOGNI_", "OPENAI_"))}
    return subprocess.run(
        [sys.executable, "-m", "sogni_compat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """An emulator the CLI can be pointed at with SOGNI_BASE_URL."""
    with LocalSogniServer(api_key="cli-key") as running:
        yield running


def test_offline_chat_streams_the_echo() -> None:
    """Chat --offline needs no key or network and prints the emulator's answer."""
    result = cli("chat", "--offline", "Hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello\n"
    assert result.stderr == ""


def test_offline_before_the_command() -> None:
    """--offline may also come before the command."""
    result = cli("--offline", "models")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == list(MODELS)


def test_prompt_from_stdin() -> None:
    """A prompt of '-' is read from stdin."""
    result = cli("chat", "--offline", "-", stdin="Piped in\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Piped in\n"


def test_json_output() -> None:
    """--json prints the whole completion object."""
    result = cli("chat", "--offline", "--json", "--max-tokens", "1", "Hello world")
    assert result.returncode == 0, result.stderr
    completion = json.loads(result.stdout)
    assert completion["object"] == "chat.completion"
    assert completion["choices"][0]["message"]["content"] == "Hello"
    assert completion["choices"][0]["finish_reason"] == "length"


def test_missing_key_exits_2_naming_the_way_out() -> None:
    """Without --offline and without SOGNI_API_KEY: exit 2 and one line naming both."""
    result = cli("chat", "Hello")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "SOGNI_API_KEY" in lines[0]
    assert "--offline" in lines[0]


def test_missing_key_says_openai_key_is_not_used() -> None:
    """With only OPENAI_API_KEY set, the one-line error says it is deliberately not used."""
    result = cli("models", env={"OPENAI_API_KEY": "sk-openai-cli-secret"})
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "SOGNI_API_KEY is not set" in line
    assert "OPENAI_API_KEY is set but deliberately not used" in line
    assert "sk-openai-cli-secret" not in result.stderr


def test_api_error_exits_1_with_the_message(server: LocalSogniServer) -> None:
    """An API error prints the server's message, no traceback, and exits 1."""
    server.fail_next(
        status=402,
        body={
            "error": {"message": "Insufficient Spark balance", "type": "payment", "code": "4080"}
        },
    )
    env = {"SOGNI_API_KEY": "cli-key", "SOGNI_BASE_URL": server.base_url}
    result = cli("chat", "Hello", env=env)
    assert result.returncode == 1
    assert "Insufficient Spark balance" in result.stderr
    assert "Traceback" not in result.stderr
    wrong_key = cli("models", env={**env, "SOGNI_API_KEY": "wrong"})
    assert wrong_key.returncode == 1
    assert "Invalid API key" in wrong_key.stderr


def test_real_service_path_sends_the_options(server: LocalSogniServer) -> None:
    """With a key, the CLI sends the prompt, system message and options it was given."""
    env = {"SOGNI_API_KEY": "cli-key"}
    result = cli(
        "chat",
        "--base-url",
        server.base_url,
        "--system",
        "Be brief.",
        "--no-think",
        "--task-profile",
        "coding",
        "--temperature",
        "0.2",
        "--model",
        MODELS[1],
        "Write code",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Write code\n"
    body = server.requests[0].json
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Write code"},
    ]
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    assert body["task_profile"] == "coding"
    assert body["temperature"] == 0.2
    assert body["model"] == MODELS[1]
    assert body["stream"] is True


def run_main(*args: str, stdin: str = "") -> tuple[int, str, str]:
    """Run the CLI in-process; returns (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    status = main(list(args), stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return status, out.getvalue(), err.getvalue()


def test_thinking_goes_to_stderr() -> None:
    """--think prints the model's reasoning on stderr, the answer alone on stdout."""
    status, out, err = run_main("chat", "--offline", "--think", "a b c")
    assert status == 0
    assert out == "a b c\n"
    assert err == "The user wrote 3 tokens; I echo them.\n"
    status, out, err = run_main("chat", "--offline", "--think", "--no-stream", "a b c")
    assert (status, out, err) == (0, "a b c\n", "The user wrote 3 tokens; I echo them.\n")


def test_empty_prompt_is_a_usage_error() -> None:
    """An empty prompt (here from stdin) exits 2 without a request."""
    status, _out, err = run_main("chat", "--offline", "-", stdin="  \n")
    assert status == 2
    assert "prompt is empty" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--max-tokens", "0"), "argument --max-tokens: must be at least 1; got 0"),
        (("--max-tokens", "1.5"), "argument --max-tokens: expected a whole number; got '1.5'"),
        (("--temperature", "nan"), "argument --temperature: must be a finite number; got 'nan'"),
        (("--temperature", "hot"), "argument --temperature: expected a number; got 'hot'"),
        (("--temperature", "9"), "argument --temperature: must be between 0 and 2; got 9"),
        (("--temperature=-0.5",), "argument --temperature: must be between 0 and 2; got -0.5"),
    ],
)
def test_bad_option_values_exit_2(
    args: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Numbers are checked as the library checks them, before anything starts; exit 2."""
    with pytest.raises(SystemExit) as exited:
        main(["chat", "--offline", *args, "hi"])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("chat", "--offline", "--temprature", "1", "hi"), "(did you mean --temperature?)"),
        (("--ofline", "models"), "(did you mean --offline?)"),
        (("chat", "--offline", "--max-tokns=3", "hi"), "(did you mean --max-tokens?)"),
    ],
)
def test_misspelt_option_gets_a_hint(
    args: tuple[str, ...], hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A misspelt option exits 2 and names the option it probably meant."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    assert exited.value.code == 2
    assert hint in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "usage", "error"),
    [
        (
            ("chat", "--wrong", "hi"),
            "usage: sogni-compat chat ",
            "sogni-compat chat: error: unrecognized arguments: --wrong\n",
        ),
        (
            ("serve", "8765"),
            "usage: sogni-compat serve ",
            "sogni-compat serve: error: unrecognized arguments: 8765\n",
        ),
        (
            ("--ofline", "models"),
            "usage: sogni-compat models ",
            "unrecognized arguments: --ofline (did you mean --offline?)\n",
        ),
    ],
    ids=["chat", "serve", "before-the-command"],
)
def test_unknown_arguments_are_reported_by_their_command(
    args: tuple[str, ...], usage: str, error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown argument shows the command's usage; no top-level hint such as --version."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage)
    assert err.endswith(error)
    assert "--version" not in err


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream", [[], ["--no-stream"]])
def test_thinking_is_labelled_on_a_terminal(stream: list[str]) -> None:
    """On a terminal the thinking starts with "Thinking: "; piped, it stays bare."""
    out, err = io.StringIO(), _Terminal()
    status = main(["chat", "--offline", "--think", *stream, "a b c"], stdout=out, stderr=err)
    assert status == 0
    assert err.getvalue() == "Thinking: The user wrote 3 tokens; I echo them.\n"
    assert out.getvalue() == "a b c\n"


@pytest.mark.parametrize(
    ("headers", "when"), [({"Retry-After": "90"}, "in 90 s"), ({}, "in a minute")]
)
def test_rate_limit_says_when_to_retry(
    server: LocalSogniServer, headers: dict[str, str], when: str
) -> None:
    """A 429 that outlasts the retries prints when to try again, and exits 1."""
    server.fail_next(3, status=429, headers=headers, body={"error": {"message": "Slow down"}})
    env = {"SOGNI_API_KEY": "cli-key", "SOGNI_BASE_URL": server.base_url}
    result = cli("models", env=env)
    assert result.returncode == 1
    assert "Slow down" in result.stderr
    assert f"rate limited by Sogni: try again {when}" in result.stderr


def test_ctrl_c_exits_130_quietly() -> None:
    """Ctrl-C while reading the prompt exits 130 without a traceback."""

    class Interrupting(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    out, err = io.StringIO(), io.StringIO()
    status = main(["chat", "--offline", "-"], stdout=out, stderr=err, stdin=Interrupting())
    assert status == 130
    assert err.getvalue() == "\n"
    assert out.getvalue() == ""


def test_console_script_is_declared() -> None:
    """setup.cfg declares the sogni-compat console script."""
    from importlib.metadata import entry_points

    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("sogni-compat") == "sogni_compat._cli:console"


def test_offline_and_base_url_conflict() -> None:
    """--offline with --base-url is a usage error rather than one of them being ignored."""
    status, out, err = run_main("chat", "--offline", "--base-url", "http://127.0.0.1:9/v1", "hi")
    assert (status, out) == (2, "")
    assert "--offline or --base-url, not both" in err


def own_address() -> str | None:
    """The address of this machine's outward interface (not loopback), if it has one."""
    import ipaddress
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # a UDP "connect" sends nothing
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if ipaddress.ip_address(address).is_loopback else address


@pytest.mark.parametrize("source", ["--base-url", "SOGNI_BASE_URL"])
def test_plain_http_refusal_names_the_cli_flag(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain http:// to another machine: exit 2 naming --allow-insecure-http, nothing sent."""
    monkeypatch.setenv("SOGNI_API_KEY", "sk-cli-test-0123456789")
    url = "http://192.0.2.1:9/v1"  # TEST-NET: never reached, the URL is refused first
    if source == "SOGNI_BASE_URL":
        monkeypatch.setenv("SOGNI_BASE_URL", url)
        status, out, err = run_main("models")
    else:
        status, out, err = run_main("models", "--base-url", url)
    assert (status, out) == (2, "")
    assert "is plain http:// to another machine" in err
    assert "pass --allow-insecure-http if the network is yours" in err
    assert "allow_insecure_http=True" not in err
    assert ("(from SOGNI_BASE_URL)" in err) == (source == "SOGNI_BASE_URL")


def test_allow_insecure_http_reaches_a_plain_http_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """--allow-insecure-http lets the CLI talk to http:// on a non-loopback address."""
    address = own_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    monkeypatch.setenv("SOGNI_API_KEY", "cli-key")
    monkeypatch.setenv("NO_PROXY", "*")
    with LocalSogniServer(api_key="cli-key", host=address) as running:
        status, out, err = run_main(
            "models", "--base-url", running.base_url, "--allow-insecure-http"
        )
        assert running.requests[0].path == "/v1/models"
    assert (status, err) == (0, "")
    assert out.splitlines() == list(MODELS)


def test_allow_insecure_http_with_offline_is_a_usage_error() -> None:
    """--allow-insecure-http means nothing for the in-process emulator: exit 2, not ignored."""
    status, out, err = run_main("models", "--offline", "--allow-insecure-http")
    assert (status, out) == (2, "")
    assert "--allow-insecure-http goes with a plain http:// --base-url" in err


def test_serve_runs_the_emulator_until_ctrl_c() -> None:
    """`serve` prints the settings to export, serves extra model ids, and Ctrl-C exits 130."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SOGNI_", "OPENAI_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "sogni_compat", "serve", "--port", "0", "--model", "gpt-4o-mini"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("export SOGNI_BASE_URL=http://127.0.0.1:")
        base_url = line.split()[1].split("=", 1)[1]
        assert int(base_url.split(":")[-1].split("/")[0]) > 0  # --port 0: the port chosen
        from sogni_compat import OpenAI

        with OpenAI(api_key="any", base_url=base_url) as client:
            assert "gpt-4o-mini" in [m.id for m in client.models.list()]
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 130
    assert "Traceback" not in err


def test_serve_on_a_port_another_emulator_holds_says_so() -> None:
    """`serve --port N` on a busy port: one line saying what holds it and --port 0, exit 2."""
    with LocalSogniServer() as running:
        port = running.base_url.split(":")[-1].split("/")[0]
        result = cli("serve", "--port", port)
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert f"port {port} is already in use" in line
    assert "another sogni-compat emulator serves there" in line
    assert f"export SOGNI_BASE_URL=http://127.0.0.1:{port}/v1" in line
    assert "pass --port 0" in line


def answer_as_nginx(exchange: Exchange) -> None:
    """An HTTP server that is not the emulator."""
    exchange.send(b"HTTP/1.1 404 Not Found\r\nServer: nginx/1.25\r\nContent-Length: 0\r\n\r\n")
    exchange.close()


def answer_not_http(exchange: Exchange) -> None:
    """A program on the port that speaks something else."""
    exchange.send(b"SSH-2.0-OpenSSH_9.6\r\n")
    exchange.close()


@pytest.mark.parametrize(
    ("script", "holder"),
    [
        (answer_as_nginx, "(an HTTP server answers there: 'nginx/1.25')"),
        (answer_not_http, "(by a program that does not speak HTTP)"),
    ],
    ids=["http", "not-http"],
)
def test_serve_on_a_busy_port_names_what_answers(hostile: Any, script: Any, holder: str) -> None:
    """The busy-port line says whether an HTTP server (and which) or something else holds it."""
    port = hostile(script).port
    status, out, err = run_main("serve", "--port", str(port))
    assert (status, out) == (2, "")
    assert err == (
        f"sogni-compat: port {port} is already in use {holder}; pass --port 0 to serve on "
        "any free port (the line printed names it)\n"
    )


def test_serve_on_a_port_that_never_answers_gives_up_quickly() -> None:
    """A listener that accepts but never answers is named within the probe's 1 s bound."""
    import socket
    import time

    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        started = time.monotonic()
        status, _out, err = run_main("serve", "--port", str(port))
        took = time.monotonic() - started
    assert status == 2
    assert f"port {port} is already in use (by a program that does not answer" in err
    assert took < 15  # a generous bound: unbounded, this would wait forever


def test_serve_probe_of_a_trickling_server_is_bounded(hostile: Any) -> None:
    """A server trickling an endless header is read for the probe's 1 s bound, not forever."""
    import time

    def trickle(exchange: Exchange) -> None:
        exchange.trickle(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000, every=0.01)

    port = hostile(trickle).port
    started = time.monotonic()
    status, _out, err = run_main("serve", "--port", str(port))
    took = time.monotonic() - started
    assert status == 2
    assert f"port {port} is already in use (an HTTP server answers there)" in err
    assert took < 15  # a generous bound: the trickle alone would take 1,000 s


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder, for this test: tmp_path."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_image_prints_the_url(server: LocalSogniServer) -> None:
    """`image PROMPT` makes one image and prints its URL (no bar when stderr is not a TTY)."""
    env = {"SOGNI_API_KEY": "cli-key", "SOGNI_BASE_URL": server.base_url}
    result = cli("image", "a red fox", "--size", "1024x768", env=env)
    assert result.returncode == 0, result.stderr
    (url,) = result.stdout.splitlines()
    assert url.startswith(server.root_url + "/media/")
    assert result.stderr == ""
    (start,) = [r.json for r in server.requests if r.path.endswith("/creative-agent/workflows")]
    arguments = start["input"]["steps"][0]["arguments"]
    assert (arguments["prompt"], arguments["width"], arguments["height"]) == (
        "a red fox",
        1024,
        768,
    )


def test_image_saves_files(tmp_path: os.PathLike[str]) -> None:
    """-o saves the image bytes; with -n 2 the second file gets a -2 suffix."""
    target = os.path.join(tmp_path, "fox.png")
    result = cli("image", "--offline", "a red fox", "-o", target, "-n", "2")
    assert result.returncode == 0, result.stderr
    second = os.path.join(tmp_path, "fox-2.png")
    assert result.stdout.splitlines() == [target, second]
    for path in (target, second):
        with open(path, "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_image_draws_the_bar_on_a_terminal(temp_root: Path) -> None:
    """On a terminal stderr, the image command draws the progress bar up to 100%."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, err = io.StringIO(), Terminal()
    assert main(["image", "--offline", "a red fox"], stdout=out, stderr=err) == 0
    assert "generate_image" in err.getvalue()
    assert "100%" in err.getvalue()
    assert out.getvalue().startswith(str(temp_root))


def test_offline_image_is_saved_not_linked(temp_root: Path) -> None:
    """`image --offline` saves the images (the emulator's links die with it) and says where."""
    status, out, err = run_main("image", "--offline", "a red fox", "-n", "2")
    assert status == 0, err
    (folder,) = temp_root.iterdir()
    assert folder.name.startswith("sogni-compat-")
    assert out.splitlines() == [str(folder / "image.png"), str(folder / "image-2.png")]
    for path in out.splitlines():
        assert Path(path).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert err == (
        "sogni-compat: --offline: the emulator's media links end with this command, so the "
        f"results are saved in {folder} (choose where with -o FILE)\n"
    )


def test_offline_chat_tools_save_their_media(temp_root: Path) -> None:
    """`chat --offline --sogni-tools` prints saved files, not links to a stopped emulator."""
    prompt = 'call generate_image({"prompt": "a vase"}) then call image_to_3d({})'
    status, out, err = run_main("chat", "--offline", "--sogni-tools", prompt)
    assert status == 0, err
    (folder,) = temp_root.iterdir()
    lines = out.splitlines()
    assert lines[-2:] == [str(folder / "image-0.png"), str(folder / "model-0.glb")]
    assert (folder / "model-0.glb").read_bytes().startswith(b"glTF")
    assert "http://127.0.0.1" not in "".join(lines[-2:])
    assert f"saved in {folder} (choose where with --save DIR)" in err


def test_offline_chat_without_media_makes_no_folder(temp_root: Path) -> None:
    """No media, no folder and no note."""
    assert run_main("chat", "--offline", "--sogni-tools", "hi") == (0, "hi\n", "")
    assert list(temp_root.iterdir()) == []


def test_chat_json_with_save_keeps_both(tmp_path: Path) -> None:
    """--json with --save: stdout is the JSON alone, the files are saved and named on stderr."""
    prompt = 'call generate_image({"prompt": "a vase"})'
    status, out, err = run_main(
        "chat", "--offline", "--sogni-tools", "--json", "--save", str(tmp_path), prompt
    )
    assert status == 0, err
    assert json.loads(out)["object"] == "chat.completion"
    assert err == str(tmp_path / "image-0.png") + "\n"
    assert (tmp_path / "image-0.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["image", "--offline", "x", "--size", "huge"], "size must be"),
        (["image", "--offline", "x", "--timeout", "0"], "--timeout must be positive"),
        (["image", "--offline", "x", "-n", "0"], "must be at least 1"),
    ],
)
def test_image_bad_options_exit_2(args: list[str], message: str) -> None:
    """Bad image options exit 2 with a message naming them."""
    result = cli(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_image_output_folder_is_checked_first(tmp_path: os.PathLike[str]) -> None:
    """-o into a missing folder or onto a folder exits 2 before any image is made."""
    missing = os.path.join(tmp_path, "nowhere", "fox.png")
    result = cli("image", "--offline", "a fox", "-o", missing)
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    result = cli("image", "--offline", "a fox", "-o", os.fspath(tmp_path))
    assert result.returncode == 2
    assert "is a directory" in result.stderr


def test_image_to_stdout() -> None:
    """-o - writes the image's bytes to stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "sogni_compat", "image", "--offline", "a fox", "-o", "-"],
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"\x89PNG")


# -- fewer images than asked; control characters on a terminal ------------------------------


def one_image_workflow(exchange: Exchange) -> None:
    """A server whose image workflow makes one image, however many were asked for."""
    path = exchange.path
    if path.endswith("/creative-agent/workflows"):
        started = {"workflowId": "wf1", "status": "running"}
        exchange.send(json_response(201, {"status": "success", "data": {"workflow": started}}))
    elif path.endswith("/events/stream"):
        exchange.send(event_stream_head() + b'data: {"status": "completed"}\n\n')
        exchange.close()
    elif path == "/fox.png":
        exchange.send(response(200, PNG, "image/png"))
    else:
        port = exchange.sock.getsockname()[1]
        workflow = {
            "workflowId": "wf1",
            "status": "completed",
            "artifacts": [{"url": f"http://127.0.0.1:{port}/fox.png", "kind": "image"}],
        }
        exchange.send(json_response(200, {"status": "success", "data": {"workflow": workflow}}))


@pytest.mark.parametrize("save", [True, False], ids=["-o", "urls"])
def test_image_reports_missing_images_and_exits_1(
    hostile: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike[str], save: bool
) -> None:
    """`image -n 3` answered with one image keeps it, says two are missing, and exits 1."""
    server = hostile(one_image_workflow)
    monkeypatch.setenv("SOGNI_API_KEY", "sk-cli-test-0123456789")
    target = os.path.join(tmp_path, "fox.png")
    output = ["-o", target] if save else []
    out, err = io.StringIO(), io.StringIO()
    command = ["image", "--base-url", server.base_url, "a fox", "-n", "3", *output]
    status = main(command, stdout=out, stderr=err)
    assert status == 1
    assert "asked for 3 images, Sogni delivered 1" in err.getvalue()
    if save:
        assert out.getvalue() == target + "\n"
        with open(target, "rb") as handle:
            assert handle.read() == PNG
        assert "fox-2.png" in err.getvalue()
        assert "fox-3.png" in err.getvalue()
        assert not os.path.exists(os.path.join(tmp_path, "fox-2.png"))
    else:
        assert out.getvalue().strip().endswith("/fox.png")


#: What a hostile model or server may say: set the clipboard (OSC 52), retitle the window,
#: clear the screen (and the same with a C1 control), ring the bell, rewrite the line.
HOSTILE_TEXT = "Sure!\n\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x07\x1b[2J\x9b2J\x07tab\there\rgone"


def hostile_chat(exchange: Exchange) -> None:
    """Answers a chat request with HOSTILE_TEXT (streamed or whole), models with an error."""
    if exchange.path.endswith("/models"):
        exchange.send(json_response(400, {"error": {"message": HOSTILE_TEXT}}))
        return
    if exchange.json().get("stream"):
        chunk = {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": HOSTILE_TEXT}, "finish_reason": None}],
        }
        body = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()
        exchange.send(event_stream_head() + body)
        exchange.close()
        return
    exchange.send(json_response(200, completion_body(HOSTILE_TEXT)))


def assert_shown_not_obeyed(text: str) -> None:
    """No control character a terminal obeys is left; each is shown, newlines and tabs kept."""
    for control in ("\x1b", "\x07", "\x9b", "\r"):
        assert control not in text
    assert "Sure!\n\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b]0;pwned\\x07\\x1b[2J\\x9b2J" in text
    assert "tab\there\\x0dgone" in text


@pytest.mark.parametrize("mode", [[], ["--no-stream"]], ids=["stream", "no-stream"])
def test_a_terminal_sees_control_characters_escaped(
    hostile: Any, monkeypatch: pytest.MonkeyPatch, mode: list[str]
) -> None:
    """On a terminal the answer's escape sequences are shown, not obeyed; piped, kept as sent."""
    server = hostile(hostile_chat)
    monkeypatch.setenv("SOGNI_API_KEY", "sk-cli-test-0123456789")
    command = ["chat", "--base-url", server.base_url, *mode, "hi"]
    out, err = _Terminal(), _Terminal()
    assert main(command, stdout=out, stderr=err) == 0
    assert_shown_not_obeyed(out.getvalue())
    piped = io.StringIO()
    assert main(command, stdout=piped, stderr=io.StringIO()) == 0
    assert piped.getvalue() == HOSTILE_TEXT + "\n"


def test_error_messages_on_a_terminal_are_escaped(
    hostile: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server's error message with escape sequences reaches a terminal escaped."""
    server = hostile(hostile_chat)
    monkeypatch.setenv("SOGNI_API_KEY", "sk-cli-test-0123456789")
    out, err = _Terminal(), _Terminal()
    assert main(["models", "--base-url", server.base_url], stdout=out, stderr=err) == 1
    assert_shown_not_obeyed(err.getvalue())


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_a_real_terminal_gets_no_escape_sequence(hostile: Any) -> None:
    """Through a real pseudo-terminal, the CLI's output holds no escape sequence."""
    import pty

    server = hostile(hostile_chat)
    leader, follower = pty.openpty()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SOGNI_", "OPENAI_"))}
    env = {**clean, "SOGNI_API_KEY": "sk-cli-test-0123456789", "SOGNI_BASE_URL": server.base_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "sogni_compat", "chat", "hi"],
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            piece = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not piece:
            break
        seen += piece
    os.close(leader)
    assert process.wait(TIMEOUT) == 0
    assert b"\x1b" not in seen
    assert b"\x07" not in seen
    assert b"\\x1b]52;" in seen


def test_chat_saves_tool_media_with_their_kinds(tmp_path: os.PathLike[str]) -> None:
    """--save writes each result under its kind; a 3D model gets a .glb name and GLB bytes."""
    prompt = (
        'call generate_image({"prompt": "a vase"}) then call image_to_3d({"sourceImageIndex": 0})'
    )
    result = cli("chat", "--offline", "--sogni-tools", "--save", str(tmp_path), prompt)
    assert result.returncode == 0, result.stderr
    image = os.path.join(tmp_path, "image-0.png")
    model = os.path.join(tmp_path, "model-0.glb")
    assert result.stdout.splitlines()[-2:] == [image, model]
    with open(model, "rb") as handle:
        assert handle.read(4) == b"glTF"
    with open(image, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert sorted(os.listdir(tmp_path)) == ["image-0.png", "model-0.glb"]  # no partial files


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--save", "out"], "--save goes with --sogni-tools"),
        (["--sogni-tools", "--save", os.devnull], "not a folder"),
    ],
)
def test_chat_save_is_checked_before_anything_runs(args: list[str], message: str) -> None:
    """A --save without tools, or to something that is not a folder, exits 2 before a request."""
    result = cli("chat", "--offline", *args, "Hello")
    assert result.returncode == 2
    assert message in result.stderr


def test_saving_media_never_sends_the_key(
    server: LocalSogniServer, tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The downloads --save makes go without the Authorization header."""
    monkeypatch.setenv("SOGNI_API_KEY", "cli-key")
    monkeypatch.setenv("SOGNI_BASE_URL", server.base_url)
    out, err = io.StringIO(), io.StringIO()
    prompt = 'call generate_image({"prompt": "a vase"}) then call image_to_3d({})'
    status = main(
        ["chat", "--sogni-tools", "--save", str(tmp_path), prompt], stdout=out, stderr=err
    )
    assert status == 0, err.getvalue()
    downloads = [r for r in server.requests if r.path.startswith("/media/")]
    assert [r.path.rsplit(".", 1)[-1] for r in downloads] == ["png", "glb"]
    assert all("Authorization" not in r.headers for r in downloads)
