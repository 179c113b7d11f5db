"""initial"""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "d260a2dcda7c"
down_revision: str | None = None


def upgrade() -> None:
    op.create_table(
        "workspaces",
        steps.id_column(),
        sa.Column("name", sa.String(length=200), nullable=False),
        steps.created_at_column(),
        steps.primary_key("workspaces", "id"),
    )
    op.create_table(
        "operators",
        steps.id_column(),
        steps.workspace_id_column(36),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        steps.created_at_column(),
        steps.check_one_of("operators", "role", ["owner", "editor", "reviewer", "analyst"]),
        steps.cascade_foreign_key("operators", "workspace_id", "workspaces"),
        steps.primary_key("operators", "id"),
        steps.unique("operators", "email"),
    )
    steps.create_indexes("operators", {"ix_operators_workspace_id": ["workspace_id"]})


def downgrade() -> None:
    steps.drop_indexes("operators", ["ix_operators_workspace_id"])

    op.drop_table("operators")
    op.drop_table("workspaces")
