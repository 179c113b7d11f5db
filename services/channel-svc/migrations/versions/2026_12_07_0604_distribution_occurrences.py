"""A recurring post's occurrences: one distribution per post, channel and occurrence (0 for
the post's own publication, so every existing row keeps its meaning)."""

import sqlalchemy as sa
from alembic import op

revision: str = "0cc7e4a1b604"
down_revision: str | None = "wech47a90001"


def upgrade() -> None:
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("occurrence", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.drop_constraint("uq_distributions_post_id_channel_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_distributions_post_id_channel_id_occurrence"),
            ["post_id", "channel_id", "occurrence"],
        )


def downgrade() -> None:
    op.execute("DELETE FROM distributions WHERE occurrence > 0")
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_distributions_post_id_channel_id_occurrence", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_distributions_post_id_channel_id"), ["post_id", "channel_id"]
        )
        batch_op.drop_column("occurrence")
