"""Segments made tags of WeChat accounts (for mass sends to a segment), and who is tagged."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "wech47a90001"
down_revision: str | None = "bac6f1110001"


def upgrade() -> None:
    op.create_table(
        "wechat_tags",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("segment_id", sa.String(length=64), nullable=False),
        steps.workspace_id_column(64),
        sa.Column("segment_name", sa.String(length=200), nullable=False),
        sa.Column("tag_name", sa.String(length=64), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=True),
        sa.Column("members_tagged", sa.Integer(), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.primary_key("wechat_tags", "channel_id", "segment_id"),
    )
    steps.create_indexes("wechat_tags", {"ix_wechat_tags_workspace_id": ["workspace_id"]})
    op.create_table(
        "wechat_tag_members",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("segment_id", sa.String(length=64), nullable=False),
        sa.Column("openid", sa.String(length=200), nullable=False),
        sa.Column("tagged_at", sa.DateTime(timezone=True), nullable=False),
        steps.primary_key("wechat_tag_members", "channel_id", "segment_id", "openid"),
    )


def downgrade() -> None:
    op.drop_table("wechat_tag_members")
    op.drop_table("wechat_tags")
