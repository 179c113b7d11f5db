"""initial"""

from servicekit.migration_steps import create_event_tables, drop_event_tables

revision: str = "fed11888c8b1"
down_revision: str | None = None


def upgrade() -> None:
    create_event_tables()


def downgrade() -> None:
    drop_event_tables()
