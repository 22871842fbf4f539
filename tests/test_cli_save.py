"""``sogni-compat chat --save``: where media is fetched from, where it goes; the CLI's advice."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from sogni_compat._cli import main

from ._helpers import API_KEY, BASE_URL, PNG
from ._hostile import completion_body, tool_call
from .test_upload_targets import Listener

DRAW = 'call generate_image({"prompt": "a vase"})'


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A loopback port nothing should reach."""
    running = Listener()
    yield running
    running.close()


def _public_sogni(rsps: responses.RequestsMock, *artifacts: str, base: str = BASE_URL) -> None:
    """Sogni at a public base URL, whose workflow names ``artifacts`` as its images."""

    def chat(request: Any) -> tuple[int, dict[str, str], str]:
        sent = json.loads(request.body)
        first = not any(m.get("role") == "tool" for m in sent["messages"])
        call = [tool_call("generate_image", '{"prompt": "a vase"}')]
        body = completion_body(None, call) if first else completion_body("here it is")
        return 200, {}, json.dumps(body)

    workflow = {"workflowId": "wf_1", "status": "completed"}
    rsps.add_callback(responses.POST, f"{base}/chat/completions", callback=chat)
    rsps.post(
        f"{base}/creative-agent/workflows",
        status=201,
        json={"status": "success", "data": {"workflow": {**workflow, "status": "running"}}},
    )
    rsps.get(
        re.compile(re.escape(f"{base}/creative-agent/workflows/wf_1/events/stream") + ".*"),
        body='data: {"status": "completed"}\n\n',
        content_type="text/event-stream",
    )
    made = {**workflow, "artifacts": [{"url": url, "kind": "image"} for url in artifacts]}
    rsps.get(
        f"{base}/creative-agent/workflows/wf_1",
        json={"status": "success", "data": {"workflow": made}},
    )


