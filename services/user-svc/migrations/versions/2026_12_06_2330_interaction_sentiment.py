"""Interactions carry a sentiment (positive, neutral, negative); stored texts are scored."""

import sqlalchemy as sa
from alembic import op
from textkit import sentiment

revision: str = "b7d3c1e58a20"
down_revision: str | None = "45e34c72c40e"

SENTIMENTS = "sentiment IN ('positive', 'neutral', 'negative')"
BATCH = 1000


def _backfill() -> None:
    """Score the interactions stored before this revision, a batch at a time (keyset by id),
    with the same method ingestion uses; those without text stay null."""
    connection = op.get_bind()
    interactions = sa.table(
        "interactions",
        sa.column("id", sa.String),
        sa.column("text", sa.Text),
        sa.column("sentiment", sa.String),
    )
    after = ""
    while True:
        rows = connection.execute(
            sa.select(interactions.c.id, interactions.c.text)
            .where(interactions.c.id > after, interactions.c.text.is_not(None))
            .order_by(interactions.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        scored = [{"row_id": row.id, "value": sentiment(row.text)} for row in rows]
        connection.execute(
            interactions.update()
            .where(interactions.c.id == sa.bindparam("row_id"))
            .values(sentiment=sa.bindparam("value")),
            scored,
        )
        after = rows[-1].id


def upgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sentiment", sa.String(length=8), nullable=True))
        batch_op.create_check_constraint(op.f("ck_interactions_sentiment"), SENTIMENTS)
    _backfill()


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_interactions_sentiment"), type_="check")
        batch_op.drop_column("sentiment")
