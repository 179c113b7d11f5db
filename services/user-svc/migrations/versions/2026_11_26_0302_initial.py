"""initial"""

from servicekit.migration_steps import EVENT_TABLES

revision: str = "fed11888c8b1"
down_revision: str | None = None

upgrade, downgrade = EVENT_TABLES
