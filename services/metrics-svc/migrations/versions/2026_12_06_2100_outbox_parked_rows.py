"""Park an outbox row the broker refuses for good (too large): when, and the error."""

from servicekit.migration_steps import add_outbox_parking, drop_outbox_parking

revision: str = "b76e97bff2b6"
down_revision: str | None = "e2bdad7ac369"


def upgrade() -> None:
    add_outbox_parking()


def downgrade() -> None:
    drop_outbox_parking()
