"""Index processed-event ids by when they were applied, for housekeeping to prune them.

Revision ID: 7471cf51ebd1
Revises: 71845f52251b
Create Date: 2026-11-26 10:30:00
"""

from collections.abc import Sequence

from servicekit.migration_steps import add_processed_at_index, drop_processed_at_index

revision: str = "7471cf51ebd1"
down_revision: str | None = "71845f52251b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_processed_at_index()


def downgrade() -> None:
    drop_processed_at_index()
