"""A channel's spent quota on the channel row, so that every replica and a restarted one
respect it.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "9e3a6c1d4f70"
down_revision: str | None = "5d0c2e7a9b31"


def upgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quota_blocked_until", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("quota_blocked_until")
