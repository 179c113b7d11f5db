"""Park an outbox row the broker refuses for good (too large): when, and the error."""

from servicekit.migration_steps import OUTBOX_PARKING

revision: str = "9a17e966d42c"
down_revision: str | None = "7c2d5e8f1a93"

upgrade, downgrade = OUTBOX_PARKING
