"""CSV export of the reports: UTF-8 with a BOM, so that spreadsheet software reads Chinese;
titles and names are written so that a spreadsheet never runs them as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.responses import Response
from servicekit.spreadsheets import safe_row

from metrics_svc.reports.schemas import (
    Alert,
    BestTimes,
    ChannelsReport,
    ContentInsights,
    Overview,
    PostReport,
    TopPost,
)
from metrics_svc.vocabulary import METRICS

Rows = tuple[Sequence[str], Iterable[Sequence[Any]]]


def csv_response(name: str, rows: Rows) -> Response:
    header, body = rows
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(safe_row(header))
    for row in body:
        writer.writerow(safe_row(row))
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


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
        ]
    )
    return header, rows


_BUCKET = [
    "reads",
    "engagement",
    "engagement_rate",
    "clicks",
    "conversions",
    "followers",
    "followers_net",
    "follows_gained",
    "unfollows",
]


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
        "channel_id",
        "name",
        "platform",
        "posts",
        "reads",
        "reads_per_post",
        "engagement",
        "engagement_rate",
        "clicks",
        "conversions",
        "conversion_rate",
        "click_conversion_rate",
        "followers",
        "followers_net",
        "follows_gained",
        "unfollows",
    ]
    return fields, ([c.model_dump()[f] for f in fields] for c in report.channels)


def top_rows(items: list[TopPost]) -> Rows:
    fields = ["post_id", "title", "published_at", "metric", "value"]
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


def alert_rows(items: list[Alert]) -> Rows:
    header = [
        "detected_at",
        "kind",
        "channel_id",
        "channel",
        "post_id",
        "title",
        "campaign_id",
        "campaign",
        "message",
    ]
    return header, (
        [
            a.detected_at.isoformat(),
            a.kind,
            a.channel_id,
            a.channel_name,
            a.post_id,
            a.title,
            a.campaign_id,
            a.campaign_name,
            a.message,
        ]
        for a in items
    )


def insight_rows(report: ContentInsights) -> Rows:
    header = [
        "dimension",
        "key",
        "label",
        "posts",
        "enough",
        "median_value",
        "mean_value",
        "index",
        "post_ids",
    ]
    return header, (
        [
            d.dimension,
            g.key,
            g.label,
            g.posts,
            g.enough,
            g.median_value,
            g.mean_value,
            g.index,
            " ".join(g.post_ids),
        ]
        for d in report.dimensions
        for g in d.groups
    )
