"""A WeChat collector's backfill an operator asked for: the days still to pull, and the
Beijing day of its last portion (one portion a day keeps it within the daily quotas)."""

import sqlalchemy as sa
from alembic import op

revision: str = "bac6f1110001"
down_revision: str | None = "c0mme7750001"


def upgrade() -> None:
    with op.batch_alter_table("channel_syncs") as batch:
        batch.add_column(sa.Column("backfill_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("backfill_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("backfill_portion_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_syncs") as batch:
        batch.drop_column("backfill_portion_on")
        batch.drop_column("backfill_until")
        batch.drop_column("backfill_from")
