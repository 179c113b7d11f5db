"""The post report: totals per channel and overall, rates, curve, benchmark."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from servicekit.db import utcnow
from servicekit.problems import Invalid, NotFound
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.catalog.service import channel_names
from metrics_svc.models import (
    CampaignPost,
    Conversion,
    DailyRollup,
    HourlyRollup,
    InteractionCount,
    Post,
    PostChannel,
    Series,
)
from metrics_svc.reports.benchmark import Benchmark, benchmarks
from metrics_svc.reports.schemas import (
    BenchmarkOut,
    CurvePoint,
    PostChannelReport,
    PostReport,
)
from metrics_svc.vocabulary import ENGAGEMENT_METRICS, POST_METRICS

# Hourly points for a post's first two weeks, daily after that.
HOURLY_SPAN = timedelta(days=14)


def rate(numerator: int, reads: int) -> float | None:
    return round(numerator / reads, 4) if reads > 0 else None


async def conversion_values(
    session: AsyncSession, workspace_id: str, *where: ColumnElement[bool]
) -> dict[str, dict[str, float]]:
    """Reported conversions' value per channel ("" when none is known) and currency."""
    rows = await session.execute(
        select(Conversion.channel_id, Conversion.currency, func.sum(Conversion.value_cents))
        .where(Conversion.workspace_id == workspace_id, *where)
        .group_by(Conversion.channel_id, Conversion.currency)
    )
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for channel_id, currency, cents in rows:
        out[channel_id or ""][currency] = int(cents or 0) / 100
    return out


