"""campaigns_links_conversions"""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "167ade1545ee"
down_revision: str | None = "0648cf6dd594"


def upgrade() -> None:
    op.create_table(
        "campaign_posts",
        steps.workspace_id_column(64),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        steps.primary_key("campaign_posts", "workspace_id", "campaign_id", "post_id"),
    )
    steps.create_indexes("campaign_posts", {"ix_campaign_posts_post": ["workspace_id", "post_id"]})

    op.create_table(
        "campaigns",
        steps.workspace_id_column(64),
        steps.id_column(64),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("objective", sa.String(length=32), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_ids", sa.JSON(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        *steps.local_copy_columns(),
        steps.primary_key("campaigns", "workspace_id", "id"),
    )
    steps.create_indexes(
        "campaigns", {"ix_campaigns_workspace_starts": ["workspace_id", "starts_at"]}
    )

    op.create_table(
        "conversions",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("conversion_id", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("post_id", sa.String(length=64), nullable=True),
        sa.Column("channel_id", sa.String(length=64), nullable=True),
        sa.Column("platform", sa.String(length=32), nullable=True),
        sa.Column("campaign_id", sa.String(length=64), nullable=True),
        sa.Column("utm", sa.JSON(), nullable=False),
        steps.created_at_column(),
        steps.primary_key("conversions", "id"),
        steps.unique("conversions", "workspace_id", "conversion_id"),
    )
    steps.create_indexes(
        "conversions",
        {
            "ix_conversions_workspace_campaign": ["workspace_id", "campaign_id"],
            "ix_conversions_workspace_occurred": ["workspace_id", "occurred_at"],
            "ix_conversions_workspace_post": ["workspace_id", "post_id"],
        },
    )

    op.create_table(
        "link_clicks",
        steps.workspace_id_column(64),
        sa.Column("click_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=True),
        sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=False),
        steps.primary_key("link_clicks", "workspace_id", "click_id"),
    )
    steps.create_indexes(
        "link_clicks",
        {"ix_link_clicks_post_channel": ["workspace_id", "post_id", "channel_id", "clicked_at"]},
    )

    op.create_table(
        "tracked_links",
        steps.workspace_id_column(64),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=True),
        sa.Column("target_url", sa.Text(), nullable=False),
        steps.created_at_column(),
        steps.primary_key("tracked_links", "workspace_id", "code"),
    )
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("campaign_id")

    op.drop_table("tracked_links")
    steps.drop_indexes("link_clicks", ["ix_link_clicks_post_channel"])

    op.drop_table("link_clicks")
    steps.drop_indexes(
        "conversions",
        [
            "ix_conversions_workspace_post",
            "ix_conversions_workspace_occurred",
            "ix_conversions_workspace_campaign",
        ],
    )

    op.drop_table("conversions")
    steps.drop_indexes("campaigns", ["ix_campaigns_workspace_starts"])

    op.drop_table("campaigns")
    steps.drop_indexes("campaign_posts", ["ix_campaign_posts_post"])

    op.drop_table("campaign_posts")
