"""Bulk writes (`insert_rows`, `update_rows`, `delete_rows`, `add_events`): many rows in a
statement, in the caller's transaction, with the defaults and the constraints an INSERT
has (PostgreSQL takes the rows by COPY, SQLite by executemany)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from event_contracts import CloudEvent, PostPublishedV1
from servicekit.db import Database, delete_rows, insert_rows, update_rows
from servicekit.events import Emitter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.servicekit.kit_models import Effect, OutboxMessage


async def _effects(db: Database) -> list[tuple[int, str, str]]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(Effect.id, Effect.post_id, Effect.title).order_by(Effect.id)
        )
        return [(row.id, row.post_id, row.title) for row in rows]


async def test_rows_are_inserted_updated_and_deleted_by_key(db: Database) -> None:
    async with db.transaction() as session:
        # The id is left out: the database numbers the rows, as an INSERT would.
        await insert_rows(
            session, Effect, [{"post_id": f"p{n}", "title": f"title {n}"} for n in range(5)]
        )
    stored = await _effects(db)
    assert [(post, title) for _, post, title in stored] == [
        (f"p{n}", f"title {n}") for n in range(5)
    ]
    assert len({row_id for row_id, _, _ in stored}) == 5

    first, second, *_ = stored
    async with db.transaction() as session:
        await update_rows(
            session,
            Effect,
            [{"id": first[0], "title": "renamed"}, {"id": second[0], "title": "also renamed"}],
        )
        await delete_rows(session, Effect, [{"post_id": "p3"}, {"post_id": "p4"}])
    assert [(post, title) for _, post, title in await _effects(db)] == [
        ("p0", "renamed"),
        ("p1", "also renamed"),
        ("p2", "title 2"),
    ]


async def test_a_violated_constraint_raises_and_the_transaction_writes_nothing(
    db: Database,
) -> None:
    row = {"event_id": "e-1", "topic": "post.published", "key": b"k", "value": b"{}"}

    async def write_the_same_event_twice() -> None:
        async with db.transaction() as session:
            await insert_rows(session, Effect, [{"post_id": "p", "title": "kept?"}])
            await insert_rows(session, OutboxMessage, [row, {**row, "topic": "again"}])

    with pytest.raises(IntegrityError):
        await write_the_same_event_twice()
    assert await _effects(db) == []
    async with db.transaction() as session:
        assert (await session.scalars(select(OutboxMessage))).all() == []


def _published(n: int) -> PostPublishedV1:
    return PostPublishedV1(
        post_id=f"post-{n}",
        workspace_id="ws-1",
        version=1,
        title=f"周报 {n}",
        body_markdown="正文",
        body_html="<p>正文</p>",
        tags=[],
        keywords=[],
        channel_ids=["c-1"],
        author_id="a-1",
        published_at=datetime(2026, 12, 1, 8, tzinfo=UTC),
    )


async def test_many_events_are_written_as_one_at_a_time_would_be(db: Database) -> None:
    emit = Emitter(OutboxMessage, source="/kit-svc", emits=(PostPublishedV1,))
    woken: list[bool] = []
    db.on_outbox_commit(lambda: woken.append(True))
    async with db.transaction() as session:
        emit(session, _published(0))
        await session.flush()
        await emit.many(session, [(_published(1), None), (_published(2), "about-2")])
    assert woken == [True]
    async with db.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    events = [CloudEvent.from_bytes(row.value) for row in rows]
    assert [event.subject for event in events] == ["post-0", "post-1", "about-2"]
    assert [row.key for row in rows] == [b"post-0", b"post-1", b"post-2"]
    assert [row.event_id for row in rows] == [event.id for event in events]
    # The columns the bulk write leaves out have their defaults: unsent, not parked.
    assert all(row.created_at is not None and row.sent_at is None for row in rows)
    assert all(row.failed_at is None and row.error is None for row in rows)
    assert all(event.payload() == _published(n) for n, event in enumerate(events))
