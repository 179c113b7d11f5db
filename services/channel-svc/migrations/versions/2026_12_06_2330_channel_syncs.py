"""The figures collector of each WeChat and Weibo channel; channels already connected get one."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "b3f1c0de2a18"
down_revision: str | None = "5773655eae71"


def upgrade() -> None:
    op.create_table(
        "channel_syncs",
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(64),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_code", sa.String(length=64), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("collected_through", sa.Date(), nullable=True),
        sa.Column("figures_last_run", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        steps.created_at_column(),
        steps.primary_key("channel_syncs", "channel_id"),
    )
    op.create_index(
        op.f("ix_channel_syncs_workspace_id"), "channel_syncs", ["workspace_id"], unique=False
    )
    op.create_index(
        op.f("ix_channel_syncs_next_run_at"), "channel_syncs", ["next_run_at"], unique=False
    )
    # Channels connected before: their first collection (a backfill) is due now.
    op.execute(
        "INSERT INTO channel_syncs (channel_id, workspace_id, platform, next_run_at, failures, "
        "figures_last_run, created_at) SELECT id, workspace_id, platform, CURRENT_TIMESTAMP, 0, "
        "0, CURRENT_TIMESTAMP FROM channels WHERE platform IN ('wechat_oa', 'weibo') "
        "AND deleted_at IS NULL"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_channel_syncs_next_run_at"), table_name="channel_syncs")
    op.drop_index(op.f("ix_channel_syncs_workspace_id"), table_name="channel_syncs")
    op.drop_table("channel_syncs")
