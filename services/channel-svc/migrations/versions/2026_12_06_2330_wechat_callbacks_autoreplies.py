"""WeChat's message callback (settings, messages kept once, replays) and auto-replies."""

import sqlalchemy as sa
from alembic import op

revision: str = "c4llb4ck0001"
down_revision: str | None = "b3f1c0de2a18"


def upgrade() -> None:
    op.create_table(
        "autoreplies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("match", sa.String(length=16), nullable=True),
        sa.Column("keyword", sa.String(length=60), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reply", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "trigger IN ('keyword', 'subscribe', 'default')", name=op.f("ck_autoreplies_trigger")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_autoreplies")),
    )
    with op.batch_alter_table("autoreplies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_autoreplies_channel_id_trigger", ["channel_id", "trigger"], unique=False
        )
        batch_op.create_index(
            "ix_autoreplies_workspace_id_created_at",
            ["workspace_id", "created_at", "id"],
            unique=False,
        )

    op.create_table(
        "callback_messages",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("msg_type", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=True),
        sa.Column("from_user", sa.String(length=200), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_messages")),
        sa.UniqueConstraint(
            "channel_id", "dedupe_key", name=op.f("uq_callback_messages_channel_id_dedupe_key")
        ),
    )
    with op.batch_alter_table("callback_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_callback_messages_workspace_id_received_at",
            ["workspace_id", "received_at"],
            unique=False,
        )

    op.create_table(
        "callback_nonces",
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("timestamp", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "channel_id", "timestamp", "nonce", "signature", name=op.f("pk_callback_nonces")
        ),
    )
    with op.batch_alter_table("callback_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_callback_nonces_seen_at"), ["seen_at"], unique=False)

    op.create_table(
        "callback_settings",
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("original_id", sa.String(length=64), nullable=False),
        sa.Column("appid", sa.String(length=64), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('plain', 'safe')", name=op.f("ck_callback_settings_mode")),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_callback_settings")),
        sa.UniqueConstraint("token", name=op.f("uq_callback_settings_token")),
    )
    with op.batch_alter_table("callback_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_callback_settings_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("callback_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callback_settings_workspace_id"))

    op.drop_table("callback_settings")
    with op.batch_alter_table("callback_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callback_nonces_seen_at"))

    op.drop_table("callback_nonces")
    with op.batch_alter_table("callback_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_callback_messages_workspace_id_received_at")

    op.drop_table("callback_messages")
    with op.batch_alter_table("autoreplies", schema=None) as batch_op:
        batch_op.drop_index("ix_autoreplies_workspace_id_created_at")
        batch_op.drop_index("ix_autoreplies_channel_id_trigger")

    op.drop_table("autoreplies")
