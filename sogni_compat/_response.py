"""Raw HTTP access: what ``with_raw_response`` and ``with_streaming_response`` return."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, Generic, TypeVar

import requests

from ._config import DEFAULT_MAX_RESPONSE_BYTES
from ._errors import APIResponseValidationError, translate_transport_errors
from ._json import loads
from ._transport import BodyTooLargeError, read_body

__all__ = ["APIResponse", "StreamedAPIResponse"]

_T = TypeVar("_T")


class _HTTPDetails:
    """What both wrappers expose of the HTTP response."""

    http_response: requests.Response
    #: How many times the request was retried before this answer (0 when the first try won).
    retries_taken: int

    @property
    def headers(self) -> MutableMapping[str, str]:
        """The response headers (case-insensitive)."""
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        """The HTTP status."""
        return self.http_response.status_code

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` header, for support requests."""
        return self.http_response.headers.get("x-request-id")

    @property
    def url(self) -> str:
        """The URL that answered."""
        return str(self.http_response.url)

    @property
    def http_request(self) -> requests.PreparedRequest:
        """The request that was sent (the one that answered, after any retries)."""
        return self.http_response.request

    @property
    def method(self) -> str:
        """The request's HTTP method (``POST``, ``GET``...)."""
        return str(self.http_response.request.method)

    @property
    def elapsed(self) -> datetime.timedelta:
        """Time from sending the request to receiving the headers."""
        return self.http_response.elapsed


class APIResponse(_HTTPDetails, Generic[_T]):
    """An answer with its HTTP details: ``.parse()`` gives what ``create()`` would return."""

    def __init__(self, http_response: requests.Response, parsed: _T, retries_taken: int) -> None:
        self.http_response = http_response
        self.retries_taken = retries_taken
        self._parsed = parsed

    def parse(self) -> _T:
        """The parsed result (a ``ChatCompletion``, a ``Stream``, ...)."""
        return self._parsed

    @property
    def content(self) -> bytes:
        """The raw body (empty for a stream, which is read through ``parse()``)."""
        body = getattr(self.http_response, "_content", None)
        return body if isinstance(body, bytes) else b""

    @property
    def text(self) -> str:
        """The body as text."""
        return self.content.decode(self.http_response.encoding or "utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON (``ValueError`` when it is not, or nests absurdly deep)."""
        return loads(self.content)

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] type={type(self._parsed).__name__}>"


class StreamedAPIResponse(_HTTPDetails, Generic[_T]):
    """An answer whose body has not been read yet; use it in a ``with`` block.

    Read the body with :meth:`iter_bytes`, :meth:`iter_text`, :meth:`iter_lines` or
    :meth:`read`, or call :meth:`parse` for what ``create()`` would return.
    """

    def __init__(
        self,
        http_response: requests.Response,
        parse: Callable[[requests.Response], _T],
        retries_taken: int,
        max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.http_response = http_response
        self.retries_taken = retries_taken
        self._parse = parse
        self._parsed: list[_T] = []
        self._max_bytes = max_bytes

    def parse(self) -> _T:
        """Parse the body (once) into what ``create()`` would return."""
        if not self._parsed:
            self._parsed.append(self._parse(self.http_response))
        return self._parsed[0]

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body's bytes as they arrive."""
        with translate_transport_errors(self.http_response.request):
            yield from self.http_response.iter_content(chunk_size)

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        """The body as text, as it arrives."""
        with translate_transport_errors(self.http_response.request):
            yield from self.http_response.iter_content(chunk_size, decode_unicode=True)

    def iter_lines(self) -> Iterator[str]:
        """The body line by line, as it arrives."""
        with translate_transport_errors(self.http_response.request):
            for line in self.http_response.iter_lines(decode_unicode=True):
                yield line if isinstance(line, str) else line.decode()

    def read(self) -> bytes:
        """The whole body (at most the client's ``max_response_bytes``)."""
        response = self.http_response
        if not response.__dict__.get("_content_consumed"):
            try:
                with translate_transport_errors(response.request):
                    read_body(response, float("inf"), self._max_bytes)
            except BodyTooLargeError as exc:
                raise APIResponseValidationError(
                    f"The body is larger than max_response_bytes={self._max_bytes:,} bytes "
                    f"({exc.size:,} read so far)",
                    response=response,
                ) from None
        return response.content

    def close(self) -> None:
        """Close the connection."""
        self.http_response.close()

    def __enter__(self) -> StreamedAPIResponse[_T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<StreamedAPIResponse [{self.status_code}]>"
