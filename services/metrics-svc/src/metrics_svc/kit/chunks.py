"""Long lists in slices, so that no statement carries more parameters than a driver takes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
K = TypeVar("K")
R = TypeVar("R")


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
