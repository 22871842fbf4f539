r"""The command line: ``python -m sogni_compat`` (also the ``sogni-compat`` script).

::

    sogni-compat chat "Write a haiku about GPUs"      # streams the answer
    echo "Hello" | sogni-compat chat -                 # the prompt from stdin
    sogni-compat chat --offline "Hello"                # no key, no network: a local emulator
    sogni-compat image "a red fox" -o fox.png         # an image, with a progress bar
    sogni-compat chat --sogni-tools --save out "..."   # media tools; results saved in out/
    sogni-compat models
    sogni-compat serve --port 8765                     # the emulator, until Ctrl-C

Exit status: 0 on success, 1 when the API answers with an error (its message is printed) or
delivers fewer images than asked, 2 for a usage error such as a missing ``SOGNI_API_KEY``, a
busy port or an unknown argument (shown with its command's usage), 130 after Ctrl-C. With
``--offline``, media the emulator made is saved (its links end with the command). On a
terminal, control characters in what is printed (the model's answer, a server's error
message) are shown escaped (``\x1b``), not obeyed; newlines and tabs are kept. Piped output is
written as it came.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import math
import os
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn, TextIO, cast

from ._client import OpenAI
from ._config import DEFAULT_BASE_URL, ENV_API_KEY, ENV_BASE_URL, unused_openai_key_note
from ._errors import APIError, OpenAIError
from ._transport import check_base_url
from ._version import __version__
from .progress import is_terminal

__all__ = ["main"]

_PROG = "sogni-compat"


class _UsageError(Exception):
    """Bad command-line input: printed and exit status 2."""


#: Control characters a terminal would obey (escape sequences, bell, backspace, a carriage
#: return not ending a line, C1 controls such as CSI): everything below space but newline and
#: tab, DEL, and U+0080-U+009F.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


def _escape(found: re.Match[str]) -> str:
    return f"\\x{ord(found.group()):02x}"


class _Escaping(io.TextIOBase):
    r"""A terminal's text stream that shows control characters (``\x1b``), not obeys them.

    So a model's answer or a server's message cannot set the clipboard (OSC 52), retitle the
    window or clear the screen. Plain text, newlines and tabs pass as they are.
    """

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, text: str) -> int:
        """Write ``text`` with its control characters escaped."""
        self.raw.write(_CONTROL.sub(_escape, text))
        return len(text)

    def flush(self) -> None:
        """Flush the terminal's stream."""
        self.raw.flush()

    def isatty(self) -> bool:
        """Always: only a terminal's stream is wrapped."""
        return True

    def writable(self) -> bool:
        """Always."""
        return True

    @property
    def buffer(self) -> Any:
        """The terminal's binary stream (``-o -`` writes image bytes there), if it has one."""
        return getattr(self.raw, "buffer", None)


def _for_terminal(stream: TextIO) -> TextIO:
    """``stream``, escaping control characters when it is a terminal."""
    return cast("TextIO", _Escaping(stream)) if is_terminal(stream) else stream


def _raw(stream: TextIO) -> TextIO:
    """The stream under :class:`_Escaping` (a progress bar draws with its own controls)."""
    found: Any = stream
    return found.raw if isinstance(found, _Escaping) else stream


