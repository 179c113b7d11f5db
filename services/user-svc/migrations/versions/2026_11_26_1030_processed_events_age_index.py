"""Index processed-event ids by when they were applied, for housekeeping to prune them."""

from servicekit.migration_steps import PROCESSED_AT_INDEX

revision: str = "7471cf51ebd1"
down_revision: str | None = "71845f52251b"

upgrade, downgrade = PROCESSED_AT_INDEX
