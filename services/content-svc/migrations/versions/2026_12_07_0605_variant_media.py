"""A post's variant may carry a media list of its own."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "c5b2d8e41f07"
down_revision: str | None = "c4e1a7d39b62"


def upgrade() -> None:
    with op.batch_alter_table("post_variants") as batch:
        batch.add_column(
            sa.Column("has_media", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "post_variant_media",
        sa.Column("post_id", sa.String(length=36), nullable=False),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(36),
        sa.ForeignKeyConstraint(
            ["post_id", "channel_id"],
            ["post_variants.post_id", "post_variants.channel_id"],
            name=op.f("fk_post_variant_media_post_id_post_variants"),
            ondelete="CASCADE",
        ),
        steps.cascade_foreign_key("post_variant_media", "media_id", "media_items"),
        steps.primary_key("post_variant_media", "post_id", "channel_id", "position"),
    )
    steps.create_indexes("post_variant_media", {"ix_post_variant_media_media_id": ["media_id"]})


def downgrade() -> None:
    steps.drop_indexes("post_variant_media", ["ix_post_variant_media_media_id"])
    op.drop_table("post_variant_media")
    with op.batch_alter_table("post_variants") as batch:
        batch.drop_column("has_media")
