"""Building an answer (a pydantic model or a dataclass) from a row or another object whose
attributes carry the same names, so that fields are not copied one by one."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M")
_NOT_THERE = object()


def shaped(model: type[M], source: object, **fields: Any) -> M:
    """A `model` of `fields`, and of the attributes of `source` named like its other fields
    (those `source` has)."""
    if issubclass(model, BaseModel):
        names: list[str] = list(model.model_fields)
    else:
        names = [field.name for field in dataclasses.fields(model)]  # type: ignore[arg-type]
    for name in names:
        if name not in fields:
            value = getattr(source, name, _NOT_THERE)
            if value is not _NOT_THERE:
                fields[name] = value
    return model(**fields)


def columns_of(source: BaseModel, table: Any) -> dict[str, Any]:
    """The fields of `source` (an event's payload) that are columns of `table` (a model of
    the table it is kept in)."""
    return source.model_dump(include=set(table.__table__.columns.keys()))
