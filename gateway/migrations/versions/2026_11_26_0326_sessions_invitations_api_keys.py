"""sessions invitations api keys"""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "3425e4165ee6"
down_revision: str | None = "d260a2dcda7c"


def upgrade() -> None:
    op.create_table(
        "api_keys",
        steps.id_column(),
        steps.workspace_id_column(36),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        steps.created_at_column(),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        steps.cascade_foreign_key("api_keys", "workspace_id", "workspaces"),
        steps.primary_key("api_keys", "id"),
        steps.unique("api_keys", "prefix"),
    )
    steps.create_indexes("api_keys", {"ix_api_keys_workspace_id": ["workspace_id"]})

    op.create_table(
        "invitations",
        steps.id_column(),
        steps.workspace_id_column(36),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by", sa.String(length=36), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        steps.created_at_column(),
        steps.check_one_of("invitations", "role", ["owner", "editor", "reviewer", "analyst"]),
        steps.cascade_foreign_key("invitations", "workspace_id", "workspaces"),
        steps.primary_key("invitations", "id"),
        steps.unique("invitations", "token_hash"),
    )
    steps.create_indexes("invitations", {"ix_invitations_workspace_id": ["workspace_id"]})

    op.create_table(
        "refresh_tokens",
        steps.id_column(),
        sa.Column("family_id", sa.String(length=36), nullable=False),
        sa.Column("operator_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        steps.created_at_column(),
        steps.cascade_foreign_key("refresh_tokens", "operator_id", "operators"),
        steps.primary_key("refresh_tokens", "id"),
        steps.unique("refresh_tokens", "token_hash"),
    )
    steps.create_indexes(
        "refresh_tokens",
        {
            "ix_refresh_tokens_family_id": ["family_id"],
            "ix_refresh_tokens_operator_id": ["operator_id"],
        },
    )


def downgrade() -> None:
    steps.drop_indexes(
        "refresh_tokens", ["ix_refresh_tokens_operator_id", "ix_refresh_tokens_family_id"]
    )

    op.drop_table("refresh_tokens")
    steps.drop_indexes("invitations", ["ix_invitations_workspace_id"])

    op.drop_table("invitations")
    steps.drop_indexes("api_keys", ["ix_api_keys_workspace_id"])

    op.drop_table("api_keys")
