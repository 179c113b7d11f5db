"""alert checks due: the workspaces whose figures changed since their alerts were checked"""

from alembic import op
from servicekit import migration_steps as steps

revision: str = "7c4e2a9d5b13"
down_revision: str | None = "5d3a9c1e7b20"


def upgrade() -> None:
    op.create_table(
        "alert_checks_due",
        steps.serial_id_column(),
        steps.workspace_id_column(64),
        steps.primary_key("alert_checks_due", "id"),
    )


def downgrade() -> None:
    op.drop_table("alert_checks_due")
