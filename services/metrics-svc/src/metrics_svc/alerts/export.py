"""Alerts as CSV rows (downloaded through `kit.downloads.csv_response`)."""

from __future__ import annotations

from metrics_svc.alerts.schemas import Alert
from metrics_svc.kit.downloads import Rows


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
