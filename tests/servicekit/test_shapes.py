"""servicekit.shapes: a model made of a row's attributes and the fields given."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
from pydantic import BaseModel, ValidationError
from servicekit.shapes import columns_of, shaped


class Read(BaseModel):
    id: str
    name: str
    size: int
    note: str | None = None


@dataclasses.dataclass
class Row:
    id: str
    name: str


def test_fields_come_from_the_attributes_named_like_them_and_the_given_ones_win() -> None:
    row = SimpleNamespace(id="r1", name="old", unrelated=1)
    assert shaped(Read, row, name="new", size=3) == Read(id="r1", name="new", size=3)


def test_a_required_field_in_neither_fails_as_the_model_fails() -> None:
    with pytest.raises(ValidationError, match="size"):
        shaped(Read, SimpleNamespace(id="r1", name="n"))


def test_dataclasses_are_shaped_too() -> None:
    assert shaped(Row, SimpleNamespace(id="r1", name="n", size=2)) == Row(id="r1", name="n")


def test_columns_of_a_request_are_its_fields_the_table_has_but_the_skipped() -> None:
    class Table:
        __table__ = SimpleNamespace(columns={"id": 1, "name": 2, "size": 3})

    request = Read(id="r1", name="n", size=2, note="not a column")
    assert columns_of(request, Table, skip={"size"}) == {"id": "r1", "name": "n"}
