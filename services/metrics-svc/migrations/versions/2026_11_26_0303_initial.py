"""initial

Revision ID: 324101912d4a
Revises:
Create Date: 2026-11-26 03:03:30.551883
"""

from collections.abc import Sequence

from servicekit.migration_steps import create_event_tables, drop_event_tables

revision: str = "324101912d4a"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_event_tables()


def downgrade() -> None:
    drop_event_tables()
