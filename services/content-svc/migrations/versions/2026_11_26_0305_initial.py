"""initial"""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "ac418fc5e576"
down_revision: str | None = None


def upgrade() -> None:
    op.create_table(
        "known_channels",
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(36),
        sa.Column("platform", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=50), nullable=False),
        *steps.local_copy_columns(),
        steps.primary_key("known_channels", "channel_id"),
    )
    steps.create_indexes("known_channels", {"ix_known_channels_workspace_id": ["workspace_id"]})

    steps.create_event_tables()

    op.create_table(
        "posts",
        steps.id_column(),
        steps.workspace_id_column(36),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=True),
        sa.Column("cover_url", sa.String(length=2000), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        steps.created_at_column(),
        steps.updated_at_column(),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        steps.primary_key("posts", "id"),
    )
    steps.create_indexes(
        "posts", {"ix_posts_workspace_id_created_at_id": ["workspace_id", "created_at", "id"]}
    )

    op.create_table(
        "post_channels",
        sa.Column("post_id", sa.String(length=36), nullable=False),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(36),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("platform", sa.String(length=50), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("distribution_id", sa.String(length=36), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        steps.updated_at_column(),
        steps.cascade_foreign_key("post_channels", "post_id", "posts"),
        steps.primary_key("post_channels", "post_id", "channel_id"),
    )


def downgrade() -> None:
    op.drop_table("post_channels")
    steps.drop_indexes("posts", ["ix_posts_workspace_id_created_at_id"])

    op.drop_table("posts")
    steps.drop_event_tables()
    steps.drop_indexes("known_channels", ["ix_known_channels_workspace_id"])

    op.drop_table("known_channels")
