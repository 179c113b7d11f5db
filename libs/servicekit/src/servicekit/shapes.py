"""A response or an event (a pydantic model or a dataclass) made from a row, or any object
whose attributes are named like its fields, so that fields are not copied one by one."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any, TypeVar

from pydantic import BaseModel

Shape = TypeVar("Shape")


def field_names(model: type[Any]) -> list[str]:
    """The names of a pydantic model's or a dataclass's fields, in their order."""
    return list(_field_names(model))


# Per class: `shaped` asks for every row of a batch.
_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _field_names(model: type[Any]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(model)
    if names is None:
        if issubclass(model, BaseModel):
            names = tuple(model.model_fields)
        else:
            names = tuple(field.name for field in dataclasses.fields(model))
        _FIELD_NAMES[model] = names
    return names


def shaped(model: type[Shape], source: object, **given: Any) -> Shape:
    """A `model` of `given` (what `source` holds under another name, or not at all: an id
    named for its kind, a computed figure) and, for each other field, of the attribute of
    `source` named like it. A required field in neither fails as the model fails."""
    taken = {
        name: getattr(source, name)
        for name in _field_names(model)
        if name not in given and hasattr(source, name)
    }
    return model(**taken, **given)


def columns_of(source: BaseModel, table: Any, *, skip: Collection[str] = ()) -> dict[str, Any]:
    """The fields of `source` (a request, an event's payload) that are columns of `table` (a
    mapped model) of the same name, but those in `skip`: a row's values as they came."""
    return source.model_dump(include=set(table.__table__.columns.keys()) - set(skip))
