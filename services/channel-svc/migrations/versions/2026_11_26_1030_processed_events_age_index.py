"""Index processed-event ids by when they were applied, for housekeeping to prune them."""

from servicekit.migration_steps import PROCESSED_AT_INDEX

revision: str = "cd2fc0ac4d3d"
down_revision: str | None = "817d09f8cba5"

upgrade, downgrade = PROCESSED_AT_INDEX
