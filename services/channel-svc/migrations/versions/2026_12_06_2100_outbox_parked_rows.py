"""Park an outbox row the broker refuses for good (too large): when, and the error."""

from servicekit.migration_steps import add_outbox_parking, drop_outbox_parking

revision: str = "e7d799cdaee6"
down_revision: str | None = "9e3a6c1d4f70"


def upgrade() -> None:
    add_outbox_parking()


def downgrade() -> None:
    drop_outbox_parking()
