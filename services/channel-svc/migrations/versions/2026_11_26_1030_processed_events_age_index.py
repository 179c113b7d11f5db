"""Index processed-event ids by when they were applied, for housekeeping to prune them.

Revision ID: cd2fc0ac4d3d
Revises: 817d09f8cba5
Create Date: 2026-11-26 10:30:00
"""

from collections.abc import Sequence

from servicekit.migration_steps import add_processed_at_index, drop_processed_at_index

revision: str = "cd2fc0ac4d3d"
down_revision: str | None = "817d09f8cba5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_processed_at_index()


def downgrade() -> None:
    drop_processed_at_index()
