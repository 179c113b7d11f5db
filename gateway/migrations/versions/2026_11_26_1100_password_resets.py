"""password resets: mailed links to choose a new password"""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "7b4e1f0c2d95"
down_revision: str | None = "3c5bafc171b3"


def upgrade() -> None:
    op.create_table(
        "password_resets",
        steps.id_column(),
        sa.Column("operator_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        steps.created_at_column(),
        steps.cascade_foreign_key("password_resets", "operator_id", "operators"),
        steps.primary_key("password_resets", "id"),
        steps.unique("password_resets", "token_hash"),
    )
    steps.create_indexes(
        "password_resets",
        {
            "ix_password_resets_operator_id": ["operator_id"],
            "ix_password_resets_expires_at": ["expires_at"],
        },
    )


def downgrade() -> None:
    steps.drop_indexes(
        "password_resets", ["ix_password_resets_expires_at", "ix_password_resets_operator_id"]
    )

    op.drop_table("password_resets")
