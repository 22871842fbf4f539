"""``client.images``: ``generate`` and ``edit`` on Sogni's hosted image tools.

Each call runs Sogni's ``generate_image`` or ``edit_image`` as a one-step workflow, exactly as
the auto-tool loop runs it (upload of the input image through the upload-URL routes, progress,
``tool_timeout`` bound, cancel when given up on), and answers with openai's ``ImagesResponse``
shape. OpenAI's image model names (``dall-e-2``, ``dall-e-3``, ``gpt-image-1``...) mean
"Sogni's default image model" unless ``model_aliases`` maps them; other names are sent as Sogni
image model ids (e.g. ``z-turbo``).

At most ``n`` images are returned, whatever the workflow lists. With
``response_format="b64_json"`` each is downloaded (without the key, under the rules of image
downloads: public https addresses, 40 MB each) and all of one call's downloads together are at
most the client's ``max_response_bytes``; a download that fails is an ``APIError`` naming the
image. ``images.edit`` checks its image and mask as ``media.upload`` checks a file before
anything is sent.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any, Literal

from .._base_client import encode_json
from .._errors import APIError, WaitTimeoutError
from .._media import MediaContext
from .._options import RequestOptions
from .._tools.follow import WorkflowTimeoutError
from .._tools.hosted import HostedRunner
from .._tools.report import ToolFailedError
from .._tools.upload import upload_media
from .._vision import MAX_SOURCE_BYTES, ImageTooLargeError, download_image
from ..hosted_tools import catalog
from ..types import ChatCompletionMessageToolCall, Function
from ..types.images import Image, ImagesResponse
from ._base import Resource, listing, offered
from ._durable import (
    SETTING_ALIASES,
    SETTING_KEYWORDS,
    keywords,
    progress_callback,
    settings,
    wait_budget,
)
from .media import kind_and_bytes, refuse_path_string

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..types.create_params import ImageSettingsParams, ProgressCallback

__all__ = ["Images"]

#: OpenAI's image model names: they select Sogni's default image model.
OPENAI_IMAGE_MODELS = frozenset(
    {"dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5"}
)
_SIZE = re.compile(r"^(\d{2,5})x(\d{2,5})$")
_FORMATS = ("url", "b64_json")
#: An image ``edit`` takes: bytes, a ``pathlib.Path`` (a plain string path only with
#: ``allow_local_files=True``), a binary file, or openai's ``(filename, content[, type])``.
ImageFile = bytes | os.PathLike[str] | IO[bytes] | str | tuple[Any, ...]

#: The named parameters of ``generate`` and ``edit``, for a misspelt keyword's hint.
_GENERATE_NAMES = (
    *("prompt", "model", "n", "size", "response_format", "quality", "style", "user"),
    *("on_progress", "timeout"),
)
_EDIT_NAMES = (
    *("image", "mask", "prompt", "model", "n", "size", "response_format", "user"),
    *("on_progress", "timeout"),
)


def _check(prompt: object, n: object, size: object, response_format: object) -> tuple[int, ...]:
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a string; got {type(prompt).__name__}")
    if not prompt.strip():
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


def _check_text(**given: object) -> None:
    """Each of ``given`` (``model``, ``quality``, ``style``, ``user``): a string or ``None``."""
    for name, value in given.items():
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a string; got {type(value).__name__}")
        if name == "model" and value is not None and not value.strip():
            raise ValueError("model must be a non-empty string (or None: Sogni's default)")


def _image_upload(image: Any, what: str, allow_local_files: bool) -> tuple[bytes, str]:
    """The bytes and content type of an ``image`` or ``mask`` argument, checked.

    Bytes, a ``pathlib.Path`` (a path as a plain string only with ``allow_local_files``), a
    binary file object or openai's ``(filename, content[, type])`` tuple; checked as
    ``media.upload`` checks a file (an image type Sogni's uploads take, at most 100 MB, a file
    read no further than that), before anything is sent.
    """
    content_type = None
    if isinstance(image, tuple) and len(image) in (2, 3):  # openai's FileTypes
        if len(image) == 3 and isinstance(image[2], str):
            content_type = image[2]
        image = image[1]
    refuse_path_string(image, what, allow_local_files)
    try:
        _, data, found = kind_and_bytes(image, "image", content_type)
    except TypeError as exc:
        raise TypeError(f"{what}: {exc}") from None
    except ValueError as exc:  # UnicodeDecodeError too: a file opened in text mode
        raise ValueError(f"{what}: {exc}") from None
    except OSError as exc:  # e.g. a missing file: the same class, naming the argument
        raise type(exc)(exc.errno, f"{what}: {exc.strerror}", exc.filename) from None
    return data, found


class Images(Resource):
    """``client.images.generate(...)`` and ``client.images.edit(...)``."""

    _path = "images"

    def _missing_attribute(self, name: str) -> Any:
        # Only for names normal lookup misses: say why an openai method is not here.
        if name == "create_variation":
            raise AttributeError(
                "client.images.create_variation: Sogni serves no image variations; "
                f"{listing('client.images serves', offered(self))}: "
                "client.images.edit(image=..., prompt=...) makes a new image from yours "
                "(Sogni's edit_image tool), and client.images.generate(prompt=...) one from a "
                "prompt"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # Out of type checkers' sight: they flag images.create_variation before it runs.
    if not TYPE_CHECKING:
        __getattr__ = _missing_attribute

    def generate(
        self,
        *,
        prompt: str,
        model: str | None = None,
        n: int = 1,
        size: str | None = None,
        response_format: Literal["url", "b64_json"] = "url",
        quality: str | None = None,
        style: str | None = None,
        user: str | None = None,
        on_progress: ProgressCallback | Literal["bar"] | None = None,
        timeout: float | None = None,
        **sogni: Unpack[ImageSettingsParams],
    ) -> ImagesResponse:
        """Make ``n`` images from ``prompt`` with Sogni's ``generate_image`` tool.

        At most ``n`` images are returned. ``size`` (``"1024x1024"``...) becomes width and
        height; ``quality``, ``style`` and ``user`` are accepted and not sent (Sogni's tool has
        no such settings). With ``response_format="b64_json"`` the images are downloaded, all
        together at most the client's ``max_response_bytes``. ``on_progress`` is an
        ``on_tool_progress`` callback (or ``"bar"``); ``timeout`` bounds the whole run in
        seconds (default: the client's ``tool_timeout``), after which the workflow is
        cancelled and :class:`~sogni_compat.WaitTimeoutError` raised. Sogni's ``token_type``,
        ``billing_mode``, ``app_source``, ``safe_content_filter``,
        ``max_estimated_capacity_units`` and ``confirm_cost`` (camelCase too) are sent with the
        workflow; ``extra_body`` is merged into the tool's arguments (e.g. ``{"seed": 3}``).
        Any other keyword is a ``TypeError`` before anything is sent.
        """
        _check_text(model=model, quality=quality, style=style, user=user)
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
        image: ImageFile,
        prompt: str,
        mask: ImageFile | None = None,
        model: str | None = None,
        n: int = 1,
        size: str | None = None,
        response_format: Literal["url", "b64_json"] = "url",
        user: str | None = None,
        on_progress: ProgressCallback | Literal["bar"] | None = None,
        timeout: float | None = None,
        **sogni: Unpack[ImageSettingsParams],
    ) -> ImagesResponse:
        """Edit ``image`` (bytes, a ``pathlib.Path`` or a binary file) as ``prompt`` says.

        Runs Sogni's ``edit_image``. The image is uploaded through Sogni's upload-URL routes and
        given to the step as its first upload; a ``mask`` is uploaded too and sent as
        ``mask_image_url``. Both may be bytes, a ``pathlib.Path`` (a path as a plain string
        only with ``allow_local_files=True``), a binary file or openai's ``(filename,
        content[, type])`` tuple, and must be an image Sogni's uploads take (PNG, JPEG, WebP
        or GIF) of at most 100 MB: a ``ValueError`` naming ``image`` or ``mask`` before
        anything is sent otherwise (a file object is read no further than 100 MB). The other
        keywords are as for :meth:`generate`; ``timeout`` covers the uploads too.
        """
        _check_text(model=model, user=user)
        dimensions = _check(prompt, n, size, response_format)
        allow = self._client.allow_local_files
        upload = _image_upload(image, "image", allow)
        masked = _image_upload(mask, "mask", allow) if mask is not None else None
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
        return self._run(
            "edit_image", arguments, [upload], response_format, on_progress, timeout, sogni, masked
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
        images: list[tuple[bytes, str]],
        response_format: str,
        on_progress: ProgressCallback | Literal["bar"] | None,
        timeout: float | None,
        sogni: Mapping[str, Any],
        mask: tuple[bytes, str] | None = None,
    ) -> ImagesResponse:

        what = "images.edit" if images else "images.generate"
        # Sogni's keywords (camelCase too); ``extra_body`` goes into the tool's arguments.
        named = _EDIT_NAMES if images else _GENERATE_NAMES
        given = keywords(sogni, (*SETTING_KEYWORDS, "extra_body"), what, SETTING_ALIASES, named)
        extra = given.pop("extra_body", None)
        if extra is not None:
            if not isinstance(extra, Mapping):
                raise TypeError("extra_body must be a dict (merged into the tool's arguments)")
            arguments.update(extra)
        client = self._client
        sogni = settings(given, client)
        seconds = wait_budget(client, timeout)
        deadline = time.monotonic() + seconds
        body: dict[str, Any] = {"messages": [], "sogni_tools": True, **sogni}
        progress = progress_callback(on_progress)
        encode_json({"arguments": arguments})  # refused before the image is uploaded

        def upload(data: bytes, content_type: str) -> str:
            return upload_media(
                client, "image", data, content_type, deadline=deadline, timeout=client.timeout
            )

        # The image is the step's first upload (index -1), the mask its mask_image_url; both
        # are uploaded first, within the call's timeout.
        references = [{"kind": "image", "url": upload(*image)} for image in images]
        if mask is not None:
            arguments["mask_image_url"] = upload(*mask)
        runner = HostedRunner(
            client,
            body,
            RequestOptions(),
            MediaContext([], references),
            progress,
            tool_timeout=max(deadline - time.monotonic(), 0.001),
        )
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
                    f"{what}: the image was not ready within timeout={seconds:g} s; "
                    + _fate(exc.workflow_id, exc.cancelled),
                    job_id=exc.workflow_id,
                    cancelled=exc.cancelled,
                ) from None
            # APIError masks the key in its message; the unmasked cause is not chained.
            raise APIError(f"{what}: {exc}", body=None) from None
        content = json.loads(result.content)
        workflow_id = content.get("workflowId")
        urls = result.result_urls[: arguments["numberOfVariations"]]  # n asked, n kept
        if response_format == "b64_json":
            data = self._download(urls, what, workflow_id)
        else:
            data = [Image(url=url) for url in urls]
        answer = ImagesResponse(created=int(time.time()), data=data, workflow_id=workflow_id)
        if client.response_types == "openai":
            from .. import _openai_types  # noqa: PLC0415 - only in this mode

            converted: ImagesResponse = _openai_types.images(answer)
            return converted
        return answer

    def _download(self, urls: list[str], what: str, workflow_id: object) -> list[Image]:
        """The images at ``urls``, base64-encoded (fetched without the key, within the bounds).

        Each download is at most 40 MB and all of them together at most the client's
        ``max_response_bytes`` (counted after decompression). The workflow ran (and was
        billed) already, so a failure is an :class:`APIError` naming the image, not a
        ``ValueError`` about the caller's input.
        """
        client = self._client
        budget = client.max_response_bytes
        images = []
        for number, url in enumerate(urls):
            where = f"{what}: image {number} of workflow {workflow_id}"
            try:
                data = download_image(client, url, where, limit=min(MAX_SOURCE_BYTES, budget))
            except ImageTooLargeError as exc:
                if exc.limit < MAX_SOURCE_BYTES:
                    size = "it and the images before it are" if number else "it is"
                    raise APIError(
                        f"{where}: {url}: {size} larger than max_response_bytes="
                        f"{client.max_response_bytes:,} bytes (counted decoded)",
                        body=None,
                    ) from None
                raise APIError(str(exc), body=None) from None
            except ValueError as exc:
                raise APIError(str(exc), body=None) from None
            budget -= len(data)
            images.append(Image(b64_json=base64.b64encode(data).decode("ascii")))
        return images


def _timed_out(error: BaseException, timeout_class: type[BaseException]) -> bool:
    """Whether the tool failed because its deadline passed (a timeout in its causes)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, timeout_class) or "did not finish within" in str(seen):
            return True
        seen = seen.__cause__
    return False


def _fate(workflow_id: str, cancelled: bool) -> str:
    """What became of the workflow of an image that was not ready in time."""
    if cancelled:
        return f"its workflow {workflow_id} was cancelled"
    if workflow_id:
        return (
            f"its workflow {workflow_id} could not be cancelled (it may still run and bill): "
            f"cancel it with client.workflows.cancel({workflow_id!r})"
        )
    return (
        "the workflow's start did not answer in time, so its id is unknown and nothing could "
        "be cancelled: if Sogni started it, client.workflows.list() shows it"
    )
