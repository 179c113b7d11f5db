"""The sentiment of interactions on our posts, learned from interaction.received."""

import sqlalchemy as sa
from alembic import op

revision: str = "5c0a9e7d2f41"
down_revision: str | None = "b76e97bff2b6"


def upgrade() -> None:
    op.create_table(
        "interaction_sentiments",
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("interaction_id", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("sentiment", sa.String(length=8), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "interaction_id", name=op.f("pk_interaction_sentiments")
        ),
    )
    with op.batch_alter_table("interaction_sentiments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interaction_sentiments_occurred", ["workspace_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_interaction_sentiments_post",
            ["workspace_id", "post_id", "occurred_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("interaction_sentiments", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_sentiments_post")
        batch_op.drop_index("ix_interaction_sentiments_occurred")
    op.drop_table("interaction_sentiments")
