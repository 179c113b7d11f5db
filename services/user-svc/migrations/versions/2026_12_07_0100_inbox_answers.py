"""Inbox answers sent to the platforms (pending, sent, failed); interactions know their channel."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "c9a4e2f10b31"
down_revision: str | None = "b7d3c1e58a20"


def upgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("platform_status_id", sa.String(length=64), nullable=True))
    op.create_table(
        "inbox_answers",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("platform_message_id", sa.String(length=100), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=False),
        steps.created_at_column(),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        steps.check_one_of("inbox_answers", "status", ["pending", "sent", "failed"]),
        steps.cascade_foreign_key("inbox_answers", "item_id", "inbox_items"),
        steps.primary_key("inbox_answers", "id"),
    )
    op.create_index(op.f("ix_inbox_answers_item_id"), "inbox_answers", ["item_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_inbox_answers_item_id"), table_name="inbox_answers")
    op.drop_table("inbox_answers")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("platform_status_id")
        batch_op.drop_column("channel_id")
