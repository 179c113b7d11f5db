"""WeChat's message callback (settings, messages kept once, replays) and auto-replies."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "c4llb4ck0001"
down_revision: str | None = "b3f1c0de2a18"


def upgrade() -> None:
    op.create_table(
        "autoreplies",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("match", sa.String(length=16), nullable=True),
        sa.Column("keyword", sa.String(length=60), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reply", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.check_one_of("autoreplies", "trigger", ["keyword", "subscribe", "default"]),
        steps.primary_key("autoreplies", "id"),
    )
    steps.create_indexes(
        "autoreplies",
        {
            "ix_autoreplies_channel_id_trigger": ["channel_id", "trigger"],
            "ix_autoreplies_workspace_id_created_at": ["workspace_id", "created_at", "id"],
        },
    )

    op.create_table(
        "callback_messages",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("msg_type", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=True),
        sa.Column("from_user", sa.String(length=200), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        steps.primary_key("callback_messages", "id"),
        steps.unique("callback_messages", "channel_id", "dedupe_key"),
    )
    steps.create_indexes(
        "callback_messages",
        {"ix_callback_messages_workspace_id_received_at": ["workspace_id", "received_at"]},
    )

    op.create_table(
        "callback_nonces",
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("timestamp", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        steps.primary_key("callback_nonces", "channel_id", "timestamp", "nonce", "signature"),
    )
    steps.create_indexes("callback_nonces", {"ix_callback_nonces_seen_at": ["seen_at"]})

    op.create_table(
        "callback_settings",
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(64),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("original_id", sa.String(length=64), nullable=False),
        sa.Column("appid", sa.String(length=64), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.check_one_of("callback_settings", "mode", ["plain", "safe"]),
        steps.primary_key("callback_settings", "channel_id"),
        steps.unique("callback_settings", "token"),
    )
    steps.create_indexes(
        "callback_settings", {"ix_callback_settings_workspace_id": ["workspace_id"]}
    )


def downgrade() -> None:
    steps.drop_indexes("callback_settings", ["ix_callback_settings_workspace_id"])

    op.drop_table("callback_settings")
    steps.drop_indexes("callback_nonces", ["ix_callback_nonces_seen_at"])

    op.drop_table("callback_nonces")
    steps.drop_indexes("callback_messages", ["ix_callback_messages_workspace_id_received_at"])

    op.drop_table("callback_messages")
    steps.drop_indexes(
        "autoreplies",
        ["ix_autoreplies_workspace_id_created_at", "ix_autoreplies_channel_id_trigger"],
    )

    op.drop_table("autoreplies")
