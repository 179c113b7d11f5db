"""`stats.ingested` gives each post its latest figures and verdict, and the list a
best-performing-first order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from content_svc.consumers import HANDLERS
from event_contracts import CloudEvent, PostTotals, StatsIngestedV1
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import PostFactory, Workspace

POSTS = "/api/v1/posts"


def stats(
    workspace_id: str, totals: dict[str, dict[str, int]], verdicts: dict[str, str], end: datetime
) -> CloudEvent:
    batch = str(uuid.uuid4())
    return CloudEvent.create(
        "stats.ingested",
        "/metrics-svc",
        batch,
        workspace_id,
        StatsIngestedV1(
            batch_id=batch,
            workspace_id=workspace_id,
            points_received=1,
            points_stored=1,
            period_start=end - timedelta(days=1),
            period_end=end,
            post_ids=list(totals),
            channel_ids=[],
            post_totals=[
                PostTotals(post_id=pid, totals=t, verdict=verdicts.get(pid))
                for pid, t in totals.items()
            ],
        ),
    )


async def test_stats_give_each_post_a_performance_and_a_sort(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
) -> None:
    hit, flop, quiet, fresh = [
        (await create_post(title=t))["id"] for t in ("hit", "flop", "quiet", "fresh")
    ]
    now = datetime.now(UTC)
    handler = HANDLERS["stats.ingested"]
    await runtime.consumer.apply(
        stats(
            workspace.id,
            {
                hit: {"reads": 9000, "likes": 300, "comments": 20},
                flop: {"reads": 12000, "likes": 5},
                quiet: {"reads": 800},
                str(uuid.uuid4()): {"reads": 1},
            },
            {hit: "outperforming", flop: "underperforming"},
            now,
        ),
        handler,
    )
    # An older batch does not undo newer figures.
    await runtime.consumer.apply(
        stats(workspace.id, {hit: {"reads": 1}}, {}, now - timedelta(days=3)), handler
    )

    post = (await client.get(f"{POSTS}/{hit}", headers=workspace.headers())).json()
    assert post["performance"]["reads"] == 9000
    assert post["performance"]["engagement"] == 320
    assert post["performance"]["verdict"] == "outperforming"

    order: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {
            "sort": "performance",
            "limit": 3,
            **({"cursor": cursor} if cursor else {}),
        }
        page = (await client.get(POSTS, params=params, headers=workspace.headers())).json()
        order += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert order == [hit, quiet, flop, fresh]
