"""POST /api/v1/stats: validation listing every problem, all or nothing, idempotency."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
from event_contracts import MAX_EVENT_BYTES, CloudEvent, StatsIngestedV1
from metrics_svc.ingestion.schemas import MAX_POINTS
from metrics_svc.models import OutboxMessage, StatPoint
from metrics_svc.runtime import MetricsRuntime
from sqlalchemy import select

from tests.conftest import Signer
from tests.metrics_svc.conftest import Seeder, point
from tests.metrics_svc.helpers import NOW, count


async def test_batch_stored_then_resent_changes_nothing(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: MetricsRuntime
) -> None:
    channel = await seed.channel()
    post = await seed.post([channel], NOW - timedelta(hours=30))
    body = {
        "points": [
            point("reads", 100, NOW - timedelta(hours=29), post_id=post),
            point("int_page_read_count", 250, NOW - timedelta(hours=20), post_id=post),
            point("likes", 12, NOW - timedelta(hours=20), post_id=post),
            point("cumulate_user", 5000, NOW - timedelta(hours=20), channel_id=channel),
        ]
    }
    first = await client.post("/api/v1/stats", json=body, headers=editor)
    assert first.status_code == 201, first.text
    batch = first.json()
    assert batch["points_stored"] == 4
    assert batch["post_ids"] == [post]
    assert batch["post_totals"][0]["totals"] == {"likes": 12, "reads": 250}
    assert await count(runtime, OutboxMessage) == 1

    again = await client.post("/api/v1/stats", json=body, headers=editor)
    assert again.status_code == 200
    assert again.json()["points_stored"] == 0
    assert again.json()["points_unchanged"] == 4
    assert await count(runtime, StatPoint) == 4
    assert await count(runtime, OutboxMessage) == 1  # nothing changed, nothing announced


async def test_every_bad_point_is_listed_and_nothing_is_stored(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: MetricsRuntime
) -> None:
    channel = await seed.channel()
    post = await seed.post([channel], NOW - timedelta(hours=30))
    body = {
        "points": [
            point("reads", 100, NOW - timedelta(hours=1), post_id=post),  # fine
            point("pageviews", 1, NOW - timedelta(hours=1), post_id=post),
            point("likes", -3, NOW - timedelta(hours=1), post_id=post),
            point("reads", 5, NOW + timedelta(days=1), post_id=post),
            point("reads", 5, NOW - timedelta(hours=1), post_id=str(uuid.uuid4())),
            point("followers", 5, NOW - timedelta(hours=1), channel_id=str(uuid.uuid4())),
            point("reads", 5, NOW - timedelta(hours=1), channel_id=channel, external_id="nope"),
        ]
    }
    response = await client.post("/api/v1/stats", json=body, headers=editor)
    assert response.status_code == 422
    problem = response.json()
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {
        "points.1.metric",
        "points.2.value",
        "points.3.observed_at",
        "points.4.post_id",
        "points.5.channel_id",
        "points.6.external_id",
    }
    assert "6 of 7 points are invalid" in problem["detail"]
    assert await count(runtime, StatPoint) == 0


async def test_batch_over_the_cap_is_refused(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    at = (NOW - timedelta(hours=1)).isoformat()
    points = [{"metric": "reads", "value": 1, "observed_at": at, "post_id": "x"}] * 10_001
    response = await client.post("/api/v1/stats", json={"points": points}, headers=editor)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "points"


async def test_points_named_by_the_platform_id_resolve_through_distributions(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    channel = await seed.channel(platform="weibo", name="官方微博")
    post = await seed.post(
        [channel], NOW - timedelta(hours=5), external_ids={channel: "4987"}, platform="weibo"
    )
    body = {
        "points": [
            point(
                "reposts_count", 7, NOW - timedelta(hours=1), channel_id=channel, external_id="4987"
            ),
            point(
                "attitudes_count",
                30,
                NOW - timedelta(hours=1),
                channel_id=channel,
                external_id="4987",
            ),
        ]
    }
    response = await client.post("/api/v1/stats", json=body, headers=editor)
    assert response.status_code == 201, response.text
    assert response.json()["post_totals"] == [
        {"post_id": post, "totals": {"likes": 30, "shares": 7}, "verdict": None, "reason": None}
    ]


async def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    channel = await seed.channel()
    post = await seed.post([channel], NOW - timedelta(hours=3))
    body = {"points": [point("reads", 10, NOW - timedelta(hours=1), post_id=post)]}
    headers = {**editor, "Idempotency-Key": "batch-1"}
    first = await client.post("/api/v1/stats", json=body, headers=headers)
    assert first.status_code == 201
    replay = await client.post("/api/v1/stats", json=body, headers=headers)
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    other = {"points": [point("reads", 11, NOW - timedelta(hours=1), post_id=post)]}
    conflict = await client.post("/api/v1/stats", json=other, headers=headers)
    assert conflict.status_code == 422
    assert conflict.json()["errors"][0]["field"] == "header.idempotency-key"


async def test_readers_cannot_write_and_api_keys_need_the_scope(
    client: httpx.AsyncClient, seed: Seeder, signer: Signer, workspace_id: str
) -> None:
    channel = await seed.channel()
    post = await seed.post([channel], NOW - timedelta(hours=3))
    body = {"points": [point("reads", 10, NOW - timedelta(hours=1), post_id=post)]}
    analyst = signer.headers(workspace_id=workspace_id, roles=("analyst",))
    assert (await client.post("/api/v1/stats", json=body, headers=analyst)).status_code == 403
    write_key = signer.token(workspace_id=workspace_id, roles=(), scopes=["stats:write"])
    key = {"Authorization": f"Bearer {write_key}"}
    assert (await client.post("/api/v1/stats", json=body, headers=key)).status_code == 201
    read_key = signer.token(workspace_id=workspace_id, roles=(), scopes=["stats:read"])
    reader = {"Authorization": f"Bearer {read_key}"}
    assert (await client.get(f"/api/v1/reports/posts/{post}", headers=reader)).status_code == 200


async def test_late_and_corrected_points_rebuild_the_rollups(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    channel = await seed.channel()
    published = NOW - timedelta(days=3)
    post = await seed.post([channel], published)
    first = [
        point("reads", v, published + timedelta(hours=h), post_id=post)
        for h, v in ((1, 100), (10, 400))
    ]
    assert (
        await client.post("/api/v1/stats", json={"points": first}, headers=editor)
    ).status_code == 201
    late = [
        point("reads", 250, published + timedelta(hours=5), post_id=post),  # late arrival
        point("reads", 500, published + timedelta(hours=10), post_id=post),  # correction
    ]
    response = await client.post("/api/v1/stats", json={"points": late}, headers=editor)
    assert response.status_code == 201
    report = (await client.get(f"/api/v1/reports/posts/{post}", headers=editor)).json()
    assert report["totals"]["reads"] == 500
    assert [p["value"] for p in report["curve"]] == [100, 250, 500]
    day = published.date().isoformat()
    overview = (
        await client.get(
            f"/api/v1/reports/overview?from={day}&to={NOW.date().isoformat()}", headers=editor
        )
    ).json()
    assert sum(b["reads"] for b in overview["totals"]) == 500


async def test_a_batch_touching_thousands_of_posts_is_told_in_events_that_fit(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: MetricsRuntime
) -> None:
    """One stats.ingested naming every post of a large history import used to be over a
    megabyte, which no broker takes; the batch is told in events that each fit."""
    channel = await seed.channel()
    went_live = (NOW - timedelta(days=30)).isoformat()
    body = {
        "points": [
            point(
                "reads",
                100 + n,
                NOW - timedelta(hours=1),
                channel_id=channel,
                external_id=f"2247483{n:05d}_1",
                published_at=went_live,
                title=f"往期文章第{n}篇",
            )
            for n in range(MAX_POINTS)
        ]
    }
    response = await client.post("/api/v1/stats", json=body, headers=editor)
    assert response.status_code == 201, response.text[:500]
    batch = response.json()
    assert len(batch["post_ids"]) == MAX_POINTS

    async with runtime.db.transaction() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.topic == "stats.ingested")
            )
        ).all()
    assert len(rows) > 1
    assert all(len(row.value) <= MAX_EVENT_BYTES for row in rows)
    payloads = []
    for row in rows:
        told = CloudEvent.from_bytes(row.value).payload()
        assert isinstance(told, StatsIngestedV1)
        payloads.append(told)
    assert {p.batch_id for p in payloads} == {batch["batch_id"]}
    assert sorted(p.chunk for p in payloads) == list(range(1, len(rows) + 1))
    assert {p.chunks for p in payloads} == {len(rows)}
    assert {(p.points_stored, p.period_end) for p in payloads} == {
        (MAX_POINTS, datetime.fromisoformat(batch["period_end"]))
    }
    named = [post_id for p in payloads for post_id in p.post_ids]
    assert sorted(named) == sorted(batch["post_ids"])  # each post once
    assert [t.post_id for p in payloads for t in p.post_totals] == named
    assert sorted(c for p in payloads for c in p.channel_ids) == [channel]
