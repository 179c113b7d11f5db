"""Index processed-event ids by when they were applied, for housekeeping to prune them."""

from servicekit.migration_steps import add_processed_at_index, drop_processed_at_index

revision: str = "4ef9a1bf7d81"
down_revision: str | None = "aa0e1831eebd"


def upgrade() -> None:
    add_processed_at_index()


def downgrade() -> None:
    drop_processed_at_index()
