"""Campaigns, and the campaign of each post and idea."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "aa0e1831eebd"
down_revision: str | None = "219488c61f1c"


def upgrade() -> None:
    op.create_table(
        "campaigns",
        steps.id_column(),
        steps.workspace_id_column(36),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("objective", sa.String(length=20), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_ids", sa.JSON(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("status_override", sa.String(length=20), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        steps.created_at_column(),
        steps.updated_at_column(),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        steps.primary_key("campaigns", "id"),
    )
    steps.create_indexes(
        "campaigns",
        {"ix_campaigns_workspace_id_created_at_id": ["workspace_id", "created_at", "id"]},
    )

    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            "ix_ideas_workspace_id_campaign_id", ["workspace_id", "campaign_id"], unique=False
        )

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            "ix_posts_workspace_id_campaign_id", ["workspace_id", "campaign_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_workspace_id_campaign_id")
        batch_op.drop_column("campaign_id")

    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_index("ix_ideas_workspace_id_campaign_id")
        batch_op.drop_column("campaign_id")

    steps.drop_indexes("campaigns", ["ix_campaigns_workspace_id_created_at_id"])

    op.drop_table("campaigns")
