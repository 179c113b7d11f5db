"""`negative_spike`: a post's share of negative interactions jumps.

For each post and platform, the interactions with text that occurred in the last
SPIKE_WINDOW (by when they happened on the platform, not when they reached us) are compared
with a baseline: the same post's interactions on that platform in the BASELINE before the
window, or, when the post had fewer than MIN_BASELINE of them, the workspace's on all
posts in that time (none at all: a share of 0). The alert fires when the window holds at
least MIN_RECENT interactions, at least MIN_SHARE of them negative, and that share is at
least JUMP above the baseline's. A post that has always drawn negative comments does not
fire; one whose comments turn does.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.alerts import repository
from metrics_svc.alerts.schemas import Alert
from metrics_svc.alerts.subjects import alert_about
from metrics_svc.models import Channel, PostChannel
from metrics_svc.replicas.repository import placements, posts_by_id
from metrics_svc.vocabulary import community_platform

SPIKE_WINDOW = timedelta(hours=6)
BASELINE = timedelta(days=30)
MIN_RECENT = 10
MIN_BASELINE = 10
MIN_SHARE = 0.3
JUMP = 0.2


def _share(negative: int, total: int) -> float:
    return negative / total if total else 0.0


def _channel_of(found: list[PostChannel], post_id: str, platform: str) -> str | None:
    """The channel the post went to on that platform (the first when it went to several)."""
    for placement in found:
        if placement.post_id == post_id and community_platform(placement.platform) == platform:
            return placement.channel_id
    return None


async def negative_spikes(
    session: AsyncSession, workspace_id: str, names: dict[str, Channel], now: datetime
) -> list[Alert]:
    start = now - SPIKE_WINDOW
    recent = {
        key: counts
        for key, counts in (
            await repository.negative_counts(session, workspace_id, start, now)
        ).items()
        if counts[1] >= MIN_RECENT and _share(*counts) >= MIN_SHARE
    }
    if not recent:
        return []
    post_ids = sorted({post_id for post_id, _ in recent})
    before = await repository.negative_counts(
        session, workspace_id, start - BASELINE, start, post_ids
    )
    workspace = await repository.workspace_negative(session, workspace_id, start - BASELINE, start)
    posts = await posts_by_id(session, workspace_id, post_ids)
    found_placements = await placements(session, workspace_id, post_ids)
    alerts: list[Alert] = []
    for (post_id, platform), (negative, total) in sorted(recent.items()):
        share = _share(negative, total)
        base_negative, base_total = before.get((post_id, platform), (0, 0))
        basis = "post"
        if base_total < MIN_BASELINE:
            (base_negative, base_total), basis = workspace, "workspace"
        base_share = _share(base_negative, base_total)
        if share - base_share < JUMP:
            continue
        channel_id = _channel_of(found_placements, post_id, platform)
        against = (
            "this post's earlier interactions"
            if basis == "post"
            else "the workspace's interactions of the 30 days before"
        )
        alerts.append(
            alert_about(
                "negative_spike",
                names,
                channel_id,
                post_id,
                posts.get(post_id),
                detected_at=await repository.latest_negative(
                    session, workspace_id, post_id, platform
                )
                or now,
                message=(
                    f"{negative} of {total} interactions on {platform} in the last "
                    f"{SPIKE_WINDOW.total_seconds() / 3600:.0f} h were negative ({share:.0%}), "
                    f"against {base_share:.0%} of {against} ({base_total})"
                ),
                evidence={
                    "platform": platform,
                    "window_hours": SPIKE_WINDOW.total_seconds() / 3600,
                    "from": start.isoformat(),
                    "to": now.isoformat(),
                    "negative": negative,
                    "interactions": total,
                    "negative_share": round(share, 4),
                    "baseline": basis,
                    "baseline_interactions": base_total,
                    "baseline_negative_share": round(base_share, 4),
                },
            )
        )
    return alerts
