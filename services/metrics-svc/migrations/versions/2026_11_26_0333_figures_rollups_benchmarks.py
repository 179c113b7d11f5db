"""figures_rollups_benchmarks"""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "0648cf6dd594"
down_revision: str | None = "324101912d4a"


def upgrade() -> None:
    op.create_table(
        "benchmark_checkpoints",
        sa.Column("series_id", sa.BigInteger(), nullable=False),
        sa.Column("age_hours", sa.Integer(), nullable=False),
        steps.workspace_id_column(64),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        steps.primary_key("benchmark_checkpoints", "series_id", "age_hours"),
    )
    steps.create_indexes(
        "benchmark_checkpoints",
        {
            "ix_benchmark_checkpoints_peers": [
                "workspace_id",
                "channel_id",
                "metric",
                "age_hours",
                "published_at",
            ]
        },
    )

    op.create_table(
        "channels",
        steps.workspace_id_column(64),
        steps.id_column(64),
        sa.Column("platform", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        steps.updated_at_column(),
        steps.primary_key("channels", "workspace_id", "id"),
    )
    op.create_table(
        "idempotency_keys",
        steps.workspace_id_column(64),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        steps.created_at_column(),
        steps.primary_key("idempotency_keys", "workspace_id", "key"),
    )
    op.create_table(
        "interaction_counts",
        steps.workspace_id_column(64),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        steps.primary_key("interaction_counts", "workspace_id", "post_id", "platform", "kind"),
    )
    op.create_table(
        "post_channels",
        steps.workspace_id_column(64),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        steps.primary_key("post_channels", "workspace_id", "post_id", "channel_id"),
    )
    steps.create_indexes(
        "post_channels",
        {
            "ix_post_channels_channel_published": ["workspace_id", "channel_id", "published_at"],
            "ix_post_channels_external": ["workspace_id", "channel_id", "external_id"],
        },
    )

    op.create_table(
        "posts",
        steps.workspace_id_column(64),
        steps.id_column(64),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        steps.updated_at_column(),
        steps.primary_key("posts", "workspace_id", "id"),
    )
    op.create_table(
        "rollup_channel_daily",
        steps.workspace_id_column(64),
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("account", sa.Boolean(), nullable=False),
        sa.Column("gain", sa.BigInteger(), nullable=False),
        steps.primary_key(
            "rollup_channel_daily", "workspace_id", "day", "channel_id", "metric", "account"
        ),
    )
    # A series' figures rolled up by day and by hour: the same shape at two resolutions.
    for rollup in ("rollup_daily", "rollup_hourly"):
        op.create_table(
            rollup,
            sa.Column("series_id", sa.BigInteger(), nullable=False),
            sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
            sa.Column("value", sa.BigInteger(), nullable=False),
            sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("gain", sa.BigInteger(), nullable=False),
            steps.primary_key(rollup, "series_id", "bucket"),
        )
    op.create_table(
        "series",
        steps.serial_id_column(),
        steps.workspace_id_column(64),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latest_value", sa.BigInteger(), nullable=False),
        sa.Column("latest_observed_at", sa.DateTime(timezone=True), nullable=True),
        steps.primary_key("series", "id"),
        steps.unique("series", "workspace_id", "channel_id", "post_id", "metric"),
    )
    steps.create_indexes("series", {"ix_series_workspace_post": ["workspace_id", "post_id"]})

    op.create_table(
        "stat_batches",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points_received", sa.Integer(), nullable=False),
        sa.Column("points_stored", sa.Integer(), nullable=False),
        sa.Column("points_unchanged", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=True),
        steps.created_at_column(),
        steps.primary_key("stat_batches", "id"),
    )
    steps.create_indexes(
        "stat_batches", {"ix_stat_batches_workspace_created": ["workspace_id", "created_at"]}
    )

    op.create_table(
        "stat_points",
        steps.serial_id_column(),
        steps.workspace_id_column(64),
        sa.Column("series_id", sa.BigInteger(), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        steps.primary_key("stat_points", "id"),
        steps.unique("stat_points", "series_id", "observed_at"),
    )


def downgrade() -> None:
    op.drop_table("stat_points")
    steps.drop_indexes("stat_batches", ["ix_stat_batches_workspace_created"])

    op.drop_table("stat_batches")
    steps.drop_indexes("series", ["ix_series_workspace_post"])

    op.drop_table("series")
    op.drop_table("rollup_hourly")
    op.drop_table("rollup_daily")
    op.drop_table("rollup_channel_daily")
    op.drop_table("posts")
    steps.drop_indexes(
        "post_channels", ["ix_post_channels_external", "ix_post_channels_channel_published"]
    )

    op.drop_table("post_channels")
    op.drop_table("interaction_counts")
    op.drop_table("idempotency_keys")
    op.drop_table("channels")
    steps.drop_indexes("benchmark_checkpoints", ["ix_benchmark_checkpoints_peers"])

    op.drop_table("benchmark_checkpoints")
