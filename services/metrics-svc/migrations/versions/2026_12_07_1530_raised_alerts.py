"""raised alerts: the alerts already told (alert.raised), while they last"""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "e8b2d4f6a1c3"
down_revision: str | None = "c19813125776"


def upgrade() -> None:
    op.create_table(
        "raised_alerts",
        steps.workspace_id_column(64),
        sa.Column("alert_id", sa.String(length=300), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        steps.primary_key("raised_alerts", "workspace_id", "alert_id"),
    )


def downgrade() -> None:
    op.drop_table("raised_alerts")
