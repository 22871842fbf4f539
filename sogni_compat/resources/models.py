"""``client.models``: list and retrieve the models the API serves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests

from .._convert import converter
from .._errors import APIResponseValidationError
from .._params import request_options
from ..types import Model, ModelsPage
from ._base import Resource, decode_json

__all__ = ["Models", "models_page"]


class Models(Resource):
    """``client.models.list()`` and ``client.models.retrieve(id)``.

    Both take the request options every method takes: ``extra_headers``, ``extra_query``,
    ``extra_body`` (sent as a JSON body) and ``timeout``.
    """

    def list(
        self,
        *,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: Any = None,
    ) -> ModelsPage:
        """All models; the page's ``.data`` holds them and iterating the page yields them."""
        options = request_options(
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        page = self._client._request(
            "GET", "models", body=options.extra_body, options=options, parse=models_page
        )
        if self._client.response_types == "openai":
            from .. import _openai_types  # noqa: PLC0415 - only in this mode

            page.data = [_openai_types.model(m) for m in page.data]
        return page

    def retrieve(
        self,
        model: str,
        *,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: Any = None,
    ) -> Model:
        """One model by id."""
        if not isinstance(model, str) or not model:
            raise ValueError(f"model must be a non-empty string; got {model!r}")
        options = request_options(
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        model = self._client.model_aliases.get(model, model)
        path = f"models/{quote(model, safe='')}"
        found = self._client._request(
            "GET", path, body=options.extra_body, options=options, parse=_model
        )
        if self._client.response_types == "openai":
            from .. import _openai_types  # noqa: PLC0415 - only in this mode

            converted: Model = _openai_types.model(found)
            return converted
        return found


def models_page(response: requests.Response) -> ModelsPage:
    """The :class:`ModelsPage` of a ``GET models`` answer."""
    data = decode_json(response)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise APIResponseValidationError(
            "The server's answer to GET models is not a model list", response=response, body=data
        )
    page: ModelsPage = converter.structure(data, ModelsPage)
    page._request_id = response.headers.get("x-request-id")
    return page


def _model(response: requests.Response) -> Model:
    data = decode_json(response)
    if not isinstance(data, dict):
        raise APIResponseValidationError(
            "The server's answer to GET models/{id} is not a model", response=response, body=data
        )
    found: Model = converter.structure(data, Model)
    found._request_id = response.headers.get("x-request-id")
    return found