def sum_values(values: Iterable[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for per_currency in values:
        for currency, amount in per_currency.items():
            total[currency] += amount
    return {c: round(v, 2) for c, v in sorted(total.items())}


def engagement(totals: dict[str, int]) -> int:
    return sum(totals.get(m, 0) for m in ENGAGEMENT_METRICS)


def benchmark_out(bench: Benchmark) -> BenchmarkOut:
    return BenchmarkOut(
        metric=bench.metric,
        age_hours=bench.age_hours,
        value=bench.value,
        peers=bench.peers,
        median=bench.median,
        mean=bench.mean,
        p25=bench.p25,
        p75=bench.p75,
        ratio=round(bench.ratio, 4) if bench.ratio is not None else None,
        percentile=bench.percentile,
        verdict=bench.verdict,
        reason=bench.reason,
    )


async def get_post(session: AsyncSession, workspace_id: str, post_id: str) -> Post:
    post = await session.get(Post, (workspace_id, post_id))
    if post is None:
        raise NotFound(f"No post {post_id} has figures or was published in this workspace.")
    return post


async def curve(session: AsyncSession, series: Series) -> list[tuple[datetime, int]]:
    """(bucket, cumulative value) since publication: hourly, then daily."""
    if series.published_at is None:
        return []
    switch = series.published_at + HOURLY_SPAN
    hourly = await session.execute(
        select(HourlyRollup.observed_at, HourlyRollup.value)
        .where(HourlyRollup.series_id == series.id, HourlyRollup.bucket < switch)
        .order_by(HourlyRollup.bucket)
    )
    daily = await session.execute(
        select(DailyRollup.observed_at, DailyRollup.value)
        .where(DailyRollup.series_id == series.id, DailyRollup.bucket >= switch)
        .order_by(DailyRollup.bucket)
    )
    return [(at, value) for at, value in hourly] + [(at, value) for at, value in daily]


def merge_curves(
    curves: list[list[tuple[datetime, int]]], published_at: datetime
) -> list[CurvePoint]:
    """The sum of several cumulative curves, each carried forward between its points."""
    events = sorted(
        (at, index, value) for index, points in enumerate(curves) for at, value in points
    )
    current: dict[int, int] = {}
    merged: list[CurvePoint] = []
    for at, index, value in events:
        current[index] = value
        point = CurvePoint(
            at=at,
            age_hours=round((at - published_at).total_seconds() / 3600, 2),
            value=sum(current.values()),
        )
        if merged and merged[-1].at == at:
            merged[-1] = point
        else:
            merged.append(point)
    return merged


async def post_report(
    session: AsyncSession, workspace_id: str, post_id: str, metric: str = "reads"
) -> PostReport:
    post = await get_post(session, workspace_id, post_id)
    now = utcnow()
    placements = list(
        await session.scalars(
            select(PostChannel)
            .where(PostChannel.workspace_id == workspace_id, PostChannel.post_id == post_id)
            .order_by(PostChannel.published_at, PostChannel.channel_id)
        )
    )
    series = list(
        await session.scalars(
            select(Series).where(Series.workspace_id == workspace_id, Series.post_id == post_id)
        )
    )
    community = {
        row.platform: row.count
        for row in await session.scalars(
            select(InteractionCount).where(
                InteractionCount.workspace_id == workspace_id,
                InteractionCount.post_id == post_id,
                InteractionCount.kind == "comments",
            )
        )
    }
    names = await channel_names(session, workspace_id)
    values = await conversion_values(session, workspace_id, Conversion.post_id == post_id)
    campaign_ids = sorted(
        set(
            await session.scalars(
                select(CampaignPost.campaign_id).where(
                    CampaignPost.workspace_id == workspace_id, CampaignPost.post_id == post_id
                )
            )
        )
    )
    by_channel: dict[str, dict[str, Series]] = defaultdict(dict)
    for s in series:
        by_channel[s.channel_id][s.metric] = s
    subjects = [m[metric] for m in by_channel.values() if metric in m]
    verdicts = await benchmarks(session, workspace_id, subjects, now)
    totals: dict[str, int] = defaultdict(int)
    channels: list[PostChannelReport] = []
    read_curves: list[list[tuple[datetime, int]]] = []
    main: tuple[int, Benchmark] | None = None
    for placement in placements:
        metrics = by_channel.get(placement.channel_id, {})
        channel_totals = {m: s.latest_value for m, s in sorted(metrics.items())}
        from_community = False
        if "comments" not in channel_totals and placement.platform in community:
            channel_totals["comments"] = community[placement.platform or ""]
            from_community = True
        for name, value in channel_totals.items():
            totals[name] += value
        reads = channel_totals.get("reads", 0)
        subject = metrics.get(metric)
        if subject is not None:
            bench = verdicts[subject.id]
            if main is None or subject.latest_value > main[0]:
                main = (subject.latest_value, bench)
        else:
            bench = Benchmark(
                placement.channel_id,
                metric,
                None,
                None,
                0,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                f"no {metric} figure for this post on the channel yet",
            )
        channel_curve: list[tuple[datetime, int]] = []
        if "reads" in metrics:
            channel_curve = await curve(session, metrics["reads"])
            read_curves.append(channel_curve)
        channel = names.get(placement.channel_id)
        channels.append(
            PostChannelReport(
                channel_id=placement.channel_id,
                name=channel.name if channel else None,
                platform=placement.platform or (channel.platform if channel else None),
                external_id=placement.external_id,
                url=placement.url,
                published_at=placement.published_at,
                totals=channel_totals,
                comments_from_community=from_community,
                engagement_rate=rate(engagement(channel_totals), reads),
                conversion_rate=rate(channel_totals.get("conversions", 0), reads),
                click_conversion_rate=rate(
                    channel_totals.get("conversions", 0), channel_totals.get("clicks", 0)
                ),
                conversion_value=values.get(placement.channel_id, {}),
                benchmark=benchmark_out(bench),
                curve=merge_curves([channel_curve], placement.published_at),
            )
        )
    overall = dict(sorted(totals.items()))
    reads = overall.get("reads", 0)
    return PostReport(
        post_id=post.id,
        title=post.title,
        published_at=post.published_at,
        tags=post.tags,
        keywords=post.keywords,
        totals=overall,
        engagement_rate=rate(engagement(overall), reads),
        conversion_rate=rate(overall.get("conversions", 0), reads),
        click_conversion_rate=rate(overall.get("conversions", 0), overall.get("clicks", 0)),
        conversion_value=sum_values(values.values()),
        campaign_ids=campaign_ids,
        verdict=main[1].verdict if main else None,
        reason=main[1].reason if main else None,
        channels=channels,
        curve=merge_curves(read_curves, post.published_at),
    )


def check_metric(metric: str) -> None:
    if metric not in POST_METRICS:
        raise Invalid.field(
            "query.metric",
            f"{metric!r} is not a post metric; one of {', '.join(sorted(POST_METRICS))}",
        )
