"""The problems every domain raises the same way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from servicekit.problems import FieldError, Invalid, NotFound

T = TypeVar("T")


def found(row: T | None, noun: str, row_id: str) -> T:
    """`row`, or a 404 saying the workspace has no `noun` `row_id`: another workspace's row
    and no row at all answer alike."""
    if row is None:
        raise NotFound(f"There is no {noun} {row_id!r} in this workspace.")
    return row


def invalid(errors: Sequence[FieldError]) -> Invalid:
    """A 422 naming every field in `errors`."""
    return Invalid("; ".join(f"{e.field}: {e.message}" for e in errors), errors=list(errors))
