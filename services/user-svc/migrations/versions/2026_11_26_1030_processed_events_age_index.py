"""Index processed-event ids by when they were applied, for housekeeping to prune them."""

from servicekit.migration_steps import add_processed_at_index, drop_processed_at_index

revision: str = "7471cf51ebd1"
down_revision: str | None = "71845f52251b"


def upgrade() -> None:
    add_processed_at_index()


def downgrade() -> None:
    drop_processed_at_index()
