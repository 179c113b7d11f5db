"""The workspace time zone (calendar days, queue slots), channels' weekly posting slots and
queued posts' claims on them."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "c4a1e7d90b36"
down_revision: str | None = "c4a9e2f06b17"


def upgrade() -> None:
    with op.batch_alter_table("review_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "time_zone", sa.String(length=64), nullable=False, server_default="Asia/Shanghai"
            )
        )
    op.create_table(
        "queue_slots",
        steps.id_column(),
        steps.workspace_id_column(36),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        steps.created_at_column(),
        steps.primary_key("queue_slots", "id"),
        steps.unique("queue_slots", "workspace_id", "channel_id", "weekday", "local_time"),
    )
    steps.create_indexes(
        "queue_slots", {"ix_queue_slots_workspace_id_channel_id": ["workspace_id", "channel_id"]}
    )
    op.create_table(
        "queued_posts",
        steps.id_column(),
        steps.workspace_id_column(36),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("post_id", sa.String(length=36), nullable=False),
        sa.Column("slot_at", sa.DateTime(timezone=True), nullable=False),
        steps.created_at_column(),
        steps.cascade_foreign_key("queued_posts", "post_id", "posts"),
        steps.primary_key("queued_posts", "id"),
        steps.unique("queued_posts", "workspace_id", "channel_id", "slot_at"),
    )
    steps.create_indexes(
        "queued_posts",
        {
            "ix_queued_posts_post_id": ["post_id"],
            "ix_queued_posts_workspace_id_slot_at": ["workspace_id", "slot_at"],
        },
    )


def downgrade() -> None:
    op.drop_table("queued_posts")
    op.drop_table("queue_slots")
    with op.batch_alter_table("review_settings", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
