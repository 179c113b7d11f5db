"""The hash of a media file as stored (an image without its location can differ from the
upload): what a channel checks the downloaded file against."""

import sqlalchemy as sa
from alembic import op

revision: str = "d7b2e4a91c05"
down_revision: str | None = "c5b2d8e41f07"


def upgrade() -> None:
    with op.batch_alter_table("media_items", schema=None) as batch_op:
        # Null for items stored before: their file is their upload unless a location was
        # taken out, and the upload's hash stands in.
        batch_op.add_column(sa.Column("file_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media_items", schema=None) as batch_op:
        batch_op.drop_column("file_sha256")
