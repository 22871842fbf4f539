"""sogni_compat.mypy_plugin, run by the installed mypy on small files in a project of their own.

A wrong keyword of the stream-overloaded ``create`` methods is one line naming the keyword
(without the plugin: "No overload variant" and every overload in full), and the calls keep the
return types the overloads give them. pyright needs no plugin: it is checked on the same file.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.optional

#: A user's script: each ``reveal_type`` line says the type it must show.
CALLS = """\
from dataclasses import dataclass
from typing import Any, Literal

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.types.chat import ChatCompletionMessageParam

client = OpenAI(api_key="sk-test-1234567890abcdef")
m: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
loose: dict[str, Any] = {"messages": m}


@dataclass
class Movie:
    title: str


def calls(flag: bool, yes: Literal[True]) -> None:
    chat = client.chat.completions
    reveal_type(client.chat.completions.create(messages=m))  # ChatCompletion
    reveal_type(chat.create(messages=m, stream=True))  # Stream[ChatCompletionChunk]
    reveal_type(client.chat.completions.create(messages=m, stream=False))  # ChatCompletion
    reveal_type(client.chat.completions.create(messages=m, stream=None))  # ChatCompletion
    either = chat.create(messages=m, stream=flag)
    reveal_type(either)  # ChatCompletion | Stream[ChatCompletionChunk]
    reveal_type(chat.create(messages=m, stream=yes))  # Stream[ChatCompletionChunk]
    reveal_type(client.responses.create(input="hi"))  # Response
    reveal_type(client.responses.create(input="hi", stream=True))  # ResponseStream
    reveal_type(client.responses.create(input="hi", stream=flag))  # Response | ResponseStream
    reveal_type(client.chat.completions.create(**loose))  # Any
    for chunk in client.chat.completions.create(messages=m, stream=True):
        reveal_type(chunk)  # ChatCompletionChunk
    response = client.responses.create(input="hi")
    for item in response.output:
        if item.type == "function_call":
            reveal_type(item)  # ResponseFunctionToolCall
    reveal_type(response.media)  # MediaView
    reveal_type(response.tool_handoff)  # ToolHandoff | None
    parsed = client.chat.completions.parse(messages=m, response_format=Movie)
    reveal_type(parsed.choices[0].message.parsed)  # Movie | None
    with client.chat.completions.stream(messages=m, response_format=Movie) as stream:
        for event in stream:
            if event.type == "content.done":
                reveal_type(event.parsed)  # Movie | None
        reveal_type(stream.get_final_completion().choices[0].message.parsed)  # Movie | None
    reveal_type(sogni_compat.chat.completions.create(messages=m))  # ChatCompletion
    raw = client.chat.completions.with_raw_response
    reveal_type(raw.create(messages=m).parse())  # ChatCompletion
    movie = raw.parse(messages=m, response_format=Movie).parse()
    reveal_type(movie.choices[0].message.parsed)  # Movie | None
"""

#: One mistake per line, each reported on its own line.
MISTAKES = """\
from sogni_compat import OpenAI
from sogni_compat.types.chat import ChatCompletionMessageParam

client = OpenAI(api_key="sk-test-1234567890abcdef")
m: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
client.chat.completions.create(messages=m, temperature="hot")
client.chat.completions.create(messages=m, stream=True, temperature="hot")
client.chat.completions.create(messages=m, temprature=0.5)
client.chat.completions.create(messages=m, stream="yes")
client.responses.create(input="hi", max_output_tokens="many")
"""

#: What the plugin makes of each line of MISTAKES, by line number.
ONE_LINE_ERRORS = {
    6: 'Argument "temperature" to "create" of "Completions" has incompatible type "str"; '
    'expected "float | None"  [arg-type]',
    7: 'Argument "temperature" to "create" of "Completions" has incompatible type "str"; '
    'expected "float | None"  [arg-type]',
    8: 'Unexpected keyword argument "temprature" for "create" of "Completions"; did you mean '
    '"temperature"?  [call-arg]',
    9: 'Argument "stream" to "create" of "Completions" has incompatible type "str"; expected '
    '"bool | None"  [arg-type]',
    10: 'Argument "max_output_tokens" to "create" of "Responses" has incompatible type "str"; '
    'expected "int | None"  [arg-type]',
}


def _project(root: Path, plugin: bool) -> Path:
    root.mkdir()
    config = "[tool.mypy]\nstrict = true\n"
    if plugin:
        config += 'plugins = ["sogni_compat.mypy_plugin"]\n'
    (root / "pyproject.toml").write_text(config)
    (root / "calls.py").write_text(CALLS)
    (root / "mistakes.py").write_text(MISTAKES)
    return root


#: ``create(**params)`` with the package's own TypedDict (``stream: bool | None``).
UNPACKED = """\
from sogni_compat import OpenAI
from sogni_compat.types.create_params import CompletionCreateParams

