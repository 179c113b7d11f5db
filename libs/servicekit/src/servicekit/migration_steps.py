"""The migration steps of the tables servicekit owns, for every service's migrations to call:
`outbox_messages` (the outbox, outbox.py), `processed_events` (the ids of the events a
consumer applied, consumer.py) and `idempotency_keys` (the answers kept for retried
requests, idempotency.py).

Each pair of functions is one step of those tables' history, which every service took in
its own chain of revisions: a service's migration calls the step (upgrade) and its undoing
(downgrade), or, where the step is all the revision does, takes both from the step's
`Step` (`upgrade, downgrade = PROCESSED_AT_INDEX`). Databases have run these steps, so a
step never changes once released; a change to the tables is a new pair here, called from a
new migration in every service.

Below the steps, the pieces every service's own tables are made of (the standard id,
workspace and timestamp columns, named keys and indexes), so that a migration declares a
table's own columns and little else. Each builds exactly what its migrations wrote out by
hand before, so a database migrated either way has the same schema; released migrations
call them, so what one builds never changes either (a different shape is a new helper).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic import op


def id_column(length: int = 36) -> sa.Column[Any]:
    """The string id most tables are keyed by (a UUID, or a longer platform id)."""
    return sa.Column("id", sa.String(length=length), nullable=False)


def serial_id_column() -> sa.Column[Any]:
    """A 64-bit id the database counts up, for tables of many small rows; an INTEGER on
    SQLite, where only that column type takes the counting row id."""
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        autoincrement=True,
        nullable=False,
    )


def workspace_id_column(length: int) -> sa.Column[Any]:
    """The workspace a row belongs to (36 where it was made a UUID, 64 elsewhere)."""
    return sa.Column("workspace_id", sa.String(length=length), nullable=False)


def created_at_column() -> sa.Column[Any]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def updated_at_column() -> sa.Column[Any]:
    return sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)


def local_copy_columns() -> tuple[sa.Column[Any], sa.Column[Any]]:
    """A local copy of another service's row, kept from its `*.changed` events: whether it
    was deleted, and the newest change applied (an older event arriving late changes
    nothing)."""
    return (
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )


def primary_key(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    """The primary key named `pk_<table>`."""
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def cascade_foreign_key(table: str, column: str, referred_table: str) -> sa.ForeignKeyConstraint:
    """`column` referring to `referred_table.id`, its rows deleted with the row they refer
    to; named `fk_<table>_<column>_<referred_table>`."""
    return sa.ForeignKeyConstraint(
        [column],
        [f"{referred_table}.id"],
        name=op.f(f"fk_{table}_{column}_{referred_table}"),
        ondelete="CASCADE",
    )


def unique(table: str, *columns: str) -> sa.UniqueConstraint:
    """The columns' values unique together, named `uq_<table>_<column>_<column>...`."""
    return sa.UniqueConstraint(*columns, name=op.f(f"uq_{table}_{'_'.join(columns)}"))


def check_one_of(table: str, column: str, values: Sequence[str]) -> sa.CheckConstraint:
    """`column` holds one of `values`, named `ck_<table>_<column>`."""
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=op.f(f"ck_{table}_{column}"))


def create_indexes(table: str, indexes: Mapping[str, Sequence[str]]) -> None:
    """Create `table`'s (non-unique) indexes, each name to the columns it indexes, in order."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, columns in indexes.items():
            batch_op.create_index(batch_op.f(name), list(columns), unique=False)


def drop_indexes(table: str, names: Sequence[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in names:
            batch_op.drop_index(batch_op.f(name))


def create_event_tables() -> None:
    """`outbox_messages` and `processed_events` as every service first made them."""
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_messages_event_id")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_messages_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_events")),
    )


def drop_event_tables() -> None:
    op.drop_table("processed_events")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_sent_at"))

    op.drop_table("outbox_messages")


def add_processed_at_index() -> None:
    """Index processed-event ids by when they were applied, for housekeeping to prune them."""
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_events_processed_at"), ["processed_at"], unique=False
        )


def drop_processed_at_index() -> None:
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_events_processed_at"))


def add_outbox_parking() -> None:
    """Park an outbox row the broker refuses for good (too large): when, and the error.

    The relay used to retry such a row for ever, and no row after it was sent. A parked row
    is skipped, counted and shown in /ready until an operator deletes it or clears both
    columns to send it again.
    """
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))


def drop_outbox_parking() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("error")
        batch_op.drop_column("failed_at")


def create_idempotency_keys() -> None:
    """The keys of requests sent with an `Idempotency-Key`, with their first answers."""
    op.create_table(
        "idempotency_keys",
        workspace_id_column(64),
        sa.Column("principal", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        created_at_column(),
        primary_key("idempotency_keys", "workspace_id", "principal", "key"),
    )
    create_indexes("idempotency_keys", {"ix_idempotency_keys_created_at": ["created_at"]})


def drop_idempotency_keys() -> None:
    drop_indexes("idempotency_keys", ["ix_idempotency_keys_created_at"])
    op.drop_table("idempotency_keys")


@dataclass(frozen=True)
class Step:
    """One step of the shared tables' history, and its undoing, for a revision that is only
    this step to take as its own: `upgrade, downgrade = PROCESSED_AT_INDEX`."""

    apply: Callable[[], None]
    undo: Callable[[], None]

    # Methods, not the functions themselves: Alembic logs (and writes in --sql output) the
    # name of what it runs, which stays "upgrade" and "downgrade" as it always was.
    def upgrade(self) -> None:
        self.apply()

    def downgrade(self) -> None:
        self.undo()

    def __iter__(self) -> Iterator[Callable[[], None]]:
        return iter((self.upgrade, self.downgrade))


EVENT_TABLES = Step(create_event_tables, drop_event_tables)
PROCESSED_AT_INDEX = Step(add_processed_at_index, drop_processed_at_index)
OUTBOX_PARKING = Step(add_outbox_parking, drop_outbox_parking)
IDEMPOTENCY_KEYS = Step(create_idempotency_keys, drop_idempotency_keys)
