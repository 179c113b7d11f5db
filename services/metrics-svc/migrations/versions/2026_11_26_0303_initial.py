"""initial"""

from servicekit.migration_steps import EVENT_TABLES

revision: str = "324101912d4a"
down_revision: str | None = None

upgrade, downgrade = EVENT_TABLES
