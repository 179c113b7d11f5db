"""How a post goes out on each channel (a WeChat mass send), kept from its publish request
until it is released (a scheduled publish carries it at its time)."""

import sqlalchemy as sa
from alembic import op

revision: str = "5b3e8d21c7f4"
down_revision: str | None = "9a17e966d42c"


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_options", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("channel_options")