@pytest.mark.parametrize(
    ("template", "refusal"),
    [
        ("http://127.0.0.1:{port}/admin.png", "loopback, private or link-local"),
        ("https://127.0.0.1:{port}/admin.png", "loopback, private or link-local"),
        ("https://localhost:{port}/x.png", "loopback, private or link-local"),
        ("https://[::ffff:127.0.0.1]:{port}/x.png", "loopback, private or link-local"),
        ("http://media.example.com:{port}/x.png", "media URLs must be https://"),
    ],
)
def test_save_keeps_to_the_download_rules(
    template: str,
    refusal: str,
    listener: Listener,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a public base_url, --save refuses what image -o refuses: nothing is fetched."""
    artifact = template.format(port=listener.port)
    monkeypatch.setenv("SOGNI_API_KEY", API_KEY)
    monkeypatch.setenv("SOGNI_BASE_URL", BASE_URL)
    out, err = io.StringIO(), io.StringIO()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru(artifact.rsplit("/", 1)[0])  # a fetch would really connect
        _public_sogni(rsps, artifact)
        status = main(
            ["chat", "--sogni-tools", "--save", str(tmp_path), DRAW], stdout=out, stderr=err
        )
    assert status == 1
    assert refusal in err.getvalue()
    assert "nothing was downloaded" in err.getvalue() or "https://" in refusal
    assert (listener.connections, listener.received) == (0, b"")
    assert list(tmp_path.iterdir()) == []  # no file, no partial file


def test_save_writes_at_most_64_files_and_names_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workflow listing 70 results: 64 are saved, the other 6 named on stderr, exit 1."""
    base = "https://203.0.114.8/v1"  # public addresses: nothing to look up
    monkeypatch.setenv("SOGNI_API_KEY", API_KEY)
    monkeypatch.setenv("SOGNI_BASE_URL", base)
    urls = [f"https://203.0.114.7/results/{i}.png" for i in range(70)]
    out, err = io.StringIO(), io.StringIO()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _public_sogni(rsps, *urls, base=base)
        for url in urls:
            rsps.get(url, body=PNG, content_type="image/png")
        status = main(
            ["chat", "--sogni-tools", "--save", str(tmp_path), DRAW], stdout=out, stderr=err
        )
        fetched = [c.request.url for c in rsps.calls if "/results/" in (c.request.url or "")]
    assert status == 1
    assert fetched == urls[:64]
    assert len(list(tmp_path.iterdir())) == 64
    assert out.getvalue().splitlines()[-1] == str(tmp_path / "image-63.png")
    lines = err.getvalue().splitlines()
    note = "--save: 6 result(s) not saved: at most 64 files per command"
    assert lines[-7:] == [note, *urls[64:]]


def _three_results(
    rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch, *bodies: tuple[int, bytes]
) -> list[str]:
    """Sogni at a public address whose workflow lists one result per ``(status, body)``."""
    base = "https://203.0.114.8/v1"
    monkeypatch.setenv("SOGNI_API_KEY", API_KEY)
    monkeypatch.setenv("SOGNI_BASE_URL", base)
    urls = [f"https://203.0.114.7/results/{i}.png?sig={API_KEY}" for i in range(len(bodies))]
    _public_sogni(rsps, *urls, base=base)
    for url, (status, body) in zip(urls, bodies, strict=True):
        rsps.get(url, status=status, body=body, content_type="image/png")
    return urls


def test_a_failed_download_keeps_the_answer_and_the_other_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One result answering 404: the answer, the two saved paths and the failure print; exit 1."""
    out, err = io.StringIO(), io.StringIO()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _three_results(rsps, monkeypatch, (200, PNG), (404, b"gone"), (200, PNG))
        status = main(
            ["chat", "--sogni-tools", "--save", str(tmp_path), DRAW], stdout=out, stderr=err
        )
    assert status == 1
    printed = out.getvalue().splitlines()
    assert printed == ["here it is", str(tmp_path / "image-0.png"), str(tmp_path / "image-2.png")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image-0.png", "image-2.png"]
    (failure,) = [line for line in err.getvalue().splitlines() if line.startswith("--save:")]
    assert "404" in failure, failure
    assert "results/1.png?sig=***" in failure
    assert API_KEY not in err.getvalue()


def test_the_bytes_bound_stops_the_rest_and_names_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the bytes in all, the result under way and the rest are named (key masked), exit 1."""
    monkeypatch.setattr("sogni_compat._cli_save.MAX_SAVE_TOTAL_BYTES", len(PNG) + len(PNG) // 2)
    out, err = io.StringIO(), io.StringIO()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        urls = _three_results(rsps, monkeypatch, (200, PNG), (200, PNG), (200, PNG))
        status = main(
            ["chat", "--sogni-tools", "--save", str(tmp_path), DRAW], stdout=out, stderr=err
        )
    assert status == 1
    assert out.getvalue().splitlines() == ["here it is", str(tmp_path / "image-0.png")]
    assert [p.name for p in tmp_path.iterdir()] == ["image-0.png"]  # no partial file
    lines = err.getvalue().splitlines()
    bound = f"at most {len(PNG) + len(PNG) // 2:,} bytes in all per command"
    assert lines[-3:] == [
        f"--save: 2 result(s) not saved: {bound}",
        *(url.replace(API_KEY, "***") for url in urls[1:]),
    ]


def test_save_makes_its_folder_and_never_overwrites(tmp_path: Path) -> None:
    """--save DIR makes DIR (and its parents); a second run numbers its files after the first."""
    folder = tmp_path / "a" / "b"
    (tmp_path / "a").mkdir()
    runs = []
    for _ in range(2):
        out, err = io.StringIO(), io.StringIO()
        status = main(
            ["chat", "--offline", "--sogni-tools", "--save", str(folder), DRAW],
            stdout=out,
            stderr=err,
        )
        assert status == 0, err.getvalue()
        runs.append(out.getvalue().splitlines()[-1])
    assert runs == [str(folder / "image-0.png"), str(folder / "image-1.png")]
    assert sorted(p.name for p in folder.iterdir()) == ["image-0.png", "image-1.png"]
    assert all(p.read_bytes().startswith(PNG[:8]) for p in folder.iterdir())


def test_save_skips_names_taken_by_other_files(tmp_path: Path) -> None:
    """A file the user keeps under a result's name is left alone: the result takes the next one."""
    (tmp_path / "image-3.jpg").write_bytes(b"mine")
    out, err = io.StringIO(), io.StringIO()
    status = main(
        ["chat", "--offline", "--sogni-tools", "--save", str(tmp_path), DRAW],
        stdout=out,
        stderr=err,
    )
    assert status == 0, err.getvalue()
    assert out.getvalue().splitlines()[-1] == str(tmp_path / "image-4.png")
    assert (tmp_path / "image-3.jpg").read_bytes() == b"mine"


def test_save_to_a_file_is_a_usage_error(tmp_path: Path) -> None:
    """--save naming a file (not a folder) exits 2 before anything is sent."""
    (tmp_path / "taken").write_bytes(b"")
    err = io.StringIO()
    status = main(
        ["chat", "--offline", "--sogni-tools", "--save", str(tmp_path / "taken"), DRAW],
        stdout=io.StringIO(),
        stderr=err,
    )
    assert status == 2
    assert "not a folder" in err.getvalue()


def test_image_save_points_at_o(capsys: pytest.CaptureFixture[str]) -> None:
    """`image --save d` names -o, the way image saves, not the --save it just refused."""
    with pytest.raises(SystemExit) as exited:
        main(["image", "--offline", "x", "--save", "d"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --save d (sogni-compat image saves with -o FILE" in err
    assert "did you mean" not in err


def test_an_unknown_model_gets_command_line_advice() -> None:
    """The 404 for --model says --model and `sogni-compat models`, no Python keywords."""
    err = io.StringIO()
    status = main(
        ["chat", "--offline", "--model", "gpt-4o", "hello"], stdout=io.StringIO(), stderr=err
    )
    assert status == 1
    said = err.getvalue()
    assert "Model 'gpt-4o' is not served here" in said
    assert said.rstrip().endswith("Pass one of them with --model")
    assert "model_aliases" not in said
    assert "model=" not in said
