"""Park an outbox row the broker refuses for good (too large): when, and the error."""

from servicekit.migration_steps import OUTBOX_PARKING

revision: str = "e7d799cdaee6"
down_revision: str | None = "9e3a6c1d4f70"

upgrade, downgrade = OUTBOX_PARKING
