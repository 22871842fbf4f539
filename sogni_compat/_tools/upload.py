"""Putting media on Sogni: an upload URL, the presigned ``PUT``, then the download URL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import requests

from .._errors import APIResponseValidationError
from .._options import RequestOptions
from .._wire import decode_json

if TYPE_CHECKING:
    from .._requester import Requester
    from ..hosted_tools import MediaKind

__all__ = ["upload_media"]


def upload_media(
    client: Requester,
    kind: MediaKind,
    data: bytes,
    content_type: str,
    *,
    deadline: float,
    timeout: Any,
    headers: Mapping[str, str | None] | None = None,
) -> str:
    """Upload ``data`` through Sogni's upload-URL routes; returns its download URL.

    ``GET /v1/{image|media}/uploadUrl`` at the API root, a ``PUT`` of the bytes to the
    presigned URL (without the key, no redirects), then ``GET .../downloadUrl``; everything by
    ``deadline``.
    """
    group = "image" if kind == "image" else "media"
    query = {
        "jobId": uuid.uuid4().hex,
        "type": f"reference{kind.capitalize()}",
        "contentType": content_type,
    }
    connect, read = timeout

    def options() -> RequestOptions:
        remaining = max(deadline - time.monotonic(), 0.001)
        return RequestOptions(
            extra_headers=headers, extra_query=dict(query), timeout=(connect, min(read, remaining))
        )

    target = client._request(
        "GET",
        f"/v1/{group}/uploadUrl",
        options=options(),
        parse=lambda response: _url_field(response, "uploadUrl"),
        deadline=deadline,
    )
    remaining = max(deadline - time.monotonic(), 0.001)
    client._put_presigned(target, data, content_type, (connect, min(read, remaining)), deadline)
    del query["contentType"]
    url: str = client._request(
        "GET",
        f"/v1/{group}/downloadUrl",
        options=options(),
        parse=lambda response: _url_field(response, "downloadUrl"),
        deadline=deadline,
    )
    return url


def _url_field(response: requests.Response, field: str) -> str:
    """``data.<field>`` (or ``<field>``) of an upload-URL answer: an http(s) URL."""
    body = decode_json(response)
    data = body.get("data", body) if isinstance(body, dict) else None
    url = data.get(field) if isinstance(data, dict) else None
    if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
        raise APIResponseValidationError(
            f"Sogni's upload answer has no http(s) {field!r}", response=response, body=body
        )
    return url
