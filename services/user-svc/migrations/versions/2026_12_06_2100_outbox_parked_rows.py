"""Park an outbox row the broker refuses for good (too large): when, and the error."""

from servicekit.migration_steps import add_outbox_parking, drop_outbox_parking

revision: str = "45e34c72c40e"
down_revision: str | None = "7471cf51ebd1"


def upgrade() -> None:
    add_outbox_parking()


def downgrade() -> None:
    drop_outbox_parking()
