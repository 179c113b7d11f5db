"""initial"""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "e0eaa18361b0"
down_revision: str | None = None


def upgrade() -> None:
    op.create_table(
        "channels",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        steps.created_at_column(),
        steps.updated_at_column(),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        steps.check_one_of("channels", "status", ["active", "needs_reauth", "disabled"]),
        steps.primary_key("channels", "id"),
    )
    steps.create_indexes("channels", {"ix_channels_workspace_id": ["workspace_id"]})

    op.create_table(
        "distributions",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.check_one_of(
            "distributions", "status", ["pending", "sending", "succeeded", "failed"]
        ),
        steps.primary_key("distributions", "id"),
        steps.unique("distributions", "post_id", "channel_id"),
    )
    steps.create_indexes(
        "distributions",
        {
            "ix_distributions_channel_id": ["channel_id"],
            "ix_distributions_status_next_attempt_at": ["status", "next_attempt_at"],
            "ix_distributions_workspace_id": ["workspace_id"],
        },
    )

    steps.create_event_tables()


def downgrade() -> None:
    steps.drop_event_tables()
    steps.drop_indexes(
        "distributions",
        [
            "ix_distributions_workspace_id",
            "ix_distributions_status_next_attempt_at",
            "ix_distributions_channel_id",
        ],
    )

    op.drop_table("distributions")
    steps.drop_indexes("channels", ["ix_channels_workspace_id"])

    op.drop_table("channels")
