"""Recurring posts: an evergreen post published again every N days until a day."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "c4e1a7d39b62"
down_revision: str | None = "c4a1e7d90b36"


def upgrade() -> None:
    op.create_table(
        "post_recurrences",
        sa.Column("post_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(36),
        sa.Column("every_days", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        steps.created_at_column(),
        steps.updated_at_column(),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_post_recurrences_post_id_posts"),
            ondelete="CASCADE",
        ),
        steps.primary_key("post_recurrences", "post_id"),
    )
    steps.create_indexes("post_recurrences", {"ix_post_recurrences_next_at": ["next_at"]})


def downgrade() -> None:
    op.drop_table("post_recurrences")
