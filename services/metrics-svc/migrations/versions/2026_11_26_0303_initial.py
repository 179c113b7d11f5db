"""initial"""

from servicekit.migration_steps import create_event_tables, drop_event_tables

revision: str = "324101912d4a"
down_revision: str | None = None


def upgrade() -> None:
    create_event_tables()


def downgrade() -> None:
    drop_event_tables()
