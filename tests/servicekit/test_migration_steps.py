"""The pieces migrations build tables from make the columns, keys and indexes they name, and
a shared step a revision takes as its own runs (and is logged) as upgrade and downgrade."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import op
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from servicekit import migration_steps as steps
from sqlalchemy.engine import Connection


@pytest.fixture
def connection() -> Iterator[Connection]:
    engine = sa.create_engine("sqlite://")
    with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        yield connection
    engine.dispose()


def test_a_step_runs_as_upgrade_and_downgrade() -> None:
    ran: list[str] = []
    upgrade, downgrade = steps.Step(lambda: ran.append("apply"), lambda: ran.append("undo"))

    upgrade()
    downgrade()

    assert ran == ["apply", "undo"]
    # Alembic logs the name of what it runs for a revision.
    assert (upgrade.__name__, downgrade.__name__) == ("upgrade", "downgrade")


def test_table_helpers_build_the_columns_keys_and_indexes_they_name(
    connection: Connection,
) -> None:
    op.create_table("parents", steps.id_column(64), steps.primary_key("parents", "id"))
    op.create_table(
        "children",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("parent_id", sa.String(length=64), nullable=False),
        *steps.local_copy_columns(),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.cascade_foreign_key("children", "parent_id", "parents"),
        steps.primary_key("children", "id"),
    )
    steps.create_indexes("children", {"ix_children_by_parent": ["parent_id", "created_at"]})

    inspector = sa.inspect(connection)
    columns = inspector.get_columns("children")
    assert [(c["name"], str(c["type"]), c["nullable"]) for c in columns] == [
        ("id", "VARCHAR(36)", False),
        ("workspace_id", "VARCHAR(64)", False),
        ("parent_id", "VARCHAR(64)", False),
        ("deleted", "BOOLEAN", False),
        ("changed_at", "DATETIME", False),
        ("created_at", "DATETIME", False),
        ("updated_at", "DATETIME", False),
    ]
    assert inspector.get_pk_constraint("children") == {
        "name": "pk_children",
        "constrained_columns": ["id"],
    }
    [foreign_key] = inspector.get_foreign_keys("children")
    assert foreign_key["name"] == "fk_children_parent_id_parents"
    assert (foreign_key["referred_table"], foreign_key["referred_columns"]) == ("parents", ["id"])
    assert foreign_key["options"] == {"ondelete": "CASCADE"}
    [index] = inspector.get_indexes("children")
    assert (index["name"], index["column_names"], index["unique"]) == (
        "ix_children_by_parent",
        ["parent_id", "created_at"],
        0,
    )

    steps.drop_indexes("children", ["ix_children_by_parent"])
    assert sa.inspect(connection).get_indexes("children") == []


def test_a_serial_id_counts_up_by_itself(connection: Connection) -> None:
    op.create_table(
        "points",
        steps.serial_id_column(),
        sa.Column("value", sa.Integer(), nullable=False),
        steps.primary_key("points", "id"),
    )
    connection.execute(sa.text("INSERT INTO points (value) VALUES (10), (20)"))

    ids = connection.execute(sa.text("SELECT id, value FROM points ORDER BY id")).all()
    assert [tuple(row) for row in ids] == [(1, 10), (2, 20)]
    [column] = [c for c in sa.inspect(connection).get_columns("points") if c["name"] == "id"]
    assert str(column["type"]) == "INTEGER"  # SQLite counts only an INTEGER primary key
