"""Tracked links, their clicks, the local copy of campaigns; channels.track_links."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "59c51c4fe170"
down_revision: str | None = "e83d076981c6"


def upgrade() -> None:
    op.create_table(
        "campaigns",
        steps.id_column(64),
        steps.workspace_id_column(64),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        *steps.local_copy_columns(),
        steps.primary_key("campaigns", "id"),
    )
    steps.create_indexes("campaigns", {"ix_campaigns_workspace_id": ["workspace_id"]})

    op.create_table(
        "clicks",
        steps.id_column(),
        sa.Column("link_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(64),
        sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=False),
        steps.primary_key("clicks", "id"),
    )
    steps.create_indexes("clicks", {"ix_clicks_link_id": ["link_id"]})

    op.create_table(
        "tracked_links",
        steps.id_column(),
        sa.Column("code", sa.String(length=16), nullable=False),
        steps.workspace_id_column(64),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=True),
        sa.Column("target_url", sa.Text(), nullable=False),
        sa.Column("target_hash", sa.String(length=64), nullable=False),
        steps.created_at_column(),
        steps.primary_key("tracked_links", "id"),
        steps.unique("tracked_links", "code"),
        steps.unique("tracked_links", "post_id", "channel_id", "target_hash"),
    )
    steps.create_indexes(
        "tracked_links",
        {
            "ix_tracked_links_campaign_id": ["campaign_id"],
            "ix_tracked_links_channel_id": ["channel_id"],
            "ix_tracked_links_workspace_id_created_at": ["workspace_id", "created_at"],
        },
    )

    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("track_links", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("track_links")

    steps.drop_indexes(
        "tracked_links",
        [
            "ix_tracked_links_workspace_id_created_at",
            "ix_tracked_links_channel_id",
            "ix_tracked_links_campaign_id",
        ],
    )

    op.drop_table("tracked_links")
    steps.drop_indexes("clicks", ["ix_clicks_link_id"])

    op.drop_table("clicks")
    steps.drop_indexes("campaigns", ["ix_campaigns_workspace_id"])

    op.drop_table("campaigns")
