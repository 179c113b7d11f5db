"""Idempotency keys become servicekit's, per workspace and principal, for every POST.

metrics-svc kept its own `idempotency_keys` (per workspace, for `POST /stats` only); the
table is replaced by servicekit's. The keys of the last day are not carried over (the
principal that sent them is not known): a batch retried across the upgrade is applied
again, which stores nothing new, since points already stored are counted unchanged.
"""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "c19813125776"
down_revision: str | None = "5c0a9e7d2f41"


def upgrade() -> None:
    op.drop_table("idempotency_keys")
    steps.create_idempotency_keys()


def downgrade() -> None:
    steps.drop_idempotency_keys()
    op.create_table(
        "idempotency_keys",
        steps.workspace_id_column(64),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        steps.created_at_column(),
        steps.primary_key("idempotency_keys", "workspace_id", "key"),
    )
