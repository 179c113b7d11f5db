"""pending signups: sign-ups waiting for their address to be confirmed"""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "3c5bafc171b3"
down_revision: str | None = "3425e4165ee6"


def upgrade() -> None:
    op.create_table(
        "pending_signups",
        steps.id_column(),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("workspace_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        steps.created_at_column(),
        steps.primary_key("pending_signups", "id"),
        steps.unique("pending_signups", "token_hash"),
    )
    steps.create_indexes(
        "pending_signups",
        {"ix_pending_signups_email": ["email"], "ix_pending_signups_expires_at": ["expires_at"]},
    )


def downgrade() -> None:
    steps.drop_indexes(
        "pending_signups", ["ix_pending_signups_expires_at", "ix_pending_signups_email"]
    )

    op.drop_table("pending_signups")
