"""notification preferences: the kinds mailed only on request that an operator turned on"""

import sqlalchemy as sa
from alembic import op

revision: str = "9a3c6e1f4b27"
down_revision: str | None = "5e8b0d2c7a14"


def upgrade() -> None:
    op.add_column(
        "notification_preferences",
        sa.Column("wanted", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )


def downgrade() -> None:
    with op.batch_alter_table("notification_preferences") as batch_op:
        batch_op.drop_column("wanted")
