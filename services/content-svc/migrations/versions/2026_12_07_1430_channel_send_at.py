"""Per-channel queue slots: a queued post keeps each channel's time (`channel_send_at`),
and claims live by the post's state instead of by equal times (see `queue.repository`):
claims the old rule ignored (their post rescheduled or no longer scheduled) go."""

import sqlalchemy as sa
from alembic import op

revision: str = "e3c8a5f17d20"
down_revision: str | None = "d7b2e4a91c05"


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel_send_at", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    op.execute(
        "DELETE FROM queued_posts WHERE NOT EXISTS (SELECT 1 FROM posts"
        " WHERE posts.id = queued_posts.post_id AND posts.status = 'scheduled'"
        " AND posts.scheduled_at = queued_posts.slot_at)"
    )


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("channel_send_at")
