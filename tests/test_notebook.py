"""Notebooks: the Markdown rendering of answers, show(), and the example notebook run headless."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from sogni_compat import ChatCompletion, OpenAI
from sogni_compat._convert import converter
from sogni_compat.notebook import completion_markdown, completion_text, show
from sogni_compat.testing import LocalSogniServer, MockSogni
from sogni_compat.types.responses import response_markdown, response_text

from ._helpers import completion

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "notebook.ipynb"


def answer_of(data: dict[str, Any]) -> ChatCompletion:
    """A ChatCompletion built from wire JSON."""
    built: ChatCompletion = converter.structure(data, ChatCompletion)
    return built


def test_markdown_has_answer_tools_media_and_usage() -> None:
    """The answer first, then tool calls, media (images inline, audio linked) and usage."""
    data = completion("Here is **your** cat.")
    data["choices"][0]["message"]["reasoning_content"] = "The user wants a cat."
    data["choices"][0]["message"]["tool_calls"] = [
        {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": 1}'}}
    ]
    data["sogni_tool_results"] = [
        {"tool": "generate_image", "success": True, "urls": ["https://cdn.test/cat.png"]},
        {"tool": "generate_music", "success": True, "urls": ["https://cdn.test/song.mp3"]},
    ]
    text = completion_markdown(answer_of(data))
    assert text.index("<summary>Thinking</summary>") < text.index("Here is **your** cat.")
    assert '- `lookup({"q": 1})`' in text
    assert "![generate_image](https://cdn.test/cat.png)" in text
    assert "[generate_music: https://cdn.test/song.mp3](https://cdn.test/song.mp3)" in text
    assert text.endswith("<sub>qwen3.6-35b-a3b-gguf-iq4xs · 5 prompt + 2 completion tokens</sub>")
    assert answer_of(data)._repr_markdown_() == text


def test_markdown_of_refusals_cut_offs_and_several_choices() -> None:
    """Refusals, length cut-offs and multiple choices are labelled."""
    data = completion("first")
    data["choices"].append(
        {"index": 1, "finish_reason": "length", "message": {"role": "assistant", "content": "sec"}}
    )
    data["choices"][0]["message"]["refusal"] = "Not that."
    text = completion_markdown(answer_of(data))
    assert "**Choice 0**" in text
    assert "**Choice 1**" in text
    assert "*Refused:* Not that." in text
    assert "*(cut off at the length limit)*" in text


def test_markdown_shows_media_from_the_tool_loop() -> None:
    """Media URLs that the auto-tool loop collected are shown too."""
    with LocalSogniServer(workflow_seconds=0.05) as server, server.client() as client:
        answer = client.chat.completions.create(
            messages=[{"role": "user", "content": 'call generate_image({"prompt": "fox"})'}],
            sogni_tools=True,
            auto_execute_tools=True,
        )
    (url,) = answer.tool_history[0].tool_results[0].result_urls
    assert f"![generate_image]({url})" in answer._repr_markdown_()


def test_show_without_ipython_prints_as_it_arrives(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without IPython, show() prints the text and still returns the final completion."""
    monkeypatch.setitem(sys.modules, "IPython", None)
    monkeypatch.setitem(sys.modules, "IPython.display", None)
    with MockSogni() as sogni:
        sogni.add_stream("Hel", "lo")
        stream = OpenAI(api_key="k").chat.completions.create(
            messages=[{"role": "user", "content": "hi"}], stream=True
        )
        final = show(stream)
    assert capsys.readouterr().out == "Hello\n"
    assert final.choices[0].message.content == "Hello"


