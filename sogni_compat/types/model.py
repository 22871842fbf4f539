"""Model listing objects."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from ._base import BaseObject, response_type

__all__ = ["Model", "ModelsPage"]


@response_type
class Model(BaseObject):
    """A model the API serves; fields beyond ``id`` are whatever the server sends."""

    id: str = ""
    object: str = "model"
    created: int | None = None
    owned_by: str | None = None


@response_type
class ModelsPage(BaseObject):
    """The answer of ``models.list()``: ``.data`` holds the models; iterating yields them."""

    object: str = "list"
    data: list[Model] = attrs.field(factory=list)

    def __iter__(self) -> Iterator[Model]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)
