"""Tracked-link clicks and reported conversions become figures of their posts."""

from __future__ import annotations

from datetime import timedelta

import httpx
from metrics_svc.models import Series, StatPoint
from metrics_svc.runtime import MetricsRuntime
from sqlalchemy import select

from tests.conftest import Signer
from tests.metrics_svc.conftest import Seeder
from tests.metrics_svc.helpers import (
    DAY,
    HOUR,
    NOW,
    campaign,
    click,
    conversion,
    hour_of,
    link,
    publish,
)


async def test_clicks_and_conversions_become_figures(
    runtime: MetricsRuntime,
    seed: Seeder,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    signer: Signer,
    workspace_id: str,
) -> None:
    channel = await seed.channel(name="品牌公众号")
    campaign_id = await campaign(
        seed, starts_at=NOW - 3 * DAY, ends_at=NOW + 3 * DAY, goals={"conversions": 10}
    )
    post = await publish(seed, channel, NOW - DAY, campaign_id=campaign_id)
    code = await link(seed, post, channel, campaign_id)
    three, one, five = hour_of(NOW - 3 * HOUR), hour_of(NOW - HOUR), hour_of(NOW - 5 * HOUR)
    await click(seed, code, post, channel, three + timedelta(minutes=10))
    await click(seed, code, post, channel, three + timedelta(minutes=20), click_id="c-2")
    await click(seed, code, post, channel, one + timedelta(minutes=5))
    # the same click sent again under another event id counts once
    await click(seed, code, post, channel, three + timedelta(minutes=20), click_id="c-2")
    # a late click, hours before the newest: every later cumulative point grows by one
    await click(seed, code, post, channel, five + timedelta(minutes=1))
    async with runtime.db.transaction() as session:
        series = await session.scalar(select(Series).where(Series.metric == "clicks"))
        assert series is not None
        points = (
            await session.execute(
                select(StatPoint.observed_at, StatPoint.value)
                .where(StatPoint.series_id == series.id)
                .order_by(StatPoint.observed_at)
            )
        ).all()
    assert [(at, value) for at, value in points] == [(five, 1), (three, 3), (one, 4)]

    # conversions: by code, idempotent by conversion_id
    body = conversion(code=code, conversion_id="order-1")
    first = await client.post("/api/v1/conversions", json=body, headers=editor)
    assert first.status_code == 201, first.text
    assert first.json()["post_id"] == post
    assert first.json()["campaign_id"] == campaign_id
    again = await client.post("/api/v1/conversions", json=body, headers=editor)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    other = await client.post("/api/v1/conversions", json=body | {"value": 5}, headers=editor)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "conversion_id"

    # bad input names the field
    for bad, field in (
        (conversion(code="nope"), "code"),
        (conversion(code=code, occurred_at=(NOW + DAY).isoformat()), "occurred_at"),
        (conversion(code=code, value=-1), "value"),
        (conversion(), "code"),
        (conversion(utm_medium="品牌公众号", utm_campaign="没有这个活动"), "utm_campaign"),
    ):
        response = await client.post("/api/v1/conversions", json=bad, headers=editor)
        assert response.status_code == 422, bad
        assert field in [e["field"].split(".")[-1] for e in response.json()["errors"]], (
            response.json()
        )

    # an API key with conversions:write, attributed by UTM (channel name, campaign name)
    key = signer.token(workspace_id=workspace_id, roles=(), scopes=["conversions:write"])
    by_utm = await client.post(
        "/api/v1/conversions",
        json=conversion(
            kind="sign_up",
            value=0,
            utm_source="wechat",
            utm_medium="品牌公众号",
            utm_campaign="双十一大促",
        ),
        headers={"Authorization": f"Bearer {key}"},
    )
    assert by_utm.status_code == 201, by_utm.text
    assert by_utm.json()["channel_id"] == channel
    assert by_utm.json()["campaign_id"] == campaign_id
    assert by_utm.json()["attributed_by"] == "utm"
    reader = signer.token(workspace_id=workspace_id, roles=(), scopes=["stats:read"])
    refused = await client.post(
        "/api/v1/conversions",
        json=conversion(code=code),
        headers={"Authorization": f"Bearer {reader}"},
    )
    assert refused.status_code == 403

    report = (await client.get(f"/api/v1/reports/posts/{post}", headers=editor)).json()
    assert report["totals"]["clicks"] == 4
    assert report["totals"]["conversions"] == 1
    assert report["conversion_value"] == {"CNY": 99.5}
    assert report["click_conversion_rate"] == 0.25
    assert report["campaign_ids"] == [campaign_id]
    channels = (await client.get("/api/v1/reports/channels", headers=editor)).json()
    row = channels["channels"][0]
    assert (row["clicks"], row["conversions"]) == (4, 2)  # the UTM one has no post
    assert row["conversion_value"] == {"CNY": 99.5}
    report = (await client.get(f"/api/v1/reports/campaigns/{campaign_id}", headers=editor)).json()
    assert report["totals"]["clicks"] == 4
    assert report["totals"]["conversions"] == 2
    assert report["conversion_value"] == {"CNY": 99.5}
