"""Digests of erased members' ids, so that their late questions are not kept (PIPL)."""

import sqlalchemy as sa
from alembic import op

revision: str = "7c2d5e8f1a93"
down_revision: str | None = "4ef9a1bf7d81"


def upgrade() -> None:
    op.create_table(
        "erased_members",
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("member_digest", sa.String(length=64), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "member_digest", name=op.f("pk_erased_members")),
    )


def downgrade() -> None:
    op.drop_table("erased_members")
