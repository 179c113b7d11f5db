"""Park an outbox row the broker refuses for good (too large): when, and the error.

The relay used to retry such a row for ever, and no row after it was sent. A parked row
is skipped, counted and shown in /ready until an operator deletes it or clears both
columns to send it again.

Revision ID: 45e34c72c40e
Revises: 7471cf51ebd1
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

from servicekit.migration_steps import add_outbox_parking, drop_outbox_parking

revision: str = "45e34c72c40e"
down_revision: str | None = "7471cf51ebd1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_outbox_parking()


def downgrade() -> None:
    drop_outbox_parking()
