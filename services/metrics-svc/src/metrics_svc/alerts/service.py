"""Alerts, computed from the rollups when asked: underperforming posts, posts whose reads
stall against their expected curve (throttled or hidden by the platform), follower drops,
campaigns behind their goal curve, and posts whose comments turn negative (`spikes`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from servicekit.db import utcnow
from servicekit.pagination import decode_cursor, encode_cursor, not_a_cursor
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.alerts import repository
from metrics_svc.alerts.schemas import Alert
from metrics_svc.alerts.spikes import negative_spikes
from metrics_svc.alerts.subjects import alert_about
from metrics_svc.campaigns.service import behind_alerts
from metrics_svc.kit.dates import day_floor
from metrics_svc.kit.words import fmt_int
from metrics_svc.models import Channel, Post, Series
from metrics_svc.replicas.repository import channel_names, posts_by_id
from metrics_svc.reports.benchmark import BandPoint, bands, benchmarks

RECENT = timedelta(days=30)  # posts watched for underperformance
WATCHED = timedelta(days=14)  # posts watched for stalls
WINDOW = timedelta(hours=12)
FRESH = timedelta(hours=24)  # a stall is judged only on recent figures
STALL_SHARE = 0.2  # grew by less than this share of what was expected
MIN_EXPECTED = 50  # expected growth below this is noise
DROP_DAYS = 14
MIN_DROP = 10
MIN_DROP_SHARE = 0.005


def expected_at(curve: list[BandPoint], age_hours: float) -> float | None:
    """The peers' median at `age_hours`, linear between checkpoints."""
    if not curve or age_hours < curve[0].age_hours:
        return None
    for low, high in zip(curve, curve[1:], strict=False):
        if low.age_hours <= age_hours <= high.age_hours:
            share = (age_hours - low.age_hours) / (high.age_hours - low.age_hours)
            return low.median + (high.median - low.median) * share
    return curve[-1].median if age_hours >= curve[-1].age_hours else None


async def _stalls(
    session: AsyncSession, workspace_id: str, watched: Sequence[Series], now: datetime
) -> dict[int, dict[str, object]]:
    """The evidence of each watched series that stalls, by series id: a handful of queries
    for all of them (their values 12 and 24 h ago, their channels' bands)."""
    then: dict[int, datetime] = {}
    for series in watched:
        latest = series.latest_observed_at
        if latest is None or series.published_at is None or now - latest > FRESH:
            continue
        if latest - WINDOW >= series.published_at:
            then[series.id] = latest - WINDOW
    if not then:
        return {}
    before = await repository.values_before(session, then)
    judged = [s for s in watched if s.id in before]
    curves = await bands(session, workspace_id, judged)
    expectations: dict[int, tuple[float, str, dict[str, float]]] = {}
    fallback: list[Series] = []
    for series in judged:
        assert series.published_at is not None
        assert series.latest_observed_at is not None
        age_then = (then[series.id] - series.published_at).total_seconds() / 3600
        age_now = (series.latest_observed_at - series.published_at).total_seconds() / 3600
        curve = curves.get(series.id, [])
        low, high = expected_at(curve, age_then), expected_at(curve, age_now)
        if low and high and low > 0:
            growth = high / low - 1
            expected = before[series.id] * growth
            basis = (
                f"posts on this channel grow about {growth:.0%} between {age_then:.0f} h and "
                f"{age_now:.0f} h (median of {curve[0].peers}+ posts)"
            )
            extra = {"expected_gain": round(expected), "peer_growth": round(growth, 4)}
            expectations[series.id] = (expected, basis, extra)
        else:
            fallback.append(series)
    earlier = await repository.values_before(session, {s.id: then[s.id] - WINDOW for s in fallback})
    for series in fallback:
        if series.id in earlier:
            expected = float(before[series.id] - earlier[series.id])
            basis = f"it grew {fmt_int(expected)} in the 12 h before"
            extra = {"expected_gain": round(expected), "previous_window_gain": round(expected)}
            expectations[series.id] = (expected, basis, extra)
    found: dict[int, dict[str, object]] = {}
    for series in judged:
        if series.id not in expectations:
            continue
        expected, basis, extra = expectations[series.id]
        value_then = before[series.id]
        gained = series.latest_value - value_then
        if expected < MIN_EXPECTED or gained >= STALL_SHARE * expected:
            continue
        assert series.latest_observed_at is not None
        found[series.id] = {
            "window_hours": WINDOW.total_seconds() / 3600,
            "from": then[series.id].isoformat(),
            "to": series.latest_observed_at.isoformat(),
            "value_then": value_then,
            "value_now": series.latest_value,
            "gained": gained,
            **extra,
            "message": (
                f"{series.metric} grew {fmt_int(gained)} in the last 12 h (from "
                f"{fmt_int(value_then)} to {fmt_int(series.latest_value)}) where "
                f"{fmt_int(expected)} were expected: {basis}; "
                "the platform may have throttled or hidden it"
            ),
        }
    return found


