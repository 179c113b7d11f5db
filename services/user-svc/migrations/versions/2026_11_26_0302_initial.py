"""initial

Revision ID: fed11888c8b1
Revises:
Create Date: 2026-11-26 03:02:14.623159
"""

from collections.abc import Sequence

from servicekit.migration_steps import create_event_tables, drop_event_tables

revision: str = "fed11888c8b1"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_event_tables()


def downgrade() -> None:
    drop_event_tables()
