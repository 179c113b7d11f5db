"""The post report: totals per channel and overall, rates, curve, benchmark."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timedelta

from servicekit.db import utcnow
from servicekit.problems import NotFound
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.models import Post, Series
from metrics_svc.replicas import repository as replicas
from metrics_svc.reports import repository
from metrics_svc.reports.benchmark import Benchmark, benchmarks
from metrics_svc.reports.schemas import (
    BenchmarkReport,
    CurvePoint,
    PostChannelReport,
    PostReport,
)
from metrics_svc.reports.sentiment import post_sentiment
from metrics_svc.vocabulary import ENGAGEMENT_METRICS

# Hourly points for a post's first two weeks, daily after that.
HOURLY_SPAN = timedelta(days=14)


def rate(numerator: int, reads: int) -> float | None:
    return round(numerator / reads, 4) if reads > 0 else None


def sum_values(values: Iterable[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for per_currency in values:
        for currency, amount in per_currency.items():
            total[currency] += amount
    return {c: round(v, 2) for c, v in sorted(total.items())}


def engagement(totals: dict[str, int]) -> int:
    return sum(totals.get(m, 0) for m in ENGAGEMENT_METRICS)


def rates(totals: dict[str, int]) -> dict[str, float | None]:
    """Engagement and conversions per read, conversions per click."""
    return {
        "engagement_rate": rate(engagement(totals), totals.get("reads", 0)),
        "conversion_rate": rate(totals.get("conversions", 0), totals.get("reads", 0)),
        "click_conversion_rate": rate(totals.get("conversions", 0), totals.get("clicks", 0)),
    }


def benchmark_report(bench: Benchmark) -> BenchmarkReport:
    ratio = round(bench.ratio, 4) if bench.ratio is not None else None
    return BenchmarkReport.model_validate({**asdict(bench), "ratio": ratio})


async def get_post(session: AsyncSession, workspace_id: str, post_id: str) -> Post:
    post = await repository.get_post(session, workspace_id, post_id)
    if post is None:
        raise NotFound(f"No post {post_id} has figures or was published in this workspace.")
    return post


async def curve(session: AsyncSession, series: Series) -> list[tuple[datetime, int]]:
    """(bucket, cumulative value) since publication: hourly, then daily."""
    if series.published_at is None:
        return []
    return await repository.curve(session, series, series.published_at + HOURLY_SPAN)


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
    placements = await replicas.placements(session, workspace_id, [post_id])
    series = await repository.series_of_post(session, workspace_id, post_id)
    community = await repository.community_comments(session, workspace_id, post_id)
    names = await replicas.channel_names(session, workspace_id)
    values = await repository.post_conversion_values(session, workspace_id, post_id)
    campaign_ids = await repository.campaigns_of_post(session, workspace_id, post_id)
    sentiment = await post_sentiment(session, workspace_id, post_id)
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
        subject = metrics.get(metric)
        if subject is not None:
            bench = verdicts[subject.id]
            if main is None or subject.latest_value > main[0]:
                main = (subject.latest_value, bench)
        else:
            bench = Benchmark(
                placement.channel_id, metric, f"no {metric} figure for this post on the channel yet"
            )
        channel_curve: list[tuple[datetime, int]] = []
        if "reads" in metrics:
            channel_curve = await curve(session, metrics["reads"])
            read_curves.append(channel_curve)
        channel = names.get(placement.channel_id)
        channels.append(
            shaped(
                PostChannelReport,
                placement,
                name=channel.name if channel else None,
                platform=placement.platform or (channel.platform if channel else None),
                totals=channel_totals,
                comments_from_community=from_community,
                **rates(channel_totals),
                conversion_value=values.get(placement.channel_id, {}),
                benchmark=benchmark_report(bench),
                curve=merge_curves([channel_curve], placement.published_at),
                sentiment=sentiment.on(
                    placement.platform or (channel.platform if channel else None)
                ),
            )
        )
    overall = dict(sorted(totals.items()))
    return shaped(
        PostReport,
        post,
        post_id=post.id,
        totals=overall,
        **rates(overall),
        conversion_value=sum_values(values.values()),
        campaign_ids=campaign_ids,
        verdict=main[1].verdict if main else None,
        reason=main[1].reason if main else None,
        channels=channels,
        curve=merge_curves(read_curves, post.published_at),
        sentiment=sentiment.overall,
    )
