"""When the content of a distribution still waiting for its posting-queue slot was last
revised (`post.channel.revised`): an older revision arriving later is ignored."""

import sqlalchemy as sa
from alembic import op

revision: str = "rev1s10n0001"
down_revision: str | None = "w3bh00c50001"


def upgrade() -> None:
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revised_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.drop_column("revised_at")
