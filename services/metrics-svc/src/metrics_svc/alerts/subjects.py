"""What an alert is about, named as the alert shows it: the channel by its name in the local
copy of the workspace's channels, and the post by its title (either may be unknown here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from metrics_svc.alerts.schemas import Alert
from metrics_svc.models import Channel, Post


def alert_about(
    kind: str,
    names: dict[str, Channel],
    channel_id: str | None,
    post_id: str | None = None,
    post: Post | None = None,
    *,
    detected_at: datetime,
    message: str,
    evidence: dict[str, Any],
) -> Alert:
    """An alert of `kind` about a channel, and a post of it where the alert is a post's."""
    channel = names.get(channel_id) if channel_id else None
    return Alert(
        kind=kind,
        channel_id=channel_id,
        channel_name=channel.name if channel else None,
        post_id=post_id,
        title=post.title if post else None,
        detected_at=detected_at,
        message=message,
        evidence=evidence,
    )
