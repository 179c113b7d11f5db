"""Index processed-event ids by when they were applied, for housekeeping to prune them."""

from servicekit.migration_steps import add_processed_at_index, drop_processed_at_index

revision: str = "cd2fc0ac4d3d"
down_revision: str | None = "817d09f8cba5"


def upgrade() -> None:
    add_processed_at_index()


def downgrade() -> None:
    drop_processed_at_index()
