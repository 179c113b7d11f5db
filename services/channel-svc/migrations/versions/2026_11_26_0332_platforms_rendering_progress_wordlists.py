"""platforms_rendering_progress_wordlists

Channels gain settings (signature, default tags, posting windows, time zone, a feed
token, a status reason); distributions gain their rendering, the pre-publish violations,
the adapter's progress on the platform and the after-publishing watch, and the new
statuses; word lists copied from content-svc get a table.
"""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "e83d076981c6"
down_revision: str | None = "e0eaa18361b0"

OLD_STATUSES = "status IN ('pending', 'sending', 'succeeded', 'failed')"
NEW_STATUSES = (
    "status IN ('pending', 'scheduled', 'sending', 'confirming', 'deferred', "
    "'awaiting_manual', 'succeeded', 'failed', 'cancelled', 'taken_down')"
)


def upgrade() -> None:
    op.create_table(
        "wordlists",
        steps.id_column(64),
        steps.workspace_id_column(64),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        *steps.local_copy_columns(),
        steps.primary_key("wordlists", "id"),
    )
    steps.create_indexes("wordlists", {"ix_wordlists_workspace_id": ["workspace_id"]})

    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("signature", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("default_tags", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("posting_windows", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column(
                "timezone", sa.String(length=64), nullable=False, server_default="Asia/Shanghai"
            )
        )
        batch_op.add_column(sa.Column("feed_token", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_channels_feed_token"), ["feed_token"])

    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rendered", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("violations", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("progress", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(sa.Column("watch_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("checks", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index("ix_distributions_next_check_at", ["next_check_at"], unique=False)
        batch_op.drop_constraint(op.f("ck_distributions_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_distributions_status"), NEW_STATUSES)


def downgrade() -> None:
    # Rows in the new statuses cannot stay under the old constraint: they end as failed.
    op.execute(
        "UPDATE distributions SET status = 'failed' "
        "WHERE status NOT IN ('pending', 'sending', 'succeeded', 'failed')"
    )
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_distributions_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_distributions_status"), OLD_STATUSES)
        batch_op.drop_index("ix_distributions_next_check_at")
        batch_op.drop_column("checks")
        batch_op.drop_column("next_check_at")
        batch_op.drop_column("watch_until")
        batch_op.drop_column("progress")
        batch_op.drop_column("violations")
        batch_op.drop_column("rendered")

    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_channels_feed_token"), type_="unique")
        batch_op.drop_column("feed_token")
        batch_op.drop_column("timezone")
        batch_op.drop_column("posting_windows")
        batch_op.drop_column("default_tags")
        batch_op.drop_column("signature")
        batch_op.drop_column("status_reason")

    steps.drop_indexes("wordlists", ["ix_wordlists_workspace_id"])

    op.drop_table("wordlists")
