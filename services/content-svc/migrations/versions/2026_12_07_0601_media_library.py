"""The media library (images and videos, one per content per workspace) and each post's
ordered media."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "c4f1a9e27b3d"
down_revision: str | None = "5b3e8d21c7f4"


def upgrade() -> None:
    op.create_table(
        "media_items",
        steps.id_column(),
        steps.workspace_id_column(36),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_key", sa.String(length=300), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=300), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        steps.created_at_column(),
        steps.primary_key("media_items", "id"),
        steps.unique("media_items", "workspace_id", "sha256"),
    )
    steps.create_indexes(
        "media_items",
        {"ix_media_items_workspace_id_created_at_id": ["workspace_id", "created_at", "id"]},
    )
    op.create_table(
        "post_media",
        sa.Column("post_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(36),
        steps.cascade_foreign_key("post_media", "post_id", "posts"),
        steps.cascade_foreign_key("post_media", "media_id", "media_items"),
        steps.primary_key("post_media", "post_id", "position"),
    )
    steps.create_indexes("post_media", {"ix_post_media_media_id": ["media_id"]})


def downgrade() -> None:
    steps.drop_indexes("post_media", ["ix_post_media_media_id"])
    op.drop_table("post_media")
    steps.drop_indexes("media_items", ["ix_media_items_workspace_id_created_at_id"])
    op.drop_table("media_items")
