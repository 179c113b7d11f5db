"""Base classes for the models at the HTTP boundary."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class RequestModel(BaseModel):
    """Request bodies refuse unknown fields, so a typo or a mass-assignment attempt is a 422."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """A cursor page: pass `next_cursor` back as `cursor` to get the next one."""

    items: list[T]
    next_cursor: str | None = None
