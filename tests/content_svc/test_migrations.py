"""The migrations build the schema the models describe, and take it down again."""

from __future__ import annotations

from pathlib import Path

from content_svc.models import Base

from tests.migration_roundtrip import assert_round_trip

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "content-svc" / "migrations"
TABLES = {
    "posts",
    "post_channels",
    "post_revisions",
    "post_transitions",
    "post_variants",
    "review_settings",
    "known_channels",
    "sources",
    "ideas",
    "member_questions",
    "erased_members",
    "post_recurrences",
    "wordlists",
    "campaigns",
    "queue_slots",
    "queued_posts",
    "media_items",
    "post_media",
    "post_variant_media",
    "outbox_messages",
    "processed_events",
    "idempotency_keys",
}


async def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    await assert_round_trip(database_url, MIGRATIONS, Base.metadata, TABLES)
