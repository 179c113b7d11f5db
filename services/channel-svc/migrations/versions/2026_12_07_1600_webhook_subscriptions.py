"""Webhook subscriptions of internal systems, their deliveries and each delivery's attempts."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "w3bh00c50001"
down_revision: str | None = "7fee9ac8490f"


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("previous_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.primary_key("webhook_subscriptions", "id"),
    )
    steps.create_indexes(
        "webhook_subscriptions", {"ix_webhook_subscriptions_workspace_id": ["workspace_id"]}
    )
    op.create_table(
        "webhook_deliveries",
        steps.id_column(),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(64),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("round_attempts", sa.Integer(), nullable=False),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=36), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.check_one_of(
            "webhook_deliveries", "status", ("pending", "sending", "delivered", "failed")
        ),
        steps.cascade_foreign_key("webhook_deliveries", "subscription_id", "webhook_subscriptions"),
        steps.primary_key("webhook_deliveries", "id"),
        steps.unique("webhook_deliveries", "subscription_id", "event_id"),
    )
    steps.create_indexes(
        "webhook_deliveries",
        {
            "ix_webhook_deliveries_event_key": ["event_key"],
            "ix_webhook_deliveries_status_next_attempt_at": ["status", "next_attempt_at"],
            "ix_webhook_deliveries_subscription_id_created_at": ["subscription_id", "created_at"],
        },
    )
    op.create_table(
        "webhook_attempts",
        steps.id_column(),
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        steps.cascade_foreign_key("webhook_attempts", "delivery_id", "webhook_deliveries"),
        steps.primary_key("webhook_attempts", "id"),
    )
    steps.create_indexes("webhook_attempts", {"ix_webhook_attempts_delivery_id": ["delivery_id"]})


def downgrade() -> None:
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