@pytest.mark.optional
def test_example_notebook_runs_headless(monkeypatch: pytest.MonkeyPatch) -> None:
    """examples/notebook.ipynb runs in a kernel offline: Markdown, live streams, a progress bar."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    monkeypatch.delenv("SOGNI_API_KEY", raising=False)  # offline: the emulator
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in code:
        assert not [out for out in cell.outputs if out.get("output_type") == "error"], cell
    rendered = code[1].outputs[0]["data"]["text/markdown"]
    assert rendered.startswith("**Hello** from a notebook")
    assert "completion tokens" in rendered
    live = [out for out in code[2].outputs if out.get("output_type") == "display_data"]
    assert "Streaming into one cell, piece by piece" in live[0]["data"]["text/markdown"]
    shown = [out for out in code[3].outputs if out.get("output_type") == "display_data"]
    assert "Shown live, then kept" in shown[0]["data"]["text/markdown"]
    assert code[3].outputs[-1]["data"]["text/plain"] == "4"
    # Streamed cells carry their text as the plain fallback, never a display object's repr.
    for output in (live[0], shown[0]):
        plain = output["data"]["text/plain"]
        assert "IPython" not in plain
        assert plain.endswith(" completion tokens)")
    assert live[0]["data"]["text/plain"].startswith("Streaming into one cell, piece by piece")
    bar = [out["data"] for out in code[4].outputs if "text/html" in out.get("data", {})]
    assert 'completed <progress value="100"' in bar[0]["text/html"]
    assert bar[0]["text/plain"].startswith("generate_image   completed  [####")
    picture = code[4].outputs[-1]["data"]["text/markdown"]
    assert "![generate_image](http://127.0.0.1:" in picture
    response = code[5].outputs[-1]["data"]
    assert response["text/markdown"].startswith("A *Response*, rendered as Markdown\n\n<sub>")
    assert response["text/markdown"].endswith(" output tokens</sub>")


@pytest.mark.optional
def test_show_with_ipython_installed_but_no_kernel_prints_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """IPython imported in a plain process (no kernel): show() prints text, never a repr."""
    pytest.importorskip("IPython")
    import IPython  # noqa: F401 - imported as a user's script might have done

    with MockSogni() as sogni:
        sogni.add_stream("Hel", "lo")
        sogni.add_completion("Done.")
        client = OpenAI(api_key="k")
        streamed = show(
            client.chat.completions.create(
                messages=[{"role": "user", "content": "hi"}], stream=True
            )
        )
        whole = show(client.chat.completions.create(messages=[{"role": "user", "content": "hi"}]))
    out = capsys.readouterr().out
    assert out.startswith("Hello\n")
    assert "Done." in out
    assert "IPython" not in out
    assert "<sub>" not in out
    assert streamed.choices[0].message.content == "Hello"
    assert whole.choices[0].message.content == "Done."


def test_a_response_renders_as_markdown_like_a_completion() -> None:
    """A Response shows its thinking, answer and usage as Markdown, as a ChatCompletion does."""
    with LocalSogniServer() as server, server.client() as client:
        response = client.responses.create(input="**Hello** there", think=True)
        chat = client.chat.completions.create(
            messages=[{"role": "user", "content": "**Hello** there"}], think=True
        )
    text = response._repr_markdown_()
    assert text == response_markdown(response)
    assert text.index("<summary>Thinking</summary>") < text.index("**Hello** there")
    assert text.endswith("<sub>qwen3.6-35b-a3b-gguf-iq4xs · 2 input + 2 output tokens</sub>")
    assert text.split("\n\n<sub>")[0] == chat._repr_markdown_().split("\n\n<sub>")[0]


def test_a_response_renders_tool_calls_cut_offs_and_media() -> None:
    """Function calls, a length cut-off and the tool loop's media are shown, text and Markdown."""
    tool = {"type": "function", "name": "lookup", "parameters": {"type": "object"}}
    with LocalSogniServer(workflow_seconds=0.05) as server, server.client() as client:
        called = client.responses.create(input='call lookup({"q": 1})', tools=[tool])
        cut = client.responses.create(input="a b c d e f", max_output_tokens=2)
        made = client.responses.create(
            input='call generate_image({"prompt": "fox"})',
            sogni_tools=True,
            auto_execute_tools=True,
        )
    assert '**Tool calls**\n- `lookup({"q": 1})`' in response_markdown(called)
    assert 'Tool calls:\n  lookup({"q": 1})' in response_text(called)
    assert response_markdown(cut).startswith("a b\n\n*(cut off at the length limit)*")
    (url,) = made.media.urls
    assert f"![generate_image]({url})" in response_markdown(made)
    plain = response_text(made)
    assert f"generate_image: {url}" in plain
    assert plain.endswith(" output tokens)")
    assert "<sub>" not in plain


def test_plain_text_rendering_of_a_completion(monkeypatch: pytest.MonkeyPatch) -> None:
    """completion_text shows the answer, tool calls, media and usage without Markdown or HTML."""
    monkeypatch.setitem(sys.modules, "IPython", None)
    with LocalSogniServer(workflow_seconds=0.05) as server, server.client() as client:
        answer = client.chat.completions.create(
            messages=[{"role": "user", "content": 'call generate_image({"prompt": "fox"})'}],
            sogni_tools=True,
            auto_execute_tools=True,
        )
    text = completion_text(answer)
    (url,) = answer.media.urls
    assert f"generate_image: {url}" in text
    assert "completion tokens)" in text
    assert "<sub>" not in text
    assert "![" not in text
