"""One version of a post per channel: its title, summary, body and tags there."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "c4a9e2f06b17"
down_revision: str | None = "c4f1a9e27b3d"


def upgrade() -> None:
    op.create_table(
        "post_variants",
        sa.Column("post_id", sa.String(length=36), nullable=False),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(36),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=True),
        sa.Column("body_markdown", sa.Text(), nullable=True),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("editor_id", sa.String(length=36), nullable=False),
        steps.updated_at_column(),
        steps.cascade_foreign_key("post_variants", "post_id", "posts"),
        steps.primary_key("post_variants", "post_id", "channel_id"),
    )


def downgrade() -> None:
    op.drop_table("post_variants")
