"""Index processed-event ids by when they were applied, for housekeeping to prune them."""

from servicekit.migration_steps import PROCESSED_AT_INDEX

revision: str = "e2bdad7ac369"
down_revision: str | None = "167ade1545ee"

upgrade, downgrade = PROCESSED_AT_INDEX
