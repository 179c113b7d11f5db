"""notifications: robots, operators' preferences, the notices to send; the live stream's
recent events; the ids of the events the gateway applied"""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "c41d7e9a2b63"
down_revision: str | None = "7b4e1f0c2d95"

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("processed_at", WHEN, nullable=False),
        steps.primary_key("processed_events", "event_id"),
    )
    steps.create_indexes("processed_events", {"ix_processed_events_processed_at": ["processed_at"]})
    op.create_table(
        "notification_robots",
        steps.id_column(),
        steps.workspace_id_column(36),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=False),
        sa.Column("webhook_host", sa.String(length=255), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.cascade_foreign_key("notification_robots", "workspace_id", "workspaces"),
        steps.primary_key("notification_robots", "id"),
    )
    steps.create_indexes(
        "notification_robots", {"ix_notification_robots_workspace_id": ["workspace_id"]}
    )
    op.create_table(
        "notification_preferences",
        sa.Column("operator_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(36),
        sa.Column("muted", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=10), nullable=False),
        steps.updated_at_column(),
        steps.cascade_foreign_key("notification_preferences", "operator_id", "operators"),
        steps.cascade_foreign_key("notification_preferences", "workspace_id", "workspaces"),
        steps.primary_key("notification_preferences", "operator_id"),
    )
    steps.create_indexes(
        "notification_preferences",
        {"ix_notification_preferences_workspace_id": ["workspace_id"]},
    )
    op.create_table(
        "notifications",
        steps.id_column(),
        steps.workspace_id_column(36),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("destination", sa.String(length=60), nullable=False),
        sa.Column("operator_id", sa.String(length=36), nullable=True),
        sa.Column("robot_id", sa.String(length=36), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", WHEN, nullable=True),
        steps.created_at_column(),
        steps.cascade_foreign_key("notifications", "operator_id", "operators"),
        steps.cascade_foreign_key("notifications", "robot_id", "notification_robots"),
        steps.primary_key("notifications", "id"),
        steps.unique("notifications", "event_id", "destination"),
    )
    steps.create_indexes(
        "notifications",
        {
            "ix_notifications_workspace_id": ["workspace_id"],
            "ix_notifications_operator_id": ["operator_id"],
            "ix_notifications_robot_id": ["robot_id"],
            "ix_notifications_status_due_at": ["status", "due_at"],
        },
    )
    op.create_table(
        "stream_events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(36),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("occurred_at", WHEN, nullable=False),
        steps.primary_key("stream_events", "seq"),
        steps.unique("stream_events", "event_id"),
    )
    steps.create_indexes(
        "stream_events",
        {
            "ix_stream_events_workspace_id_seq": ["workspace_id", "seq"],
            "ix_stream_events_occurred_at": ["occurred_at"],
        },
    )


def downgrade() -> None:
    steps.drop_indexes(
        "stream_events", ["ix_stream_events_occurred_at", "ix_stream_events_workspace_id_seq"]
    )
    op.drop_table("stream_events")
    steps.drop_indexes(
        "notifications",
        [
            "ix_notifications_status_due_at",
            "ix_notifications_robot_id",
            "ix_notifications_operator_id",
            "ix_notifications_workspace_id",
        ],
    )
    op.drop_table("notifications")
    steps.drop_indexes("notification_preferences", ["ix_notification_preferences_workspace_id"])
    op.drop_table("notification_preferences")
    steps.drop_indexes("notification_robots", ["ix_notification_robots_workspace_id"])
    op.drop_table("notification_robots")
    steps.drop_indexes("processed_events", ["ix_processed_events_processed_at"])
    op.drop_table("processed_events")
