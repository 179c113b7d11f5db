"""The demo's figures: three months of account figures, and the published posts' figures
since their publication (metrics-svc refuses figures observed before a post went live, and
a post cannot be published in the past)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from mediaops_cli.client import ApiError
from mediaops_cli.demo.content import POSTS
from mediaops_cli.demo.workspace import Demo

FIGURE_BATCH = 500  # points per POST /api/v1/stats (metrics-svc takes up to 10,000)
ACCOUNT_DAYS = 90
# metrics-svc learns posts and channels from events: it may lag the API by a moment.
CATALOG_LAG_SECONDS = 30.0
_LAG_MARKERS = ("unknown post", "unknown channel", "was not published to channel")


def _parse(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def account_points(channel_ids: list[str], now: datetime) -> list[dict[str, Any]]:
    """Daily followers (a level) and follows gained / lost (running totals) for 90 days."""
    points: list[dict[str, Any]] = []
    start = (now - timedelta(days=ACCOUNT_DAYS)).replace(hour=12, minute=0, second=0, microsecond=0)
    for c, channel_id in enumerate(channel_ids):
        followers, gained, lost = 800 + 400 * c, 0, 0
        for day in range(ACCOUNT_DAYS):
            at = start + timedelta(days=day)
            if at > now:
                break
            new = 6 + (day * 7 + c * 3) % 11 + day // 10
            gone = 1 + (day * 5 + c) % 4
            gained, lost = gained + new, lost + gone
            followers += new - gone
            for metric, value in (
                ("followers", followers),
                ("follows_gained", gained),
                ("unfollows", lost),
            ):
                points.append(
                    {
                        "channel_id": channel_id,
                        "metric": metric,
                        "value": value,
                        "observed_at": at.isoformat(),
                    }
                )
    return points


def post_points(
    post_id: str, channel_ids: list[str], published_at: datetime, now: datetime, scale: int
) -> list[dict[str, Any]]:
    """Running totals from publication to now, ten observations per channel."""
    points: list[dict[str, Any]] = []
    span = max(now - published_at, timedelta(seconds=1))
    steps = 10
    for c, channel_id in enumerate(channel_ids):
        for step in range(1, steps + 1):
            at = published_at + span * step / steps
            reads = scale * (c + 1) * step * step
            figures = {
                "reads": reads,
                "readers": reads * 4 // 5,
                "likes": reads // 12,
                "comments": reads // 60,
                "shares": reads // 40,
                "favorites": reads // 25,
            }
            for metric, value in figures.items():
                points.append(
                    {
                        "post_id": post_id,
                        "channel_id": channel_id,
                        "metric": metric,
                        "value": value,
                        "observed_at": at.isoformat(),
                    }
                )
    return points


def _send(demo: Demo, points: list[dict[str, Any]]) -> int:
    """POST the points in batches; waits while metrics-svc has not yet learned a post or a
    channel from the events. Returns the points stored."""
    stored = 0
    for start in range(0, len(points), FIGURE_BATCH):
        batch = {"points": points[start : start + FIGURE_BATCH], "source": "demo"}
        deadline = time.monotonic() + CATALOG_LAG_SECONDS
        while True:
            try:
                answer = demo.client.json("POST", "/api/v1/stats", json=batch)
            except ApiError as exc:
                lagging = (
                    exc.status == 422
                    and exc.errors
                    and all(
                        any(m in str(e.get("message", "")) for m in _LAG_MARKERS)
                        for e in exc.errors
                    )
                )
                if lagging and time.monotonic() < deadline:
                    time.sleep(0.3)
                    continue
                demo.report.failed.append(f"figures batch from point {start}: {exc}")
                break
            stored += int(answer.get("points_stored", 0)) if isinstance(answer, dict) else 0
            break
    return stored


def seed_figures(demo: Demo) -> None:
    now = datetime.now(UTC)
    account_channels = [demo.channels[k] for k in ("feed", "xiaohongshu") if k in demo.channels]
    account = account_points(account_channels, now)
    posts: list[dict[str, Any]] = []
    for scale, key in enumerate(("autumn", "beans", "pourover"), start=1):
        post = demo.posts.get(key)
        if not post or post.get("status") != "published" or not post.get("published_at"):
            continue
        channel_ids = [c["channel_id"] for c in post.get("channels", [])] or [
            demo.channels[k] for k in next(p.channels for p in POSTS if p.key == key)
        ]
        posts.extend(
            post_points(post["id"], channel_ids, _parse(post["published_at"]), now, 40 // scale)
        )
    stored_account = _send(demo, account) if account else 0
    stored_posts = _send(demo, posts) if posts else 0
    what = (
        f"figures: {stored_account} account points over {ACCOUNT_DAYS} days, "
        f"{stored_posts} post points since publication"
    )
    demo.did(what)
    demo.report.notes.append(
        f"Account figures cover the last {ACCOUNT_DAYS} days. The posts were published just "
        "now and metrics-svc refuses figures observed before a post went live, so the posts' "
        "figures span only the time since their publication (seconds)."
    )
