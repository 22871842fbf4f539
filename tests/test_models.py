"""client.models: list and retrieve."""

from __future__ import annotations

from typing import Any

import pytest
import responses

import sogni_compat
from sogni_compat import Model, OpenAI

from ._helpers import BASE_URL

LISTING: dict[str, Any] = {
    "object": "list",
    "data": [
        {"id": "qwen3.6-35b-a3b-gguf-iq4xs", "object": "model", "created": 1, "owned_by": "sogni"},
        {"id": "qwen3.5-35b-a3b-abliterated-gguf-q4km", "object": "model", "context": 262144},
    ],
}


def test_list_models(client: OpenAI, mock: responses.RequestsMock) -> None:
    """models.list() returns a page whose data holds Model objects and which is iterable."""
    mock.get(f"{BASE_URL}/models", json=LISTING)
    page = client.models.list()
    assert [m.id for m in page.data] == [m["id"] for m in LISTING["data"]]
    assert [m.id for m in page] == [m.id for m in page.data]
    assert len(page) == 2
    assert isinstance(page.data[0], Model)
    assert getattr(page.data[1], "context") == 262144
    assert page.data[1].owned_by is None
    assert page.to_dict() == LISTING


def test_retrieve_model(client: OpenAI, mock: responses.RequestsMock) -> None:
    """models.retrieve(id) GETs models/{id} with the id escaped."""
    mock.get(f"{BASE_URL}/models/org%2Fmodel%20x", json={"id": "org/model x", "object": "model"})
    model = client.models.retrieve("org/model x")
    assert model.id == "org/model x"


def test_unknown_model_is_not_found(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A 404 for an unknown model raises NotFoundError."""
    mock.get(f"{BASE_URL}/models/nope", status=404, json={"error": {"message": "unknown model"}})
    with pytest.raises(sogni_compat.NotFoundError, match="unknown model"):
        client.models.retrieve("nope")


def test_list_that_is_not_a_list(client: OpenAI, mock: responses.RequestsMock) -> None:
    """A models answer without a data list raises APIResponseValidationError."""
    mock.get(f"{BASE_URL}/models", json={"object": "list"})
    with pytest.raises(sogni_compat.APIResponseValidationError, match="model list"):
        client.models.list()
