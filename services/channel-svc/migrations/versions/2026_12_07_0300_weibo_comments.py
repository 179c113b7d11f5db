"""Where each Weibo collector's comments stand: pulled up to an id, and a burst's backlog."""

import sqlalchemy as sa
from alembic import op

revision: str = "c0mme7750001"
down_revision: str | None = "a15e3d0c0001"


def upgrade() -> None:
    with op.batch_alter_table("channel_syncs") as batch:
        batch.add_column(sa.Column("comments_since_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("comments_backlog_max_id", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("comments_backlog_newest_id", sa.String(length=32), nullable=True)
        )
        batch.add_column(
            sa.Column("comments_last_run", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("channel_syncs") as batch:
        batch.drop_column("comments_last_run")
        batch.drop_column("comments_backlog_newest_id")
        batch.drop_column("comments_backlog_max_id")
        batch.drop_column("comments_since_id")
