"""Leases on the distributions a worker is sending, so that replicas take back only what a
killed worker left.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "5d0c2e7a9b31"
down_revision: str | None = "cd2fc0ac4d3d"


def upgrade() -> None:
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_by")
