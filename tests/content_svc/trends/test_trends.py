"""`GET /trends`: keywords rising in recent feed entries, and the peers covering them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from content_svc.models import Idea, Source
from servicekit.runtime import ServiceRuntime
from textkit import tokens

from tests.content_svc.factories import Workspace


async def test_trends_show_rising_keywords_and_the_peers_covering_them(
    client: httpx.AsyncClient, runtime: ServiceRuntime, workspace: Workspace
) -> None:
    now = datetime.now(UTC)
    titles_now = [
        "冷萃咖啡销量大涨",
        "冷萃咖啡成夏季爆款",
        "Oat milk latte trend grows",
        "Oat milk shortage",
    ]
    titles_before = ["门店开业", "Oat milk prices", "咖啡豆涨价"]
    async with runtime.db.transaction() as session:
        peer = Source(
            id=str(uuid.uuid4()),
            workspace_id=workspace.id,
            kind="peer",
            name="同行公众号",
            url="https://peer.example.com/rss",
            interval_minutes=60,
            created_by="t",
            next_fetch_at=now,
            failure_count=0,
            ideas_created=0,
            created_at=now,
            updated_at=now,
        )
        session.add(peer)
        for i, title in enumerate(titles_now + titles_before):
            recent = i < len(titles_now)
            session.add(
                Idea(
                    id=str(uuid.uuid4()),
                    workspace_id=workspace.id,
                    origin="source_entry",
                    status="new",
                    title=title,
                    tags=[],
                    terms=tokens(title),
                    asker_ids=[],
                    asker_count=0,
                    sample_questions=[],
                    source_id=peer.id if recent else None,
                    url_key=f"https://e.com/{i}",
                    seen_at=now - timedelta(hours=1 if recent else 30),
                    created_at=now,
                    updated_at=now,
                )
            )
    response = await client.get(
        "/api/v1/trends", params={"window": "24h"}, headers=workspace.headers("analyst")
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["entries"], report["previous_entries"]) == (4, 3)
    by_word = {t["keyword"]: t for t in report["keywords"]}
    assert any("冷萃" in word and t["count"] == 2 for word, t in by_word.items())
    oat = by_word["oat"]
    assert (oat["count"], oat["previous_count"], oat["lift"], oat["language"]) == (2, 1, 1.5, "en")
    assert oat["peers"] == [{"source_id": peer.id, "name": "同行公众号", "entries": 2}]
    assert {s["title"] for s in oat["samples"]} == {
        "Oat milk latte trend grows",
        "Oat milk shortage",
    }
    assert "门店" not in by_word

    bad = await client.get(
        "/api/v1/trends", params={"window": "yesterday"}, headers=workspace.headers()
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.window"
    for window in ("0h", "31d", "24"):
        response = await client.get(
            "/api/v1/trends", params={"window": window}, headers=workspace.headers()
        )
        assert response.status_code == 422, window
