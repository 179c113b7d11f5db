"""Send rate limits in the database, so that every replica counts the same sends."""

import sqlalchemy as sa
from alembic import op

revision: str = "5773655eae71"
down_revision: str | None = "e7d799cdaee6"


def upgrade() -> None:
    op.create_table(
        "send_windows",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("sent", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_send_windows")),
    )


def downgrade() -> None:
    op.drop_table("send_windows")
