"""Index processed-event ids by when they were applied, for housekeeping to prune them.

Revision ID: e2bdad7ac369
Revises: 167ade1545ee
Create Date: 2026-11-26 10:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e2bdad7ac369"
down_revision: str | None = "167ade1545ee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_events_processed_at"), ["processed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_events_processed_at"))