def _post_alert(
    kind: str,
    series: Series,
    post: Post | None,
    names: dict[str, Channel],
    now: datetime,
    message: str,
    evidence: dict[str, Any],
) -> Alert:
    return alert_about(
        kind,
        names,
        series.channel_id,
        series.post_id,
        post,
        detected_at=series.latest_observed_at or now,
        message=message,
        evidence=evidence,
    )


async def _post_alerts(
    session: AsyncSession, workspace_id: str, names: dict[str, Channel], now: datetime
) -> list[Alert]:
    """Recent posts underperforming their peers, and posts that stall."""
    reads = await repository.recent_reads(session, workspace_id, now - RECENT)
    posts = await posts_by_id(session, workspace_id, sorted({s.post_id for s in reads}))
    found: list[Alert] = []
    verdicts = await benchmarks(session, workspace_id, reads, now)
    stalls = await _stalls(
        session,
        workspace_id,
        [s for s in reads if s.published_at is not None and now - s.published_at <= WATCHED],
        now,
    )
    for series in reads:
        post = posts.get(series.post_id)
        bench = verdicts[series.id]
        if bench.verdict == "underperforming":
            evidence = {
                "metric": bench.metric,
                "age_hours": bench.age_hours,
                "value": bench.value,
                "median": bench.median,
                "ratio": bench.ratio,
                "percentile": bench.percentile,
                "peers": bench.peers,
            }
            found.append(
                _post_alert("underperforming", series, post, names, now, bench.reason, evidence)
            )
        stall = stalls.get(series.id)
        if stall is not None:
            message = str(stall.pop("message"))
            found.append(_post_alert("stalled", series, post, names, now, message, stall))
    return found


async def _follower_drops(
    session: AsyncSession, workspace_id: str, names: dict[str, Channel], now: datetime
) -> list[Alert]:
    found: list[Alert] = []
    since = day_floor(now) - timedelta(days=DROP_DAYS)
    for channel_id, day, value, gain in await repository.follower_days(
        session, workspace_id, since
    ):
        before = value - gain
        if gain < 0 and -gain >= max(MIN_DROP, MIN_DROP_SHARE * before):
            found.append(
                alert_about(
                    "follower_drop",
                    names,
                    channel_id,
                    detected_at=day,
                    message=(
                        f"followers fell from {fmt_int(before)} to {fmt_int(value)} "
                        f"({gain:+,}, {gain / before:+.1%}) on {day.date().isoformat()}"
                        if before
                        else f"followers fell by {-gain:,} on {day.date().isoformat()}"
                    ),
                    evidence={
                        "day": day.date().isoformat(),
                        "followers_before": before,
                        "followers_after": value,
                        "change": gain,
                    },
                )
            )
    return found


async def alerts(session: AsyncSession, workspace_id: str, kind: str | None = None) -> list[Alert]:
    """Every alert of the workspace now (of one kind), newest first."""
    now = utcnow()
    names = await channel_names(session, workspace_id)
    found = await _post_alerts(session, workspace_id, names, now)
    found.extend(await _follower_drops(session, workspace_id, names, now))
    found.extend(await behind_alerts(session, workspace_id, now))
    found.extend(await negative_spikes(session, workspace_id, names, now))
    found.sort(
        key=lambda a: (
            a.detected_at,
            a.kind,
            a.channel_id or "",
            a.post_id or "",
            a.campaign_id or "",
        ),
        reverse=True,
    )
    return [a for a in found if a.kind == kind] if kind else found


POSITION = "position"


def page(found: Sequence[Alert], limit: int, cursor: str | None) -> tuple[list[Alert], str | None]:
    """A page of alerts. They are computed whole on every request (nothing is stored), so
    the cursor is the position in that list."""
    offset = 0
    if cursor:
        value, _ = decode_cursor(cursor, POSITION)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise not_a_cursor()
        offset = value
    more = offset + limit < len(found)
    return (
        list(found[offset : offset + limit]),
        encode_cursor(POSITION, offset + limit, "alerts") if more else None,
    )
