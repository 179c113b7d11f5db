"""The calendar: a range of local days in the workspace time zone, each with the posts
scheduled for it or published on it, and the campaigns running meanwhile."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from servicekit.auth import Caller
from servicekit.problems import Invalid
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.calendar import repository
from content_svc.calendar.schemas import (
    RANGE_DAYS_MAX,
    CalendarCampaign,
    CalendarChannel,
    CalendarDay,
    CalendarEntry,
    CalendarRead,
)
from content_svc.kit.ids import id_filter
from content_svc.kit.zones import local_day, start_of_day, zone
from content_svc.models import KnownChannel, Post, PostStatus
from content_svc.posts.review import review_settings
from content_svc.queue import repository as queue_repository

SCHEDULED = "scheduled"
QUEUED = "queued"


def _checked_range(first_day: date, last_day: date) -> None:
    if last_day < first_day:
        raise Invalid.field("to", "is before `from`")
    if (last_day - first_day).days + 1 > RANGE_DAYS_MAX:
        raise Invalid.field("to", f"the range may span at most {RANGE_DAYS_MAX} days")


async def calendar(
    session: AsyncSession,
    caller: Caller,
    first_day: date,
    last_day: date,
    *,
    channel_id: str | None = None,
    campaign_id: str | None = None,
) -> CalendarRead:
    _checked_range(first_day, last_day)
    channel = id_filter(channel_id, "channel_id")
    campaign = id_filter(campaign_id, "campaign_id")
    settings = await review_settings(session, caller.workspace_id)
    tz = zone(settings.time_zone)
    start = start_of_day(first_day, tz)
    end = start_of_day(last_day + timedelta(days=1), tz)

    posts = await repository.posts_between(
        session, caller.workspace_id, start, end, campaign_id=campaign
    )
    if channel is not None:
        posts = [post for post in posts if channel in _channel_ids(post)]
    queued = await queue_repository.queued_post_ids(session, {post.id for post in posts})
    known = await repository.known_channels(
        session, caller.workspace_id, {cid for post in posts for cid in _channel_ids(post)}
    )
    days: dict[date, list[CalendarEntry]] = {
        first_day + timedelta(days=offset): [] for offset in range((last_day - first_day).days + 1)
    }
    for post in posts:
        entry = _entry(post, post.id in queued, known, tz)
        days[entry.at.date()].append(entry)

    campaigns = await repository.campaigns_between(
        session, caller.workspace_id, start, end, campaign_id=campaign
    )
    return CalendarRead(
        time_zone=settings.time_zone,
        first_day=first_day,
        last_day=last_day,
        days=[
            CalendarDay(date=day, entries=sorted(entries, key=lambda e: (e.at, e.post_id)))
            for day, entries in days.items()
        ],
        campaigns=[
            CalendarCampaign(
                id=row.id,
                name=row.name,
                starts_at=row.starts_at.astimezone(tz),
                ends_at=row.ends_at.astimezone(tz),
                first_day=local_day(row.starts_at, tz),
                last_day=local_day(row.ends_at, tz),
                channel_ids=list(row.channel_ids),
            )
            for row in campaigns
            # A campaign without channels is for all of them.
            if channel is None or not row.channel_ids or channel in row.channel_ids
        ],
    )


def _channel_ids(post: Post) -> list[str]:
    if post.status == PostStatus.SCHEDULED.value:
        return list(post.scheduled_channel_ids)
    return [row.channel_id for row in post.channels]


def _entry(
    post: Post, queued: bool, known: Mapping[str, KnownChannel], tz: ZoneInfo
) -> CalendarEntry:
    scheduled = post.status == PostStatus.SCHEDULED.value
    moment: datetime | None = post.scheduled_at if scheduled else post.published_at
    assert moment is not None  # the query selected it by this moment
    at = moment.astimezone(tz)
    if scheduled:
        states = {cid: QUEUED if queued else SCHEDULED for cid in post.scheduled_channel_ids}
    else:
        states = {row.channel_id: row.status for row in post.channels}
    own_times = post.send_times
    return CalendarEntry(
        post_id=post.id,
        title=post.title,
        kind="scheduled" if scheduled else "published",
        queued=queued,
        at=at,
        local_time=at.strftime("%H:%M"),
        campaign_id=post.campaign_id,
        channels=[
            CalendarChannel(
                channel_id=cid,
                platform=known[cid].platform if cid in known else None,
                name=known[cid].name if cid in known else None,
                status=status,
                at=own_times.get(cid, moment).astimezone(tz),
            )
            for cid, status in sorted(states.items())
        ],
    )
