"""Index processed-event ids by when they were applied, for housekeeping to prune them."""

from servicekit.migration_steps import add_processed_at_index, drop_processed_at_index

revision: str = "e2bdad7ac369"
down_revision: str | None = "167ade1545ee"


def upgrade() -> None:
    add_processed_at_index()


def downgrade() -> None:
    drop_processed_at_index()
