"""Transactions: reads (GET, HEAD) never queue behind a writer, and may not write."""

from __future__ import annotations

import asyncio

import pytest
from servicekit.db import Database, call_before_commit, where_equal
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.servicekit.kit_models import Effect


async def test_a_read_goes_ahead_while_a_writer_holds_the_lock(tmp_path: object) -> None:
    db = Database(f"sqlite:///{tmp_path}/reads.db")
    async with db.transaction() as session:
        await session.execute(text("CREATE TABLE notes (body TEXT)"))
        await session.execute(text("INSERT INTO notes VALUES ('first')"))
    try:
        async with db.transaction() as writer:
            await writer.execute(text("INSERT INTO notes VALUES ('second')"))
            # The writer has not committed: a reader sees the last committed state, at once
            # (a write transaction here would wait for the lock).
            async with asyncio.timeout(5), db.transaction(read_only=True) as reader:
                seen = (await reader.execute(text("SELECT count(*) FROM notes"))).scalar()
            assert seen == 1
        async with db.transaction(read_only=True) as reader:
            assert (await reader.execute(text("SELECT count(*) FROM notes"))).scalar() == 2

        with pytest.raises(OperationalError, match="readonly"):
            async with db.transaction(read_only=True) as reader:
                await reader.execute(text("INSERT INTO notes VALUES ('sneaked')"))
        # The connection is writable again for the next writer.
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO notes VALUES ('third')"))
        async with db.transaction(read_only=True) as reader:
            assert (await reader.execute(text("SELECT count(*) FROM notes"))).scalar() == 3
    finally:
        await db.dispose()


def test_where_equal_narrows_by_the_filters_given_and_skips_the_ones_left_out() -> None:
    query = where_equal(select(Effect), (Effect.post_id, "p1"), (Effect.title, None))
    sql = str(query.compile(compile_kwargs={"literal_binds": True}))
    assert "effects.post_id = 'p1'" in sql
    assert "title =" not in sql


async def test_work_gathered_in_a_transaction_is_done_once_inside_it(tmp_path: object) -> None:
    """`call_before_commit`: a hook registered many times runs once, before the commit, in
    the transaction (what it writes is committed with the rest, or rolled back with it)."""
    db = Database(f"sqlite:///{tmp_path}/hooks.db")
    runs: list[int] = []

    async def write_count(session: AsyncSession) -> None:
        runs.append(len(session.info["noted"]))
        await session.execute(text(f"INSERT INTO notes VALUES ('{len(session.info['noted'])}')"))

    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE notes (body TEXT)"))
        async with db.transaction() as session:
            for word in ("a", "b", "c"):
                session.info.setdefault("noted", []).append(word)
                call_before_commit(session, write_count)
        assert runs == [3]

        async def fail_after_noting() -> None:
            async with db.transaction() as session:
                session.info["noted"] = ["x"]
                call_before_commit(session, write_count)
                raise RuntimeError("the block failed: the hook does not run")

        with pytest.raises(RuntimeError):
            await fail_after_noting()
        assert runs == [3]
        async with db.transaction(read_only=True) as reader:
            notes = (await reader.execute(text("SELECT body FROM notes"))).scalars().all()
        assert notes == ["3"]
    finally:
        await db.dispose()
