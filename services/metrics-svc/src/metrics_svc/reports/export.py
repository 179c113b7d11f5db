"""The reports as CSV rows (downloaded through `kit.downloads.csv_response`)."""

from __future__ import annotations

from typing import Any

from metrics_svc.kit.downloads import Rows
from metrics_svc.reports.schemas import (
    BestTimes,
    ChannelsReport,
    ChannelSummary,
    ContentInsights,
    InsightGroup,
    Overview,
    OverviewBucket,
    PostReport,
    SentimentCounts,
    TopPost,
)
from metrics_svc.vocabulary import METRICS

SENTIMENT_COLUMNS = ["positive", "neutral", "negative", "negative_share"]


def _sentiment(counts: SentimentCounts) -> list[Any]:
    return [counts.positive, counts.neutral, counts.negative, counts.negative_share]


def post_rows(report: PostReport) -> Rows:
    header = [
        "channel_id",
        "channel",
        "platform",
        *METRICS[:8],
        "engagement_rate",
        "conversion_rate",
        "benchmark_age_hours",
        "benchmark_median",
        "ratio",
        "percentile",
        "verdict",
        "reason",
        *SENTIMENT_COLUMNS,
    ]
    rows: list[list[Any]] = []
    for c in report.channels:
        b = c.benchmark
        rows.append(
            [
                c.channel_id,
                c.name,
                c.platform,
                *(c.totals.get(m, 0) for m in METRICS[:8]),
                c.engagement_rate,
                c.conversion_rate,
                b.age_hours,
                b.median,
                b.ratio,
                b.percentile,
                b.verdict,
                b.reason,
                *_sentiment(c.sentiment),
            ]
        )
    rows.append(
        [
            "all",
            report.title,
            "",
            *(report.totals.get(m, 0) for m in METRICS[:8]),
            report.engagement_rate,
            report.conversion_rate,
            "",
            "",
            "",
            "",
            report.verdict,
            report.reason,
            *_sentiment(report.sentiment),
        ]
    )
    return header, rows


# A CSV's columns are its report's fields, in their order.
_BUCKET = [name for name in OverviewBucket.model_fields if name != "start"]


def overview_rows(report: Overview) -> Rows:
    header = ["start", "channel_id", "channel", "platform", *_BUCKET]
    rows: list[list[Any]] = []
    for channel in report.channels:
        for b in channel.buckets:
            data = b.model_dump()
            rows.append(
                [
                    b.start.isoformat(),
                    channel.channel_id,
                    channel.name,
                    channel.platform,
                    *(data[k] for k in _BUCKET),
                ]
            )
    for b in report.totals:
        data = b.model_dump()
        rows.append([b.start.isoformat(), "all", "", "", *(data[k] for k in _BUCKET)])
    return header, rows


def channels_rows(report: ChannelsReport) -> Rows:
    fields = [
        name
        for name in ChannelSummary.model_fields
        if name not in {"conversion_value", "sentiment"}
    ]
    return [*fields, *SENTIMENT_COLUMNS], (
        [*(c.model_dump()[f] for f in fields), *_sentiment(c.sentiment)] for c in report.channels
    )


def top_rows(items: list[TopPost]) -> Rows:
    fields = list(TopPost.model_fields)
    return fields, ([p.model_dump(mode="json")[f] for f in fields] for p in items)


def best_rows(report: BestTimes) -> Rows:
    header = ["channel_id", "channel", "weekday", "hour", "posts", "median", "mean", "best"]
    rows: list[list[Any]] = []
    for c in report.channels:
        best = {(s.weekday, s.hour) for s in c.best}
        for s in c.slots:
            rows.append(
                [
                    c.channel_id,
                    c.name,
                    s.weekday,
                    s.hour,
                    s.posts,
                    s.median,
                    s.mean,
                    (s.weekday, s.hour) in best,
                ]
            )
        if not c.answer:
            rows.append([c.channel_id, c.name, "", "", c.posts, "", "", c.reason])
    return header, rows


def insight_rows(report: ContentInsights) -> Rows:
    return ["dimension", *InsightGroup.model_fields], (
        [d.dimension, *(g.model_dump() | {"post_ids": " ".join(g.post_ids)}).values()]
        for d in report.dimensions
        for g in d.groups
    )
