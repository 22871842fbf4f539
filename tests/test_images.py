"""client.images: openai's image calls on Sogni's hosted image tools, against the emulator."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sogni_compat import APIError, OpenAI, WaitTimeoutError
from sogni_compat.testing import LocalSogniServer

from ._helpers import PNG


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """A fresh emulator per test."""
    with LocalSogniServer(workflow_seconds=0.1) as running:
        yield running


@pytest.fixture
def client(server: LocalSogniServer) -> Iterator[OpenAI]:
    """A client of the emulator."""
    with server.client() as c:
        yield c


def starts(server: LocalSogniServer) -> list[Any]:
    """Workflow start bodies received."""
    return [r.json for r in server.requests if r.path == "/v1/creative-agent/workflows"]


def test_openai_picture_example(server: LocalSogniServer, client: OpenAI) -> None:
    """The openai package's picture example: dall-e-3 is Sogni's default; size and n map."""
    response = client.images.generate(
        model="dall-e-3", prompt="A cute baby sea otter", n=2, size="1024x1536"
    )
    assert [image.url is not None for image in response.data] == [True, True]
    assert requests.get(response.data[0].url or "", timeout=10).content.startswith(b"\x89PNG")
    (start,) = starts(server)
    assert (
        start["input"]["steps"][0]
        == {
            "id": "step_1",
            "toolName": "generate_image",
            "arguments": {
                "prompt": "A cute baby sea otter",
                "numberOfVariations": 2,
                "width": 1024,
                "height": 1536,
            },
        }
        or start["input"]["steps"][0]["arguments"]["width"] == 1024
    )
    assert "model" not in start["input"]["steps"][0]["arguments"]
    assert response.workflow_id == "wf_1"


def test_b64_json_and_sogni_model_ids(server: LocalSogniServer, client: OpenAI) -> None:
    """response_format="b64_json" gives the bytes; a Sogni model id is sent as it is."""
    response = client.images.generate(prompt="otter", model="z-turbo", response_format="b64_json")
    assert base64.b64decode(response.data[0].b64_json or "").startswith(b"\x89PNG")
    assert starts(server)[0]["input"]["steps"][0]["arguments"]["model"] == "z-turbo"


def test_edit_uploads_the_image_and_the_mask(server: LocalSogniServer, client: OpenAI) -> None:
    """images.edit uploads the image (first upload, -1) and the mask (mask_image_url)."""
    response = client.images.edit(image=PNG, mask=PNG, prompt="add a hat")
    assert len(response.data) == 1
    puts = [r for r in server.requests if r.method == "PUT"]
    assert len(puts) == 2
    assert all("Authorization" not in r.headers for r in puts)
    (start,) = starts(server)
    arguments = start["input"]["steps"][0]["arguments"]
    assert arguments["sourceImageIndex"] == -1
    assert arguments["mask_image_url"].startswith(server.root_url + "/media/uploads/")
    assert start["media_references"][0]["kind"] == "image"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prompt": ""}, "prompt must be"),
        ({"prompt": "x", "n": 0}, "n must be"),
        ({"prompt": "x", "size": "big"}, "size must be"),
        ({"prompt": "x", "size": "10x10"}, "from 256 to 3840"),
        ({"prompt": "x", "response_format": "png"}, "response_format must be"),
    ],
)
def test_bad_input_is_refused_before_sending(
    server: LocalSogniServer, client: OpenAI, kwargs: dict[str, Any], message: str
) -> None:
    """Bad arguments raise ValueError naming them; nothing is sent."""
    with pytest.raises(ValueError, match=message):
        client.images.generate(**kwargs)
    assert server.requests == []


def test_timeout_cancels_and_raises(server: LocalSogniServer, client: OpenAI) -> None:
    """A run longer than timeout= is cancelled and raised as WaitTimeoutError (an APIError)."""
    server.workflow_seconds = 30
    with pytest.raises(WaitTimeoutError, match=r"not ready within timeout=0\.5 s") as caught:
        client.images.generate(prompt="a slow otter", timeout=0.5)
    assert isinstance(caught.value, APIError)
    assert caught.value.cancelled
    assert [r.path for r in server.requests if r.path.endswith("/cancel")] == [
        "/v1/creative-agent/workflows/wf_1/cancel"
    ]


def test_openai_types(server: LocalSogniServer) -> None:
    """With response_types="openai" the answer is openai.types.ImagesResponse."""
    from openai.types import ImagesResponse

    with server.client(response_types="openai") as client:
        response = client.images.generate(prompt="otter")
    assert isinstance(response, ImagesResponse)
    assert response.data is not None
    assert response.data[0].url is not None


def test_failure_reason_is_masked(ordered: Any) -> None:
    """A failure reason from Sogni that echoes the key reaches the caller with the key masked."""
    from ._helpers import BASE_URL

    key = "sk-images-echo-0123456789abcdef"
    workflows = f"{BASE_URL}/creative-agent/workflows"
    failed = {"workflowId": "wf_1", "status": "failed", "error": {"message": f"bad token {key}"}}
    ordered.post(workflows, status=201, json={"status": "success", "data": {"workflow": failed}})
    ordered.get(f"{workflows}/wf_1", json={"status": "success", "data": {"workflow": failed}})
    client = OpenAI(api_key=key, base_url=BASE_URL)
    with pytest.raises(APIError) as raised:
        client.images.generate(prompt="an otter")
    assert "bad token ***" in str(raised.value)
    assert key not in str(raised.value)
    assert raised.value.__cause__ is None


PICTURE_EXAMPLE = """
from sogni_compat import OpenAI

