"""`mediaops seed-demo`: a living workspace made through the API of the gateway and all four
real services."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from devstack.broker import Broker
from mediaops_cli.demo import signup

from tests.gateway.platform_harness import Platform, running_platform
from tests.mediaops_cli.cli_harness import mediaops


@pytest.fixture
async def full_platform(tmp_path: Path, broker: Broker) -> AsyncIterator[Platform]:
    """The gateway and all four real services (metrics-svc included)."""
    async with running_platform(tmp_path / "full", broker.bootstrap) as running:
        yield running


async def test_seed_demo_makes_a_living_workspace_and_a_second_one_on_a_rerun(
    full_platform: Platform, config_dir: Path
) -> None:
    seeded = await mediaops(full_platform, "seed-demo", "--email", "demo@example.com")
    again = await mediaops(
        full_platform,
        "seed-demo",
        "--email",
        "demo@example.com",
        "--wechat-base-url",
        "http://127.0.0.1:9/fake-wechat",  # an API channel; nothing is published to it
    )

    assert seeded.exit_code == 0, seeded.output
    assert "Demo workspace 星辰咖啡 (demo)" in seeded.output  # the summary table
    assert "mediaops login --email demo@example.com" in seeded.output
    assert "skipped: WeChat and Weibo channels" in seeded.output
    assert "nothing listens" in seeded.output
    assert "since their publication" in seeded.output
    assert again.exit_code == 0, again.output
    assert "signed in as demo+2@example.com (owner)" in again.output
    assert "skipped: WeChat" not in again.output
    import httpx

    token = json.loads((config_dir / "credentials.json").read_text())["access_token"]
    async with httpx.AsyncClient(
        base_url=full_platform.gateway_url,
        trust_env=False,
        headers={"Authorization": f"Bearer {token}"},
    ) as client:

        async def get(path: str) -> Any:
            response = await client.get(path)
            assert response.status_code == 200, (path, response.text)
            return response.json()

        me = await get("/api/v1/auth/me")
        sources = (await get("/api/v1/sources"))["items"]
        ideas = (await get("/api/v1/ideas?limit=100"))["items"]
        posts = (await get("/api/v1/posts?limit=100"))["items"]
        channels = (await get("/api/v1/channels"))["items"]
        campaigns = (await get("/api/v1/campaigns"))["items"]
        wordlists = (await get("/api/v1/wordlists"))["items"]
        members = (await get("/api/v1/members"))["items"]
        segments = (await get("/api/v1/segments?with_counts=true"))["items"]
        groups = (await get("/api/v1/communities"))["items"]
        flagged = next(p for p in posts if p["title"].startswith("广告用语示例"))
        analysis = await get(f"/api/v1/posts/{flagged['id']}/analysis")
        published = [p for p in posts if p["status"] == "published"]
        reports = [await get(f"/api/v1/reports/posts/{p['id']}") for p in published]
        start = (datetime.now(UTC) - timedelta(days=85)).date().isoformat()
        overview = await get(f"/api/v1/reports/overview?from={start}&interval=week")

    # The second run's workspace is as full as the first one's.
    assert me["workspace"]["name"] == "星辰咖啡 (demo) 2"
    assert len(sources) == 2
    assert {s["kind"] for s in sources} == {"news", "peer"}
    assert all(s["last_success_at"] and s["ideas_created"] > 0 for s in sources)
    assert {i["origin"] for i in ideas} >= {"source_entry", "manual"}
    statuses = {p["status"] for p in posts}
    assert statuses >= {"draft", "in_review", "approved", "scheduled", "published", "archived"}
    assert any(p["idea_id"] for p in posts)  # a draft started from a feed idea
    assert sum(1 for p in posts if p["campaign_id"] == campaigns[0]["id"]) >= 2
    assert campaigns[0]["goals"]["reads"] == 20000
    assert {c["mode"] for c in channels} == {"webhook", "feed", "manual", "api"}
    assert len(wordlists) == 1
    assert any(f["code"].startswith("word_") for f in analysis["findings"])
    assert len(members) >= 10
    assert segments
    assert all(s["count"] > 0 for s in segments)
    assert groups[0]["summary"]["size"] > 0
    assert published
    assert all(r["totals"].get("reads", 0) > 0 for r in reports)
    # Three months of account figures: followers were reported in the oldest week too.
    oldest = [c["buckets"][0] for c in overview["channels"] if c["buckets"]]
    assert sum(1 for b in oldest if b["followers"] and b["follows_gained"] > 0) == 2


async def test_seed_demo_says_where_it_looked_for_the_mail(
    platform: Platform, config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signup, "MAIL_WAIT_SECONDS", 0.0)
    elsewhere = tmp_path / "not-the-gateways-mail"

    seeded = await mediaops(platform, "seed-demo", "--mail-dir", str(elsewhere))

    assert seeded.exit_code == 1
    assert "no mail to demo@example.com arrived in" in seeded.output
    assert "mediaops confirm-signup TOKEN" in seeded.output
