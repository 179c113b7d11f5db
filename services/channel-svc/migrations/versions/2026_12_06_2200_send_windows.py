"""Send rate limits in the database, so that every replica counts the same sends.

Revision ID: 5773655eae71
Revises: e7d799cdaee6
Create Date: 2026-12-06 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5773655eae71"
down_revision: str | None = "e7d799cdaee6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_windows",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("sent", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_send_windows")),
    )


def downgrade() -> None:
    op.drop_table("send_windows")
