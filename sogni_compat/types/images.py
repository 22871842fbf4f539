"""``client.images`` answers, with the ``openai`` package's field names."""

from __future__ import annotations

import attrs

from ._base import BaseObject, response_type

__all__ = ["Image", "ImagesResponse"]


@response_type
class Image(BaseObject):
    """One image: its ``url``, or with ``response_format="b64_json"`` its bytes as base64."""

    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None


@response_type
class ImagesResponse(BaseObject):
    """The images made by one ``images.generate``/``images.edit`` call (``data``).

    ``workflow_id`` names the Sogni workflow that made them.
    """

    created: int = 0
    data: list[Image] = attrs.field(factory=list)
    size: str | None = None
    quality: str | None = None
    output_format: str | None = None
    workflow_id: str | None = None
