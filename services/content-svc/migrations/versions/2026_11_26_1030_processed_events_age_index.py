"""Index processed-event ids by when they were applied, for housekeeping to prune them."""

from servicekit.migration_steps import PROCESSED_AT_INDEX

revision: str = "4ef9a1bf7d81"
down_revision: str | None = "aa0e1831eebd"

upgrade, downgrade = PROCESSED_AT_INDEX
