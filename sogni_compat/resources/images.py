"""``client.images``: ``generate`` and ``edit`` on Sogni's hosted image tools.

Each call runs Sogni's ``generate_image`` or ``edit_image`` as a one-step workflow, exactly as
the auto-tool loop runs it (upload of the input image through the upload-URL routes, progress,
``tool_timeout`` bound, cancel when given up on), and answers with openai's ``ImagesResponse``
shape. OpenAI's image model names (``dall-e-2``, ``dall-e-3``, ``gpt-image-1``...) mean
"Sogni's default image model" unless ``model_aliases`` maps them; other names are sent as Sogni
image model ids (e.g. ``z-turbo``).
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from .._errors import APIError, WaitTimeoutError
from .._media import MediaContext
from .._options import RequestOptions
from .._params import ToolLoopOptions
from .._tools.follow import WorkflowTimeoutError
from .._tools.hosted import HostedRunner
from .._tools.report import ToolFailedError
from .._vision import _read_file, download_image
from ..hosted_tools import catalog
from ..types import ChatCompletionMessageToolCall, Function
from ..types.images import Image, ImagesResponse
from ._base import Resource
from ._durable import (
    SETTING_ALIASES,
    SETTING_KEYWORDS,
    keywords,
    settings,
    wait_budget,
)

__all__ = ["Images"]

#: OpenAI's image model names: they select Sogni's default image model.
OPENAI_IMAGE_MODELS = frozenset(
    {"dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5"}
)
_SIZE = re.compile(r"^(\d{2,5})x(\d{2,5})$")
_FORMATS = ("url", "b64_json")


def _check(prompt: object, n: object, size: object, response_format: object) -> tuple[int, ...]:
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("prompt must be a non-empty string")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 16:
        raise ValueError(f"n must be a whole number from 1 to 16 (Sogni's limit); got {n!r}")
    if response_format not in _FORMATS:
        raise ValueError(f"response_format must be 'url' or 'b64_json'; got {response_format!r}")
    if size is None or size == "auto":
        return ()
    match = _SIZE.match(size) if isinstance(size, str) else None
    if match is None:
        raise ValueError(f"size must be 'WIDTHxHEIGHT' (e.g. '1024x1024') or 'auto'; got {size!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (256 <= width <= 3840 and 256 <= height <= 3840):
        raise ValueError(f"size sides must be from 256 to 3840 pixels; got {size!r}")
    return width, height


def _image_bytes(image: Any, what: str) -> bytes:
    """The bytes of an ``image`` argument: bytes, a path, or a binary file object."""
    if isinstance(image, bytes | bytearray | memoryview):
        return bytes(image)
    if isinstance(image, str | os.PathLike):
        return _read_file(os.fspath(image), what)
    read = getattr(image, "read", None)
    if callable(read):
        data = read()
        if isinstance(data, bytes):
            return data
    if isinstance(image, tuple) and len(image) >= 2:  # openai's (filename, content[, type])
        return _image_bytes(image[1], what)
    raise TypeError(f"{what} must be bytes, a path or a binary file; got {type(image).__name__}")


class Images(Resource):
    """``client.images.generate(...)`` and ``client.images.edit(...)``."""

    def __getattr__(self, name: str) -> Any:
        # Only for names normal lookup misses: say why an openai method is not here.
        if name == "create_variation":
            raise AttributeError(
                "client.images.create_variation: Sogni serves no image variations; "
                "client.images.edit(image=..., prompt=...) makes a new image from yours "
                "(Sogni's edit_image tool), and client.images.generate(prompt=...) one from a "
                "prompt"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def generate(
        self,
        *,
        prompt: str,
        model: str | None = None,
        n: int = 1,
        size: str | None = None,
        response_format: str = "url",
        quality: str | None = None,
        style: str | None = None,
        user: str | None = None,
        on_progress: Callable[[Any, Any], Any] | str | None = None,
        timeout: float | None = None,
        **sogni: Any,
    ) -> ImagesResponse:
        """Make ``n`` images from ``prompt`` with Sogni's ``generate_image`` tool.

        ``size`` (``"1024x1024"``...) becomes width and height; ``quality``, ``style`` and
        ``user`` are accepted and not sent (Sogni's tool has no such settings).
        ``on_progress`` is an ``on_tool_progress`` callback (or ``"bar"``); ``timeout`` bounds
        the whole run in seconds (default: the client's ``tool_timeout``), after which the
        workflow is cancelled and :class:`~sogni_compat.WaitTimeoutError` raised. Sogni's
        ``token_type``, ``billing_mode``, ``app_source``, ``safe_content_filter``,
        ``max_estimated_capacity_units`` and ``confirm_cost`` (camelCase too) are sent with the
        workflow; ``extra_body`` is merged into the tool's arguments (e.g. ``{"seed": 3}``).
        Any other keyword is a ``TypeError`` before anything is sent.
        """
        del quality, style, user
        dimensions = _check(prompt, n, size, response_format)
        arguments: dict[str, Any] = {"prompt": prompt, "numberOfVariations": n}
        if dimensions:
            arguments["width"], arguments["height"] = dimensions
        chosen = self._model(model)
        if chosen is not None:
            arguments["model"] = chosen
        return self._run(
            "generate_image", arguments, [], response_format, on_progress, timeout, sogni
        )

    def edit(
        self,
        *,
        image: Any,
        prompt: str,
        mask: Any = None,
        model: str | None = None,
        n: int = 1,
        size: str | None = None,
        response_format: str = "url",
        user: str | None = None,
        on_progress: Callable[[Any, Any], Any] | str | None = None,
        timeout: float | None = None,
        **sogni: Any,
    ) -> ImagesResponse:
        """Edit ``image`` (bytes, a path or a binary file) as ``prompt`` says (``edit_image``).

        The image is uploaded through Sogni's upload-URL routes and given to the step as its
        first upload; a ``mask`` is uploaded too and sent as ``mask_image_url``. The other
        keywords are as for :meth:`generate`.
        """
        del user
        dimensions = _check(prompt, n, size, response_format)
        data = _image_bytes(image, "image")
        arguments: dict[str, Any] = {
            "prompt": prompt,
            "numberOfVariations": n,
            "sourceImageIndex": -1,
        }
        if dimensions:
            arguments["width"], arguments["height"] = dimensions
        chosen = self._model(model)
        if chosen is not None:
            arguments["model"] = chosen
        masked = _image_bytes(mask, "mask") if mask is not None else None
        return self._run(
            "edit_image", arguments, [data], response_format, on_progress, timeout, sogni, masked
        )

    def _model(self, model: str | None) -> str | None:
        if model is None:
            return None
        model = self._client.model_aliases.get(model, model)
        return None if model in OPENAI_IMAGE_MODELS else model

    def _run(  # noqa: PLR0917 - private, called twice
        self,
        tool_name: str,
        arguments: dict[str, Any],
        images: list[bytes],
        response_format: str,
        on_progress: Callable[[Any, Any], Any] | str | None,
        timeout: float | None,
        sogni: Mapping[str, Any],
        mask: bytes | None = None,
    ) -> ImagesResponse:

        what = "images.edit" if images else "images.generate"
        # Sogni's keywords (camelCase too); ``extra_body`` goes into the tool's arguments.
        given = keywords(sogni, (*SETTING_KEYWORDS, "extra_body"), what, SETTING_ALIASES)
        extra = given.pop("extra_body", None)
        if extra is not None:
            if not isinstance(extra, Mapping):
                raise TypeError("extra_body must be a dict (merged into the tool's arguments)")
            arguments.update(extra)
        client = self._client
        sogni = settings(given, client)
        seconds = wait_budget(client, timeout)
        # The image as an upload of the step: the media context uploads bytes as they are.
        parts = [{"type": "image_url", "image_url": data} for data in images]
        body: dict[str, Any] = {
            "messages": [{"role": "user", "content": parts}] if parts else [],
            "sogni_tools": True,
            **sogni,
        }
        media = MediaContext(body["messages"], None, allow_local_files=client.allow_local_files)
        runner = HostedRunner(
            client,
            body,
            RequestOptions(),
            media,
            ToolLoopOptions(on_tool_progress=on_progress).on_tool_progress,
            tool_timeout=seconds,
        )
        if mask is not None:
            deadline = time.monotonic() + seconds
            arguments["mask_image_url"] = runner.upload("image", mask, "image/png", deadline)
        call = ChatCompletionMessageToolCall(
            id=f"images_{tool_name}",
            function=Function(name=tool_name, arguments=json.dumps(arguments)),
        )
        tool = catalog()[tool_name]
        try:
            result = runner.run(call, tool, arguments)
        except ToolFailedError as exc:  # what the tool loop would tell the model
            if _timed_out(exc, WorkflowTimeoutError):
                raise WaitTimeoutError(
                    f"{what}: the image was not ready within timeout={seconds:g} s; its "
                    "workflow was cancelled",
                    job_id=_workflow_id(exc) or "",
                    cancelled=True,
                ) from None
            # APIError masks the key in its message; the unmasked cause is not chained.
            raise APIError(f"{what}: {exc}", body=None) from None
        content = json.loads(result.content)
        data = [Image(url=url) for url in result.result_urls]
        if response_format == "b64_json":
            data = [Image(b64_json=self._download(url)) for url in result.result_urls]
        answer = ImagesResponse(
            created=int(time.time()), data=data, workflow_id=content.get("workflowId")
        )
        if client.response_types == "openai":
            from .. import _openai_types  # noqa: PLC0415 - only in this mode

            converted: ImagesResponse = _openai_types.images(answer)
            return converted
        return answer

    def _download(self, url: str) -> str:
        """An image's bytes, base64-encoded (fetched without the key, within the bounds)."""
        return base64.b64encode(download_image(self._client, url, "image")).decode("ascii")


def _timed_out(error: BaseException, timeout_class: type[BaseException]) -> bool:
    """Whether the tool failed because its deadline passed (a timeout in its causes)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, timeout_class) or "did not finish within" in str(seen):
            return True
        seen = seen.__cause__
    return False


def _workflow_id(error: BaseException) -> str | None:
    """The workflow id a failure message names, if any."""
    found = re.search(r"workflow (\S+)", str(error))
    return found.group(1) if found else None