class _Parser(argparse.ArgumentParser):
    """argparse, plus a "did you mean" for a misspelt option.

    Only the command's own options are suggested, never the one refused; ``hints`` maps an
    option of another command to what this one uses instead (``image --save`` -> ``-o``).
    """

    hints: dict[str, str]

    def error(self, message: str) -> NoReturn:
        """Exit with status 2 and ``message``, suggesting the option a misspelt one meant."""
        if message.startswith("unrecognized arguments:"):
            known = [
                option
                for action in self._actions
                for option in action.option_strings
                if option.startswith("--")
            ]
            for word in message.split(":", 1)[1].split():
                flag = word.split("=", 1)[0]
                if not flag.startswith("-"):
                    continue
                hint = getattr(self, "hints", {}).get(flag)
                if hint is not None:
                    message += f" ({hint})"
                    break
                # 0.75: a misspelling (--temprature), not any word sharing a few letters
                close = difflib.get_close_matches(flag, known, n=1, cutoff=0.75)
                if close and close[0] != flag:
                    message += f" (did you mean {close[0]}?)"
                    break
        super().error(message)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The parsed command line; unknown arguments are reported by the command they follow.

    So ``chat --wrong hi`` shows the usage of ``chat`` and suggests one of its options, not
    the top level's (``--version``).
    """
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        command = _command_parser(parser, args.command)
        command.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def _command_parser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The parser of the command ``name``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found: argparse.ArgumentParser = action.choices[name]
            return found
    return parser  # pragma: no cover - the parser always has its commands


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number; got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number; got {text!r}")
    return value


#: The range ``--temperature`` takes: openai's (Sogni clamps to each model's range silently).
TEMPERATURE_RANGE = (0.0, 2.0)


def _temperature(text: str) -> float:
    value = _finite_float(text)
    low, high = TEMPERATURE_RANGE
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}; got {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    # ``--offline`` and ``--base-url`` are accepted before or after the command.
    common = _Parser(add_help=False)
    common.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS,
        help="talk to a local emulator started in-process: no key, no network",
    )
    common.add_argument(
        "--base-url",
        default=argparse.SUPPRESS,
        help="API base URL (default: $SOGNI_BASE_URL, then https://api.sogni.ai/v1)",
    )
    common.add_argument(
        "--allow-insecure-http",
        action="store_true",
        default=argparse.SUPPRESS,
        help="permit a plain http:// base URL to another machine (the key crosses the "
        "network unencrypted: only on a network that is yours)",
    )
    parser = _Parser(
        prog=_PROG,
        description="Chat with Sogni's LLMs from the command line (OpenAI-compatible API).",
        parents=[common],
        epilog=f"The API key is read from ${ENV_API_KEY}.",
    )
    parser.add_argument("--version", action="version", version=f"{_PROG} {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )

    chat = commands.add_parser(
        "chat", parents=[common], help="send one prompt and print the answer as it arrives"
    )
    chat.add_argument("prompt", metavar="PROMPT", help="the prompt, or - to read it from stdin")
    chat.add_argument("--model", help="model id (default: the server's default model)")
    chat.add_argument("--system", help="a system message sent before the prompt")
    chat.add_argument(
        "--think",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="turn the model's thinking on or off (printed to stderr)",
    )
    chat.add_argument(
        "--task-profile", choices=("general", "coding", "reasoning"), help="sampling preset"
    )
    chat.add_argument(
        "--max-tokens", type=_positive_int, metavar="N", help="longest answer, in tokens"
    )
    chat.add_argument(
        "--temperature", type=_temperature, metavar="T", help="sampling temperature, 0 to 2"
    )
    chat.add_argument("--no-stream", action="store_true", help="print the answer when complete")
    chat.add_argument(
        "--sogni-tools",
        action="store_true",
        help="let the model use Sogni's hosted media tools (images, video, music), run here "
        "with a progress bar on stderr when it is a terminal; media URLs are printed after "
        "the answer",
    )
    chat.add_argument(
        "--save",
        metavar="DIR",
        help="with --sogni-tools: save every media result in DIR (image-0.png, video-0.mp4, "
        "audio-0.mp3, model-0.glb for a 3D model...) and print the paths",
    )
    chat.add_argument(
        "--json", action="store_true", help="print the whole completion object as JSON"
    )
    chat.set_defaults(run=_chat)

    image = commands.add_parser(
        "image",
        parents=[common],
        help="make an image with Sogni's generate_image tool; prints its URL (or saves it)",
    )
    image.add_argument("prompt", metavar="PROMPT", help="what to draw, or - to read it from stdin")
    image.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="save the image here (FILE-2.png... for -n > 1; - writes it to stdout)",
    )
    image.add_argument("-n", type=_positive_int, default=1, metavar="N", help="how many images")
    image.add_argument("--size", metavar="WxH", help="e.g. 1024x1024 (default: the model's)")
    image.add_argument("--model", help="Sogni image model id (default: Sogni's default)")
    image.add_argument(
        "--timeout", type=_finite_float, metavar="S", help="give up (and cancel) after S seconds"
    )
    image.set_defaults(run=_image)
    image.hints = {"--save": f"{_PROG} image saves with -o FILE (--output FILE)"}

    models = commands.add_parser("models", parents=[common], help="list the available model ids")
    models.set_defaults(run=_models)

    serve = commands.add_parser(
        "serve", help="run the local emulator of Sogni's API until Ctrl-C (for offline trials)"
    )
    serve.add_argument("--port", type=int, default=0, help="port to listen on (default: free)")
    serve.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="ID",
        help="serve this model id too (repeatable), e.g. gpt-4o-mini for OpenAI code",
    )
    serve.set_defaults(run=_serve)
    return parser


@contextlib.contextmanager
def _client(args: argparse.Namespace) -> Iterator[Any]:
    base_url = getattr(args, "base_url", None)
    insecure = getattr(args, "allow_insecure_http", False)
    if getattr(args, "offline", False):
        if base_url is not None:
            raise _UsageError("pass --offline or --base-url, not both")
        if insecure:
            raise _UsageError(
                "--allow-insecure-http goes with a plain http:// --base-url or "
                f"{ENV_BASE_URL}, not --offline (the emulator is on this machine)"
            )
        from .testing import LocalSogniServer  # noqa: PLC0415 - only offline runs need it

        with LocalSogniServer() as server, server.client() as client:
            yield client
        return
    url = base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    try:  # checked here to name the flag; the client checks it again
        check_base_url(url, insecure, DEFAULT_BASE_URL, "pass --allow-insecure-http")
    except ValueError as exc:
        source = f" (from {ENV_BASE_URL})" if base_url is None else ""
        raise _UsageError(f"{exc}{source}") from None
    if not os.environ.get(ENV_API_KEY):
        note = unused_openai_key_note()
        raise _UsageError(
            f"{ENV_API_KEY} is not set: export your Sogni API key as {ENV_API_KEY}, "
            "or pass --offline to try the built-in local emulator" + (f" ({note})" if note else "")
        )
    with OpenAI(base_url=url, allow_insecure_http=insecure) as client:
        yield client


def _prompt(args: argparse.Namespace, stdin: TextIO) -> str:
    prompt: str = args.prompt
    if prompt == "-":
        prompt = stdin.read().strip()
    if not prompt.strip():
        raise _UsageError("the prompt is empty")
    return prompt


def _chat(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    prompt = _prompt(args, stdin)
    messages = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": prompt})
    options = {
        "model": args.model,
        "think": args.think,
        "task_profile": args.task_profile,
        "max_tokens": args.max_tokens,
        "temperature": args.temperature,
    }
    if args.save is not None:
        if not args.sogni_tools:
            raise _UsageError("--save goes with --sogni-tools (it saves the tools' media)")
        if os.path.exists(args.save) and not os.path.isdir(args.save):
            raise _UsageError(f"--save {args.save}: not a folder")
        try:  # made now (with its parents), before the (billed) answer is asked for
            os.makedirs(args.save, exist_ok=True)
        except OSError as exc:
            raise _UsageError(
                f"--save {args.save}: cannot make the folder: {exc.strerror}"
            ) from None
        if not os.access(args.save, os.W_OK):
            raise _UsageError(f"--save {args.save}: the folder is not writable")
    with _client(args) as client:
        if args.sogni_tools:
            from .progress import ProgressBar  # noqa: PLC0415 - only with hosted tools

            completion = client.chat.completions.create(
                messages=messages,
                sogni_tools=True,
                auto_execute_tools=True,
                on_tool_progress=ProgressBar(file=_raw(err)),
                **options,
            )
            media = completion.media
            items = (*media.images, *media.videos, *media.audio, *media.models)
            folder = args.save
            if folder is None and items and getattr(args, "offline", False):
                folder = _offline_folder(err, "--save DIR")
            saved: list[str] = []
            unsaved: list[str] = []
            if folder is not None:
                from ._cli_save import save_media  # noqa: PLC0415 - only when saving

                saved, unsaved = save_media(client, folder, items)
            if args.json:  # stdout holds the JSON alone; the saved files are named on stderr
                out.write(completion.to_json() + "\n")
                err.writelines(target + "\n" for target in saved)
            else:
                text = completion.choices[0].message.content if completion.choices else None
                out.write((text or "") + "\n")
                listed = saved if folder is not None else media.urls
                out.writelines(f"{line}\n" for line in listed)
            if unsaved:
                err.writelines(f"{line}\n" for line in unsaved)
                return 1
            return 0
        if args.json or args.no_stream:
            completion = client.chat.completions.create(messages=messages, **options)
            if args.json:
                out.write(completion.to_json() + "\n")
                return 0
            message = completion.choices[0].message if completion.choices else None
            if message is not None and message.reasoning_content:
                prefix = "Thinking: " if is_terminal(err) else ""
                err.write(prefix + message.reasoning_content + "\n")
            text = (message.content or "") if message is not None else ""
            out.write(text + "\n")
            return 0
        thinking = False
        label = is_terminal(err)  # on a terminal, say which text is the model's thinking
        with client.chat.completions.create(messages=messages, stream=True, **options) as stream:
            for chunk in stream:
                for choice in chunk.choices:
                    delta = choice.delta
                    reasoning = getattr(delta, "reasoning_content", None)
                    if reasoning:
                        if not thinking and label:
                            err.write("Thinking: ")
                        thinking = True
                        err.write(reasoning)
                        err.flush()
                    if delta.content:
                        if thinking:  # the thinking ends where the answer starts
                            err.write("\n")
                            thinking = False
                        out.write(delta.content)
                        out.flush()
        if thinking:
            err.write("\n")
        out.write("\n")
    return 0


def _image(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    import base64  # noqa: PLC0415

    from .progress import ProgressBar  # noqa: PLC0415

    prompt = _prompt(args, stdin)
    if args.timeout is not None and args.timeout <= 0:
        raise _UsageError(f"--timeout must be positive; got {args.timeout:g}")
    if args.output == "-" and args.n != 1:
        raise _UsageError("-o - writes one image to stdout; use -n 1")
    targets = _outputs(args.output, args.n) if args.output else []
    for target in targets:  # checked before the (billed) image is made
        if target == "-":
            continue
        folder = os.path.dirname(os.path.abspath(target))
        if os.path.isdir(target):
            raise _UsageError(f"-o {target}: is a directory; give a file name")
        if not os.path.isdir(folder):
            raise _UsageError(f"-o {target}: the folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            raise _UsageError(f"-o {target}: the folder {folder} is not writable")
    # Offline, the emulator's links end with the command: the images are saved instead.
    offline = not targets and getattr(args, "offline", False)
    with _client(args) as client:
        made = client.images.generate(
            prompt=prompt,
            n=args.n,
            size=args.size,
            model=args.model,
            response_format="b64_json" if targets or offline else "url",
            on_progress=ProgressBar(file=_raw(err)),
            timeout=args.timeout,
        )
    if offline and any(image.b64_json for image in made.data):
        folder = _offline_folder(err, "-o FILE")
        targets = _outputs(os.path.join(folder, "image.png"), args.n)
    if not targets:
        urls = [image.url for image in made.data if image.url]
        out.writelines(f"{url}\n" for url in urls)
        return _missing(args.n, len(urls), err)
    images = [image.b64_json for image in made.data if image.b64_json]
    for target, b64 in zip(targets, images, strict=False):
        data = base64.b64decode(b64)
        if target == "-":
            binary = getattr(out, "buffer", None)
            if binary is None:
                raise _UsageError("-o -: stdout takes no bytes here")
            binary.write(data)
            binary.flush()
            continue
        try:
            with open(target, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise _UsageError(f"-o {target}: {exc.strerror or exc}") from None
        out.write(target + "\n")
    return _missing(args.n, len(images), err, targets[len(images) :])


def _offline_folder(err: TextIO, choose: str) -> str:
    """A new folder for media an in-process emulator made, announced on ``err``.

    Its links stop working when the command ends (the emulator stops with it).
    """
    import tempfile  # noqa: PLC0415

    folder = tempfile.mkdtemp(prefix="sogni-compat-")
    err.write(
        f"{_PROG}: --offline: the emulator's media links end with this command, so the "
        f"results are saved in {folder} (choose where with {choose})\n"
    )
    return folder


def _missing(asked: int, made: int, err: TextIO, unwritten: Sequence[str] = ()) -> int:
    """0 when every image asked for came; else say which are missing, and return 1."""
    if made >= asked:
        return 0
    files = f"; not written: {', '.join(unwritten)}" if unwritten else ""
    err.write(f"{_PROG}: asked for {asked} images, Sogni delivered {made}{files}\n")
    return 1


def _outputs(path: str, count: int) -> list[str]:
    """``path`` for one image; ``path``, ``stem-2.ext``... for more (no extension: ``stem-2``)."""
    root, ext = os.path.splitext(path)
    return [path] + [f"{root}-{n}{ext}" for n in range(2, count + 1)]


def _models(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    del err, stdin
    with _client(args) as client:
        for model in client.models.list():
            out.write(model.id + "\n")
    return 0


def _serve(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    del stdin
    from .testing import MODELS, LocalSogniServer  # noqa: PLC0415 - only this command

    if not 0 <= args.port <= 65535:
        raise _UsageError(f"--port must be between 0 and 65535; got {args.port}")
    models = (*MODELS, *(m for m in args.model if m not in MODELS))
    server = LocalSogniServer(port=args.port, models=models)
    try:
        server.start()
    except OSError as exc:
        raise _UsageError(_cannot_listen(args.port, exc)) from None
    try:
        out.write(f"export SOGNI_BASE_URL={server.base_url} SOGNI_API_KEY=any\n")
        out.flush()
        err.write(f"{_PROG}: serving {', '.join(models)} at {server.base_url}; Ctrl-C stops\n")
        err.flush()
        threading.Event().wait()
    finally:
        server.stop()
    return 0  # pragma: no cover - only Ctrl-C ends the wait


#: How long ``serve`` spends finding out what holds a busy port, and how much it reads.
PROBE_TIMEOUT = 1.0
PROBE_BYTES = 4096


def _cannot_listen(port: int, exc: OSError) -> str:
    """One line for a port ``serve`` cannot bind: what holds it, and ``--port 0``."""
    import errno  # noqa: PLC0415 - only on this error

    way_out = "pass --port 0 to serve on any free port (the line printed names it)"
    if exc.errno != errno.EADDRINUSE:
        return f"cannot serve on port {port}: {exc.strerror or exc}; {way_out}"
    holder = _port_holder(port)
    return f"port {port} is already in use ({holder}); {way_out}"


def _port_holder(port: int) -> str:
    """What answers on ``127.0.0.1:port``: another emulator, an HTTP server, or something else.

    At most :data:`PROBE_TIMEOUT` seconds and :data:`PROBE_BYTES` bytes; nothing is sent but
    ``GET /`` (no key).
    """
    import socket  # noqa: PLC0415
    import time  # noqa: PLC0415

    deadline = time.monotonic() + PROBE_TIMEOUT
    head = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT) as sock:
            sock.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            while b"\r\n\r\n" not in head and len(head) < PROBE_BYTES:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                sock.settimeout(left)
                piece = sock.recv(PROBE_BYTES - len(head))
                if not piece:
                    break
                head += piece
    except OSError:
        if not head:
            return "by a program that does not answer on 127.0.0.1"
    if not head.startswith(b"HTTP/"):
        return "by a program that does not speak HTTP"
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"server":
            server = value.decode("latin-1").strip()
            if server.startswith("LocalSogniServer"):
                return (
                    f"another sogni-compat emulator serves there: to use it, export "
                    f"SOGNI_BASE_URL=http://127.0.0.1:{port}/v1 SOGNI_API_KEY=any"
                )
            return f"an HTTP server answers there: {server[:60]!r}"
    return "an HTTP server answers there"


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the command line; returns the exit status."""
    out = _for_terminal(stdout or sys.stdout)
    err = _for_terminal(stderr or sys.stderr)
    try:
        args = _parse(argv)
        status: int = args.run(args, out, err, stdin or sys.stdin)
    except KeyboardInterrupt:
        err.write("\n")
        return 130
    except _UsageError as exc:
        err.write(f"{_PROG}: {exc}\n")
        return 2
    except APIError as exc:
        err.write(f"{_PROG}: {_command_line_advice(exc.message)}\n")
        wait = getattr(exc, "retry_after", None)
        if getattr(exc, "status_code", None) == 429:
            when = f"in {wait:g} s" if wait is not None else "in a minute (60 requests a minute)"
            err.write(f"{_PROG}: rate limited by Sogni: try again {when}\n")
        return 1
    except OpenAIError as exc:
        err.write(f"{_PROG}: {exc}\n")
        return 1
    except (TypeError, ValueError) as exc:  # bad option values, refused before sending
        err.write(f"{_PROG}: {exc}\n")
        return 2
    return status


#: The library's advice after a 404 naming a model, and what the command line says instead.
_PYTHON_ADVICE = (
    (
        re.compile(r"Pass one of them as model=, or map your name with OpenAI\(model_aliases=.*$"),
        "Pass one of them with --model",
    ),
    (re.compile(r"\(client\.models\.list\(\)\)"), f"({_PROG} models)"),
)


def _command_line_advice(message: str) -> str:
    """An error's message with advice for Python code (``model=``) said for the command line."""
    for pattern, said in _PYTHON_ADVICE:
        message = pattern.sub(said, message)
    return message


def console() -> None:
    """Entry point of the ``sogni-compat`` script."""
    try:
        code = main()
        sys.stdout.flush()
    except KeyboardInterrupt:  # e.g. between main() returning and the flush
        sys.stderr.write("\n")
        code = 130
    except BrokenPipeError:
        # The reader went away (e.g. ``| head``): stop quietly, as other tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 1
    raise SystemExit(code)
