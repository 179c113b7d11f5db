from __future__ import annotations

from gateway.__main__ import MIGRATIONS
from gateway.models import Base

from tests.migration_roundtrip import assert_round_trip

TABLES = {
    "workspaces",
    "operators",
    "pending_signups",
    "password_resets",
    "invitations",
    "refresh_tokens",
    "api_keys",
    "processed_events",
    "notification_robots",
    "notification_preferences",
    "notifications",
    "stream_events",
    "idempotency_keys",
}


async def test_migrations_upgrade_downgrade_upgrade(database_url: str) -> None:
    await assert_round_trip(database_url, MIGRATIONS, Base.metadata, TABLES)
