"""The sentiment of interactions on our posts, learned from interaction.received."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "5c0a9e7d2f41"
down_revision: str | None = "b76e97bff2b6"


def upgrade() -> None:
    op.create_table(
        "interaction_sentiments",
        steps.workspace_id_column(64),
        sa.Column("interaction_id", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("sentiment", sa.String(length=8), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        steps.primary_key("interaction_sentiments", "workspace_id", "interaction_id"),
    )
    steps.create_indexes(
        "interaction_sentiments",
        {
            "ix_interaction_sentiments_occurred": ["workspace_id", "occurred_at"],
            "ix_interaction_sentiments_post": ["workspace_id", "post_id", "occurred_at"],
        },
    )


def downgrade() -> None:
    steps.drop_indexes(
        "interaction_sentiments",
        ["ix_interaction_sentiments_post", "ix_interaction_sentiments_occurred"],
    )
    op.drop_table("interaction_sentiments")
