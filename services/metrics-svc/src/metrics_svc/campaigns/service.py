"""Campaign reports: progress against each goal with a projection to the end date, per
channel and per post, costs; campaigns side by side; campaigns behind their goal curve."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from servicekit.db import utcnow
from servicekit.problems import NotFound
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.alerts.schemas import Alert
from metrics_svc.campaigns import repository
from metrics_svc.campaigns.figures import CampaignFigures, gather
from metrics_svc.campaigns.schemas import (
    CampaignChannel,
    CampaignComparison,
    CampaignPostFigures,
    CampaignReport,
    CampaignSummary,
    Costs,
    GoalDay,
    GoalProgress,
    GoalSummary,
)
from metrics_svc.kit.dates import day_floor, day_start
from metrics_svc.kit.words import fmt_int, fmt_ratio
from metrics_svc.models import Campaign
from metrics_svc.replicas.repository import channel_labels, channel_names
from metrics_svc.reports.posts import rates

DAY = timedelta(days=1)
RECENT = timedelta(days=7)  # the projection's rate is the mean daily gain over this span
ON_TRACK = 0.8  # achieved / expected below this is behind the goal curve
ALERT_AFTER = 0.15  # judge a campaign once this share of it has passed (and a day at least)


async def get_campaign(session: AsyncSession, workspace_id: str, campaign_id: str) -> Campaign:
    campaign = await session.get(Campaign, (workspace_id, campaign_id))
    if campaign is None or campaign.deleted:
        raise NotFound(f"No campaign {campaign_id} in this workspace.")
    return campaign


def elapsed_share(campaign: Campaign, now: datetime) -> float:
    length = (campaign.ends_at - campaign.starts_at).total_seconds()
    if length <= 0:
        return 1.0
    passed = (now - campaign.starts_at).total_seconds()
    return min(1.0, max(0.0, passed / length))


def new_followers(totals: dict[str, int]) -> int:
    """Follows gained when the platform reports them, else the net change of followers."""
    return totals.get("follows_gained") or max(totals.get("followers", 0), 0)


def achieved_of(figures: CampaignFigures, metric: str, totals: dict[str, int]) -> float:
    if metric == "conversion_value":
        return figures.value().get(figures.campaign.currency, 0.0)
    return float(totals.get(metric, 0))


def progress(figures: CampaignFigures, metric: str, goal: float) -> GoalProgress:
    campaign, now = figures.campaign, figures.now
    daily = figures.daily(metric)
    share_now = elapsed_share(campaign, now)
    expected_now = goal * share_now
    days: list[GoalDay] = []
    running = 0.0
    day = day_floor(campaign.starts_at)
    last = day_floor(figures.until)
    while day <= last and now >= campaign.starts_at:
        gained = daily.get(day, 0.0)
        running += gained
        days.append(
            GoalDay(
                day=day.date(),
                gained=round(gained, 2),
                value=round(running, 2),
                expected=round(goal * elapsed_share(campaign, min(day + DAY, campaign.ends_at)), 2),
            )
        )
        day += DAY
    achieved = round(running, 2)
    if now < campaign.starts_at:
        projection, method = None, "not started: no projection before the start"
    elif now >= campaign.ends_at:
        projection, method = achieved, "finished: the figure at the end date"
    else:
        since = day_floor(max(campaign.starts_at, now - RECENT))
        recent = sum(v for d, v in daily.items() if d >= since)
        span = max((now - since) / DAY, 1 / 24)
        per_day = recent / span
        left = (campaign.ends_at - now) / DAY
        projection = round(achieved + per_day * left, 2)
        method = (
            f"linear: the mean daily gain of the last {span:.1f} days "
            f"({fmt_int(per_day)}/day) carried over the {left:.1f} days left"
        )
    if now < campaign.starts_at:
        status = "not_started"
    elif goal > 0 and achieved >= goal:
        status = "achieved"
    elif expected_now <= 0:
        status = "unknown"
    elif achieved >= expected_now:
        status = "ahead"
    elif achieved >= ON_TRACK * expected_now:
        status = "on_track"
    else:
        status = "behind"
    return GoalProgress(
        metric=metric,
        goal=goal,
        achieved=achieved,
        share=round(achieved / goal, 4) if goal > 0 else None,
        expected_now=round(expected_now, 2),
        pace=round(achieved / expected_now, 4) if expected_now > 0 else None,
        status=status,
        projection=projection,
        projected_share=round(projection / goal, 4) if projection is not None and goal else None,
        projection_method=method,
        days=days,
    )


def costs(campaign: Campaign, totals: dict[str, int]) -> Costs | None:
    if campaign.budget is None:
        return None
    budget = campaign.budget

    def per(n: int) -> float | None:
        return round(budget / n, 2) if n > 0 else None

    return Costs(
        budget=budget,
        currency=campaign.currency,
        per_follower=per(new_followers(totals)),
        per_conversion=per(totals.get("conversions", 0)),
        per_click=per(totals.get("clicks", 0)),
    )


async def campaign_report(
    session: AsyncSession, workspace_id: str, campaign_id: str
) -> CampaignReport:
    campaign = await get_campaign(session, workspace_id, campaign_id)
    now = utcnow()
    figures = await gather(session, campaign, now)
    names = await channel_names(session, workspace_id)
    totals = figures.totals()
    channel_ids = sorted(set(figures.channel_ids) | {g[1] for g in figures.gains if g[1]})
    channels = []
    for channel_id in channel_ids:
        channel_totals = figures.totals(channel_id=channel_id)
        channels.append(
            CampaignChannel(
                **channel_labels(names, channel_id),
                totals=channel_totals,
                conversion_value=figures.value(channel_id=channel_id),
                **rates(channel_totals),
            )
        )
    posts = []
    for post in sorted(figures.posts.values(), key=lambda p: (p.published_at, p.id)):
        post_totals = figures.totals(post_id=post.id)
        posts.append(
            shaped(
                CampaignPostFigures,
                post,
                post_id=post.id,
                totals=post_totals,
                conversion_value=figures.value(post_id=post.id),
                **rates(post_totals),
            )
        )
    posts.sort(key=lambda p: -p.totals.get("reads", 0))
    return shaped(
        CampaignReport,
        campaign,
        campaign_id=campaign.id,
        elapsed_share=round(elapsed_share(campaign, now), 4),
        totals=totals,
        conversion_value=figures.value(),
        goals=[progress(figures, m, g) for m, g in sorted(campaign.goals.items())],
        costs=costs(campaign, totals),
        channels=channels,
        posts=posts,
        **rates(totals),
    )


def summary(figures: CampaignFigures) -> CampaignSummary:
    campaign = figures.campaign
    totals = figures.totals()
    goals = {}
    for metric, goal in sorted(campaign.goals.items()):
        achieved = achieved_of(figures, metric, totals)
        goals[metric] = GoalSummary(
            goal=goal,
            achieved=achieved,
            share=round(achieved / goal, 4) if goal > 0 else None,
        )
    return shaped(
        CampaignSummary,
        campaign,
        campaign_id=campaign.id,
        days=round((campaign.ends_at - campaign.starts_at) / DAY, 1),
        posts=len(figures.posts),
        channels=len(figures.channel_ids),
        totals=totals,
        conversion_value=figures.value(),
        goals=goals,
        costs=costs(campaign, totals),
        **rates(totals),
    )


async def compare(
    session: AsyncSession,
    workspace_id: str,
    *,
    objective: str | None = None,
    tags: Sequence[str] = (),
    status: str | None = None,
    similar_to: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 50,
) -> CampaignComparison:
    """Campaigns side by side, newest first: those that ran between the days `start` and
    `end` (inclusive, UTC). `similar_to` keeps the campaigns with the same objective sharing
    a tag with it (itself left out)."""
    wanted_tags = set(tags)
    basis = "each campaign's figures gained between its start and its end date (or now)"
    like: Campaign | None = None
    if similar_to:
        like = await get_campaign(session, workspace_id, similar_to)
        wanted_tags |= set(like.tags)
        basis += f"; campaigns like {like.name!r}: objective {like.objective}, a tag in common"
    rows = await repository.campaigns(
        session,
        workspace_id,
        objective=objective,
        like_objective=like.objective if like else None,
        besides=like.id if like else None,
        status=status,
        ends_from=day_start(start) if start else None,
        starts_before=day_start(end + DAY) if end else None,
    )
    if wanted_tags:
        rows = [c for c in rows if wanted_tags & set(c.tags)]
    now = utcnow()
    out = [summary(await gather(session, c, now)) for c in rows[:limit]]
    return CampaignComparison(campaigns=out, basis=basis)


async def behind_alerts(session: AsyncSession, workspace_id: str, now: datetime) -> list[Alert]:
    """Running campaigns whose progress on a goal is under 0.8 of their goal curve."""
    found = []
    for campaign in await repository.running(session, workspace_id, now):
        share = elapsed_share(campaign, now)
        if share < ALERT_AFTER or now - campaign.starts_at < DAY or not campaign.goals:
            continue
        figures = await gather(session, campaign, now)
        for metric, goal in sorted(campaign.goals.items()):
            p = progress(figures, metric, goal)
            if p.status != "behind" or p.pace is None:
                continue
            ending = (
                f"; at the recent rate it ends at {fmt_int(p.projection)} "
                f"({fmt_ratio(p.projected_share or 0)} of the goal)"
                if p.projection is not None
                else ""
            )
            found.append(
                Alert(
                    kind="campaign_behind",
                    channel_id=None,
                    channel_name=None,
                    post_id=None,
                    title=None,
                    campaign_id=campaign.id,
                    campaign_name=campaign.name,
                    detected_at=now,
                    message=(
                        f"{campaign.name}: {metric} {fmt_int(p.achieved)} of the goal "
                        f"{fmt_int(goal)} with {share:.0%} of the campaign passed, where "
                        f"{fmt_int(p.expected_now)} were expected ({fmt_ratio(p.pace)} of the "
                        f"goal curve){ending}"
                    ),
                    evidence={
                        "metric": metric,
                        "goal": goal,
                        "achieved": p.achieved,
                        "expected_now": p.expected_now,
                        "pace": p.pace,
                        "elapsed_share": round(share, 4),
                        "projection": p.projection,
                        "projection_method": p.projection_method,
                        "ends_at": campaign.ends_at.isoformat(),
                    },
                )
            )
    return found
