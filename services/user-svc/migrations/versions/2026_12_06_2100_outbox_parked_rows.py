"""Park an outbox row the broker refuses for good (too large): when, and the error."""

from servicekit.migration_steps import OUTBOX_PARKING

revision: str = "45e34c72c40e"
down_revision: str | None = "7471cf51ebd1"

upgrade, downgrade = OUTBOX_PARKING
