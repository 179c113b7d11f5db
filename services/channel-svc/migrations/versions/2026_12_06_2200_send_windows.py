"""Send rate limits in the database, so that every replica counts the same sends."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "5773655eae71"
down_revision: str | None = "e7d799cdaee6"


def upgrade() -> None:
    op.create_table(
        "send_windows",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("sent", sa.JSON(), nullable=False),
        steps.primary_key("send_windows", "key"),
    )


def downgrade() -> None:
    op.drop_table("send_windows")
