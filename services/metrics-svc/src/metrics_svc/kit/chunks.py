"""Long lists in slices, so that no statement carries more parameters than a driver takes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar, TypeVarTuple

from sqlalchemy import Row, Select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
K = TypeVar("K")
R = TypeVar("R")
Ts = TypeVarTuple("Ts")


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def scalars_by_chunk(
    session: AsyncSession,
    query_for: Callable[[Sequence[K]], Select[R]],
    keys: Sequence[K],
    size: int = 500,
) -> list[R]:
    """The rows of `query_for(keys)`, asked `size` keys at a time (an `IN` list long
    enough would pass the driver's limit on parameters)."""
    found: list[R] = []
    for chunk in chunked(keys, size):
        found.extend(await session.scalars(query_for(chunk)))
    return found


async def rows_by_chunk(
    session: AsyncSession,
    query_for: Callable[[Sequence[K]], Select[*Ts]],
    keys: Sequence[K],
    size: int = 500,
) -> list[Row[*Ts]]:
    """The rows of `query_for(keys)` (a select of columns), asked `size` keys at a time."""
    found: list[Row[*Ts]] = []
    for chunk in chunked(keys, size):
        found.extend((await session.execute(query_for(chunk))).all())
    return found
