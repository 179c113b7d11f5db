"""Where each Weibo collector's comments stopped (the newest comment id pulled)."""

import sqlalchemy as sa
from alembic import op

revision: str = "c0mme7750001"
down_revision: str | None = "a15e3d0c0001"


def upgrade() -> None:
    with op.batch_alter_table("channel_syncs") as batch:
        batch.add_column(sa.Column("comments_since_id", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("comments_last_run", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("channel_syncs") as batch:
        batch.drop_column("comments_last_run")
        batch.drop_column("comments_since_id")