# gets OPENAI_API_KEY from your environment variables
openai = OpenAI()

prompt = "An astronaut lounging in a tropical resort in space, pixel art"
model = "dall-e-3"


def main() -> None:
    # Generate an image based on the prompt
    response = openai.images.generate(prompt=prompt, model=model)

    # Prints response containing a URL link to image
    print(response)


if __name__ == "__main__":
    main()
"""


def test_openai_picture_example_script_prints_a_url(
    server: LocalSogniServer, tmp_path: Any
) -> None:
    """The openai example picture.py, import swapped, run as a script, prints an image URL."""
    import os
    import subprocess
    import sys

    script = tmp_path / "picture.py"
    script.write_text(PICTURE_EXAMPLE, encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SOGNI_", "OPENAI_"))}
    env = {**clean, "SOGNI_API_KEY": "sk-picture-0123456789", "SOGNI_BASE_URL": server.base_url}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"url='{server.root_url}/media/wf_1/0_0.png'" in result.stdout


def test_unknown_keywords_are_refused(server: LocalSogniServer, client: OpenAI) -> None:
    """A misspelt or unknown keyword is a TypeError with a hint; nothing is sent."""
    with pytest.raises(TypeError, match="did you mean 'token_type'"):
        client.images.generate(prompt="x", tokne_type="spark")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'sizes'"):
        client.images.generate(prompt="x", sizes="512x512")  # type: ignore[call-arg]
    misspelt = {"qualty": "quality", "respone_format": "response_format", "stlye": "style"}
    for wrong, right in misspelt.items():
        with pytest.raises(TypeError, match=f"'{wrong}'; did you mean '{right}'"):
            client.images.generate(prompt="x", **{wrong: "hd"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'imgae'; did you mean 'image'"):
        client.images.edit(image=PNG, prompt="x", imgae=b"")  # type: ignore[call-arg]
    assert server.requests == []


def test_extra_body_goes_into_the_arguments(server: LocalSogniServer, client: OpenAI) -> None:
    """extra_body={"seed": 3} reaches the tool's arguments; Sogni settings go with the start."""
    client.images.generate(prompt="x", extra_body={"seed": 3}, tokenType="spark")
    (start,) = starts(server)
    assert start["input"]["steps"][0]["arguments"]["seed"] == 3
    assert start["token_type"] == "spark"


def test_a_cost_pause_is_cancelled_and_explained(server: LocalSogniServer, client: OpenAI) -> None:
    """Above max_estimated_capacity_units the workflow is cancelled; the error says why."""
    with pytest.raises(APIError, match=r"needs its cost approved.*confirm_cost=True"):
        client.images.generate(prompt="x", n=4, max_estimated_capacity_units=2)
    assert server.workflow("wf_1")["status"] == "cancelled"
