"""Digests of erased members' ids, so that their late questions are not kept (PIPL)."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "7c2d5e8f1a93"
down_revision: str | None = "4ef9a1bf7d81"


def upgrade() -> None:
    op.create_table(
        "erased_members",
        steps.workspace_id_column(36),
        sa.Column("member_digest", sa.String(length=64), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        steps.primary_key("erased_members", "workspace_id", "member_digest"),
    )


def downgrade() -> None:
    op.drop_table("erased_members")
