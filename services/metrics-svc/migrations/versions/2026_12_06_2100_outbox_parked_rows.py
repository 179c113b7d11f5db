"""Park an outbox row the broker refuses for good (too large): when, and the error."""

from servicekit.migration_steps import OUTBOX_PARKING

revision: str = "b76e97bff2b6"
down_revision: str | None = "e2bdad7ac369"

upgrade, downgrade = OUTBOX_PARKING
