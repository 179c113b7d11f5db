"""CSV export of the campaign reports (long format for one campaign, a row per campaign
for the comparison)."""

from __future__ import annotations

import json
from typing import Any

from metrics_svc.campaigns.schemas import CampaignComparison, CampaignReport
from metrics_svc.kit.downloads import Rows
from metrics_svc.vocabulary import METRICS

_FIGURES = tuple(metric for metric in METRICS if metric not in {"readers", "unfollows"})


def _value(values: dict[str, float]) -> str:
    return "; ".join(f"{amount:.2f} {currency}" for currency, amount in values.items())


def report_rows(report: CampaignReport) -> Rows:
    header = [
        "section",
        "id",
        "name",
        "day",
        *_FIGURES,
        "conversion_value",
        "conversion_rate",
        "goal_metric",
        "goal",
        "achieved",
        "expected",
        "projection",
        "status",
    ]
    blank = [""] * len(_FIGURES)
    rows: list[list[Any]] = []
    for goal in report.goals:
        for day in goal.days:
            rows.append(
                ["goal_day", report.campaign_id, report.name, day.day.isoformat(), *blank]
                + ["", "", goal.metric, goal.goal, day.value, day.expected, "", ""]
            )
        rows.append(
            ["goal", report.campaign_id, report.name, "", *blank]
            + [
                "",
                "",
                goal.metric,
                goal.goal,
                goal.achieved,
                goal.expected_now,
                goal.projection,
                goal.status,
            ]
        )
    parts: list[tuple[str, str, str | None, dict[str, int], dict[str, float], float | None]] = [
        ("channel", c.channel_id, c.name, c.totals, c.conversion_value, c.conversion_rate)
        for c in report.channels
    ]
    parts += [
        ("post", p.post_id, p.title, p.totals, p.conversion_value, p.conversion_rate)
        for p in report.posts
    ]
    parts.append(
        (
            "campaign",
            report.campaign_id,
            report.name,
            report.totals,
            report.conversion_value,
            report.conversion_rate,
        )
    )
    for section, key, name, totals, value, conversion_rate in parts:
        rows.append(
            [section, key, name, "", *(totals.get(m, 0) for m in _FIGURES)]
            + [_value(value), conversion_rate, "", "", "", "", "", ""]
        )
    return header, rows


def comparison_rows(report: CampaignComparison) -> Rows:
    header = [
        "campaign_id",
        "name",
        "objective",
        "status",
        "tags",
        "starts_at",
        "ends_at",
        "days",
        "posts",
        *_FIGURES,
        "conversion_value",
        "engagement_rate",
        "conversion_rate",
        "budget",
        "currency",
        "cost_per_follower",
        "cost_per_conversion",
        "goals",
    ]
    rows = []
    for c in report.campaigns:
        rows.append(
            [
                c.campaign_id,
                c.name,
                c.objective,
                c.status,
                " ".join(c.tags),
                c.starts_at.isoformat(),
                c.ends_at.isoformat(),
                c.days,
                c.posts,
                *(c.totals.get(m, 0) for m in _FIGURES),
                _value(c.conversion_value),
                c.engagement_rate,
                c.conversion_rate,
                c.budget,
                c.currency,
                c.costs.per_follower if c.costs else None,
                c.costs.per_conversion if c.costs else None,
                json.dumps({m: g.model_dump() for m, g in c.goals.items()}, ensure_ascii=False),
            ]
        )
    return header, rows
