"""``client.models``: list and retrieve the models the API serves."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests

from .._awaited import refuse_await
from .._errors import APIResponseValidationError
from .._options import RequestOptions, request_options
from .._response import APIResponse
from .._wire import decode_json
from ..types import Model, ModelsPage
from ._base import Resource, listing, offered

__all__ = ["Models", "models_page"]


class Models(Resource):
    """``client.models.list()`` and ``client.models.retrieve(id)``.

    Both take the request options every method takes: ``extra_headers``, ``extra_query``,
    ``extra_body`` (sent as a JSON body) and ``timeout``.
    """

    _path = "models"

    # One request each, guarded by the request path; refuse_await reads the caller's frame.
    _unguarded = frozenset({"list", "retrieve"})

    def _missing_attribute(self, name: str) -> Any:
        if name == "delete":
            raise AttributeError(
                "client.models.delete: Sogni's models are not yours to delete (it deletes "
                f"fine-tuned OpenAI models); {listing('client.models serves', offered(self))}"
            )
        raise AttributeError(f"'Models' object has no attribute {name!r}")

    # Out of type checkers' sight: they flag client.models.delete before it runs.
    if not TYPE_CHECKING:
        __getattr__ = _missing_attribute

    def list(
        self,
        *,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: Any = None,
    ) -> ModelsPage:
        """All models; the page's ``.data`` holds them and iterating the page yields them."""
        refuse_await("models.list")
        options = request_options(
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        page: ModelsPage = self._get("models", options, models_page)[0]
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
        refuse_await("models.retrieve")
        if not isinstance(model, str) or not model:
            raise ValueError(f"model must be a non-empty string; got {model!r}")
        options = request_options(
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        model = self._client.model_aliases.get(model, model)
        found: Model = self._get(f"models/{quote(model, safe='')}", options, _model)[0]
        return found

    @property
    def with_raw_response(self) -> _RawModels:
        """``list``/``retrieve`` returning an :class:`APIResponse` (headers, status, ...)."""
        return _RawModels(self)

    def _get(
        self, path: str, options: RequestOptions, parse: Callable[[requests.Response], Any]
    ) -> tuple[Any, requests.Response, int]:
        """One GET, its answer converted for ``response_types="openai"``."""
        found, response, retries = self._client._send(
            "GET", path, body=options.extra_body, options=options, parse=parse
        )
        if self._client.response_types == "openai":
            from .. import _openai_types  # noqa: PLC0415 - only in this mode

            if isinstance(found, ModelsPage):
                found.data = [_openai_types.model(m, response=response) for m in found.data]
            else:
                found = _openai_types.model(found, response=response)
        return found, response, retries


class _RawModels:
    """``client.models.with_raw_response``."""

    def __init__(self, models: Models) -> None:
        self._models = models

    def list(self, **options: Any) -> APIResponse[ModelsPage]:
        """Like ``list``; ``.parse()`` on the result gives the page."""
        found, response, retries = self._models._get(
            "models", request_options(**options), models_page
        )
        return APIResponse(response, found, retries)

    def retrieve(self, model: str, **options: Any) -> APIResponse[Model]:
        """Like ``retrieve``; ``.parse()`` on the result gives the model."""
        if not isinstance(model, str) or not model:
            raise ValueError(f"model must be a non-empty string; got {model!r}")
        model = self._models._client.model_aliases.get(model, model)
        found, response, retries = self._models._get(
            f"models/{quote(model, safe='')}", request_options(**options), _model
        )
        return APIResponse(response, found, retries)


def models_page(response: requests.Response) -> ModelsPage:
    """The :class:`ModelsPage` of a ``GET models`` answer."""
    data = decode_json(response)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise APIResponseValidationError(
            "The server's answer to GET models is not a model list", response=response, body=data
        )
    page = ModelsPage.reader()(data, None)
    page._request_id = response.headers.get("x-request-id")
    return page


def _model(response: requests.Response) -> Model:
    data = decode_json(response)
    if not isinstance(data, dict):
        raise APIResponseValidationError(
            "The server's answer to GET models/{id} is not a model", response=response, body=data
        )
    found = Model.reader()(data, None)
    found._request_id = response.headers.get("x-request-id")
    return found
