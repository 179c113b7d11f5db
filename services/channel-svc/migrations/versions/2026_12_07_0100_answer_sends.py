"""The ledger of inbox answers sent to the platforms, one row per answer and attempt."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "a15e3d0c0001"
down_revision: str | None = "c4llb4ck0001"


def upgrade() -> None:
    op.create_table(
        "answer_sends",
        sa.Column("answer_id", sa.String(length=36), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        steps.workspace_id_column(64),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("platform_message_id", sa.String(length=100), nullable=True),
        steps.created_at_column(),
        steps.primary_key("answer_sends", "answer_id", "attempt"),
    )


def downgrade() -> None:
    op.drop_table("answer_sends")
