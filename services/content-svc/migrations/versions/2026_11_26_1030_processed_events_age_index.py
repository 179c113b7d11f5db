"""Index processed-event ids by when they were applied, for housekeeping to prune them.

Revision ID: 4ef9a1bf7d81
Revises: aa0e1831eebd
Create Date: 2026-11-26 10:30:00
"""

from collections.abc import Sequence

from servicekit.migration_steps import add_processed_at_index, drop_processed_at_index

revision: str = "4ef9a1bf7d81"
down_revision: str | None = "aa0e1831eebd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_processed_at_index()


def downgrade() -> None:
    drop_processed_at_index()
