"""Putting media on Sogni: an upload URL, the presigned ``PUT``, then the download URL.

The URL Sogni names for the ``PUT`` keeps to the rules of image downloads (see
:mod:`sogni_compat._vision`): https only (plain http only to this machine), and no loopback,
private or link-local address (after resolution, and again on the address connected to,
before a byte is sent) unless the client's ``base_url`` is itself such an address. The
``PUT`` is sent as downloads are (:func:`~sogni_compat._vision.outside_request`): without the
key and without anything of the client's session (its headers, cookies, authentication or
query parameters), following no redirect.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import requests

from .._config import ERROR_BODY_LIMIT
from .._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    OpenAIError,
    error_from_response,
)
from .._options import RequestOptions
from .._secrets import scrub
from .._transport import USER_AGENT, PeerRefusedError, read_body
from .._vision import check_upload_url, outside_request
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
        parse=lambda response: _upload_target(client, response),
        deadline=deadline,
    )
    remaining = max(deadline - time.monotonic(), 0.001)
    try:
        _put(
            client,
            target,
            data,
            content_type,
            timeout=(connect, min(read, remaining)),
            deadline=deadline,
        )
    except PeerRefusedError as exc:  # the name resolved elsewhere by the time it connected
        raise APIConnectionError(str(exc)) from None
    del query["contentType"]
    url: str = client._request(
        "GET",
        f"/v1/{group}/downloadUrl",
        options=options(),
        parse=lambda response: _url_field(response, "downloadUrl"),
        deadline=deadline,
    )
    return url


def _put(
    client: Requester,
    url: str,
    data: bytes,
    content_type: str,
    *,
    timeout: tuple[float, float],
    deadline: float,
) -> None:
    """PUT ``data`` to a presigned upload ``url``: one attempt, by ``deadline``.

    The URL carries its own credential, so only ``Content-Type`` and the User-Agent go with
    it (see :func:`~sogni_compat._vision.outside_request`); a redirect is not followed.
    """
    headers = {"Content-Type": content_type, "User-Agent": USER_AGENT}
    try:
        with outside_request(
            client,
            "PUT",
            url,
            headers=headers,
            data=data,
            timeout=timeout,
            deadline=deadline,
            where="Sogni's upload answer",
            what="upload",
        ) as response:
            if response.status_code >= 300:  # an error page: its start is enough
                read_body(response, deadline, ERROR_BODY_LIMIT, truncate=True)
    except OpenAIError as exc:
        scrub(exc)
        raise
    if 300 <= response.status_code < 400:
        where = response.headers.get("location")
        raise APIStatusError(
            f"Error code: {response.status_code} - the presigned upload URL redirected "
            f"{'to ' + repr(where[:200]) if where else 'without a Location'}; uploads do "
            "not follow redirects",
            response=response,
        )
    if response.status_code >= 300:
        raise error_from_response(response)


def _upload_target(client: Requester, response: requests.Response) -> str:
    """The presigned upload URL of an answer, refused when the download rules refuse it."""
    url = _url_field(response, "uploadUrl")
    try:
        check_upload_url(client, url, "Sogni's upload answer")
    except ValueError as exc:
        raise APIResponseValidationError(str(exc), response=response, body=url) from None
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