client = OpenAI(api_key="sk-test-1234567890abcdef")
params: CompletionCreateParams = {"messages": [], "temperature": 0.2}
reveal_type(client.chat.completions.create(**params))
"""


@pytest.fixture(scope="module")
def caches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Caches for the module's mypy runs, one per configuration (plugin or not)."""
    pytest.importorskip("mypy")
    return tmp_path_factory.mktemp("mypy-caches")


def _mypy(project: Path, caches: Path, *files: str) -> str:
    plugin = "sogni_compat.mypy_plugin" in (project / "pyproject.toml").read_text()
    cache = caches / ("plugin" if plugin else "plain")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache), *files],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return done.stdout


def _expected_reveals() -> dict[int, str]:
    wanted = {}
    for number, line in enumerate(CALLS.splitlines(), 1):
        if "reveal_type(" in line:
            wanted[number] = line.rsplit("# ", 1)[1]
    return wanted


def _short(shown: str) -> str:
    """``sogni_compat.types.chat.ChatCompletion | sogni_compat._streaming.Stream`` as names."""
    return re.sub(r"[\w.]+\.(\w+)", r"\1", shown)


def test_a_wrong_keyword_is_one_line_with_the_plugin(tmp_path: Path, caches: Path) -> None:
    """With the plugin each mistake is one error naming the keyword; without it, a listing."""
    with_plugin = _mypy(_project(tmp_path / "with", plugin=True), caches, "mistakes.py")
    errors = dict(re.findall(r"^mistakes\.py:(\d+): error: (.*)$", with_plugin, re.M))
    assert {int(line): text for line, text in errors.items()} == ONE_LINE_ERRORS
    without = _mypy(_project(tmp_path / "without", plugin=False), caches, "mistakes.py")
    assert 'No overload variant of "create" of "Completions" matches' in without
    # The listing prints every overload with every keyword: kilobytes per mistake.
    assert len(without) > 10 * len(with_plugin)


def test_the_calls_keep_the_types_the_overloads_give(tmp_path: Path, caches: Path) -> None:
    """stream=True gives a Stream, no stream a ChatCompletion; parsed values and items typed."""
    project = _project(tmp_path / "with", plugin=True)
    first = _mypy(project, caches, "calls.py")
    assert "error" not in first
    reveals = {
        line: _short(shown)
        for line, shown in re.findall(
            r"^calls\.py:(\d+): note: Revealed type is \"(.*)\"$", first, re.M
        )
    }
    assert {int(line): shown for line, shown in reveals.items()} == _expected_reveals()
    assert _mypy(project, caches, "calls.py") == first  # a second run, from mypy's cache, agrees
    plain = _mypy(_project(tmp_path / "without", plugin=False), caches, "calls.py")
    assert plain == first


def test_unpacked_parameters_are_accepted(tmp_path: Path, caches: Path) -> None:
    """create(**params) typed CompletionCreateParams passes with the plugin (mypy alone refuses)."""
    project = _project(tmp_path / "with", plugin=True)
    (project / "unpacked.py").write_text(UNPACKED)
    assert _mypy(project, caches, "unpacked.py").splitlines() == [
        'unpacked.py:6: note: Revealed type is "sogni_compat.types.chat.ChatCompletion | '
        'sogni_compat._streaming.Stream[sogni_compat.types.chunk.ChatCompletionChunk]"',
        "Success: no issues found in 1 source file",
    ]


def test_pyright_needs_no_plugin(tmp_path: Path) -> None:
    """Without a plugin, pyright names the keyword and picks the same return types."""
    pytest.importorskip("pyright")
    project = _project(tmp_path / "pyright", plugin=False)
    done = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "calls.py", "mistakes.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(done.stdout)
    reveals: dict[int, str] = {}
    errors: dict[int, str] = {}
    for item in report["generalDiagnostics"]:
        line = item["range"]["start"]["line"] + 1
        if item["file"].endswith("calls.py"):
            assert item["severity"] == "information", item
            shown = re.search(r'is "(.*)"$', item["message"])
            assert shown is not None
            reveals[line] = shown.group(1).replace("Unknown", "Any")  # an implicit Any
        else:
            errors[line] = item["message"]
    assert reveals == _expected_reveals()
    assert sorted(errors) == sorted(ONE_LINE_ERRORS)
    assert '"temperature"' in errors[6]
    assert '"max_output_tokens"' in errors[10]
