"""What each platform's collector pulls for one channel, as figures named by our posts.

WeChat (datacube, figures of Beijing days, yesterday at the latest, available in the
morning): `getarticletotal` once for each of the last 7 days (one day per call; each
article's running totals for up to 7 days after it went out), `getusersummary` and
`getusercumulate` once for those 7 days (their longest span). Nine calls a day, whatever
the number of articles. An article is named by `msgid` `<msg_data_id>_<n>`, the
`msg_data_id` recorded at delivery; articles we did not publish are left out. A run with a
backfill portion (`backfill.py`) then pulls those older days the same way, each API's
calls cut to its longest span.

Weibo (live counts): `statuses/count` for our statuses of the last days, 100 ids a call,
and `users/show` for the followers; observed at the start of the hour of the run, so that
a run repeated within the hour gives the same points. And readers' comments on our
statuses, `comments/to_me` newer than the last one pulled (`since_id`), newest first, 200
a page (each page below the last by `max_id`), at most 10 pages a run: a burst of more
goes on in the next runs, from where the last one stopped (`CommentsCursor`).

A platform error stops the collection: `Stopped` carries what was gathered before it (sent
all the same: figures are keyed, sending them twice changes nothing) and the error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from event_contracts import CollectedComment, CollectedFigure

from channel_svc.adapters.base import UnlockedChannel
from channel_svc.adapters.http import PlatformError, Unreachable
from channel_svc.adapters.wechat import WechatAdapter
from channel_svc.adapters.weibo import WeiboAdapter
from channel_svc.sync.backfill import LONGEST_SPANS, WINDOW_DAYS, spans

BEIJING = timedelta(hours=8)
WECHAT_POST_FIGURES = (
    "int_page_read_count",
    "int_page_read_user",
    "share_count",
    "add_to_fav_count",
)
WEIBO_COUNTS = ("reposts", "comments", "attitudes")
IDS_PER_CALL = 100
COMMENTS_PER_PAGE = 200  # Weibo's most for `comments/to_me`
COMMENT_PAGES_PER_RUN = 10  # an hourly run's share of the account's read limit
WEIBO_TIME = "%a %b %d %H:%M:%S %z %Y"  # `Tue May 31 17:46:55 +0800 2011`
# A comment is at most 140 characters on Weibo; the caps keep one odd answer from making
# an event too large or a comment user-svc refuses.
TEXT_MAX = 1000
NAME_MAX = 100


@dataclass(frozen=True)
class Copy:
    """One of our posts on the channel, by the platform's id recorded at delivery."""

    post_id: str
    external_id: str


@dataclass
class Collection:
    figures: list[CollectedFigure] = field(default_factory=list)
    through: date | None = None  # the latest day collected in full
    comments: list[CollectedComment] = field(default_factory=list)
    # Where the comments stand after this run (None: the run stopped before they were read).
    comments_cursor: CommentsCursor | None = None
    # The backfill portion the run began (its calls count against the day's quotas even
    # if it stopped), and the one it pulled in full.
    backfill_begun: tuple[date, date] | None = None
    backfilled: tuple[date, date] | None = None


@dataclass(frozen=True)
class CommentsCursor:
    """Where a Weibo collector's comments stand: every comment up to `since` was read.
    A burst of more than one run reads goes on in the next run below `backlog_max` (down
    to `since`); once it is read through, its newest comment (`backlog_newest`) becomes
    `since`."""

    since: str | None = None
    backlog_max: str | None = None
    backlog_newest: str | None = None


class Stopped(Exception):
    def __init__(self, collection: Collection, error: PlatformError | Unreachable) -> None:
        super().__init__(str(error))
        self.collection = collection
        self.error = error


def beijing_day(now: datetime) -> date:
    return (now.astimezone(UTC) + BEIJING).date()


def start_of(day: date) -> datetime:
    """The first second of a Beijing day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=UTC) - BEIJING


def end_of(day: date) -> datetime:
    """The last second of a Beijing day, in UTC: when that day's figures stand."""
    return start_of(day + timedelta(days=1)) - timedelta(seconds=1)


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


async def collect_wechat(
    adapter: WechatAdapter,
    channel: UnlockedChannel,
    copies: Mapping[str, Copy],
    now: datetime,
    *,
    backfill: tuple[date, date] | None = None,
) -> Collection:
    """`copies` by msgid; the last `WINDOW_DAYS`, then the `backfill` days. Raises
    `Stopped` on the first platform error."""
    yesterday = beijing_day(now) - timedelta(days=1)
    first = yesterday - timedelta(days=WINDOW_DAYS - 1)
    found = Collection()
    try:
        await _days(adapter, channel, copies, first, yesterday, found)
        found.through = yesterday
        if backfill is not None:
            found.backfill_begun = backfill
            await _days(adapter, channel, copies, *backfill, found)
            found.backfilled = backfill
    except (PlatformError, Unreachable) as exc:
        raise Stopped(found, exc) from exc
    return found


async def _days(
    adapter: WechatAdapter,
    channel: UnlockedChannel,
    copies: Mapping[str, Copy],
    first: date,
    last: date,
    found: Collection,
) -> None:
    """The articles' figures and the followers' of [first, last], into `found`."""
    for day, _ in spans(first, last, LONGEST_SPANS["getarticletotal"]):
        for item in await adapter.datacube(channel, "getarticletotal", day, day):
            copy = copies.get(str(item.get("msgid")))
            if copy is None:
                continue
            went_out = _day(item.get("ref_date"))
            went_out_start = start_of(went_out) if went_out is not None else None
            for detail in item.get("details") or []:
                stat_date = _day(detail.get("stat_date"))
                if stat_date is None:
                    continue
                found.figures += [
                    CollectedFigure(
                        metric=name,
                        value=int(detail[name]),
                        observed_at=end_of(stat_date),
                        post_id=copy.post_id,
                        external_id=copy.external_id,
                        went_out_day_start=went_out_start,
                    )
                    for name in WECHAT_POST_FIGURES
                    if name in detail
                ]
    for begin, end in spans(first, last, LONGEST_SPANS["getusersummary"]):
        summary = await adapter.datacube(channel, "getusersummary", begin, end)
        cumulate = await adapter.datacube(channel, "getusercumulate", begin, end)
        found.figures += _followers(summary, cumulate, begin, end)


def _followers(
    summary: Iterable[dict[str, object]],
    cumulate: Iterable[dict[str, object]],
    first: date,
    last: date,
) -> list[CollectedFigure]:
    """Followers won and lost each day (every source summed; a day not listed had none),
    and the followers at the end of each day listed."""
    gained: dict[date, int] = {}
    lost: dict[date, int] = {}
    for row in summary:
        day = _day(row.get("ref_date"))
        if day is not None:
            gained[day] = gained.get(day, 0) + int(str(row.get("new_user") or 0))
            lost[day] = lost.get(day, 0) + int(str(row.get("cancel_user") or 0))
    figures: list[CollectedFigure] = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        for metric, values in (("new_user", gained), ("cancel_user", lost)):
            figures.append(
                CollectedFigure(
                    metric=metric, value=values.get(day, 0), observed_at=end_of(day), daily=True
                )
            )
    for row in cumulate:
        day = _day(row.get("ref_date"))
        if day is not None and row.get("cumulate_user") is not None:
            figures.append(
                CollectedFigure(
                    metric="cumulate_user",
                    value=int(str(row["cumulate_user"])),
                    observed_at=end_of(day),
                )
            )
    return figures


async def collect_weibo(
    adapter: WeiboAdapter,
    channel: UnlockedChannel,
    copies: Mapping[str, Copy],
    now: datetime,
    *,
    comments: CommentsCursor | None = None,
) -> Collection:
    """`copies` by status id; comments from where `comments` stands. Raises `Stopped` on
    the first platform error."""
    slot = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    found = Collection()
    ids = sorted(copies)
    try:
        for start in range(0, len(ids), IDS_PER_CALL):
            batch = ids[start : start + IDS_PER_CALL]
            answer = await adapter.read_api(channel, "/2/statuses/count.json", ids=",".join(batch))
            for counts in answer if isinstance(answer, list) else []:
                copy = copies.get(str(counts.get("idstr") or counts.get("id")))
                if copy is None:
                    continue
                found.figures += [
                    CollectedFigure(
                        metric=name,
                        value=int(counts[name]),
                        observed_at=slot,
                        post_id=copy.post_id,
                        external_id=copy.external_id,
                    )
                    for name in WEIBO_COUNTS
                    if name in counts
                ]
        user = await adapter.read_api(channel, "/2/users/show.json", uid=adapter.uid(channel))
        await _weibo_comments(adapter, channel, copies, now, comments or CommentsCursor(), found)
    except (PlatformError, Unreachable) as exc:
        raise Stopped(found, exc) from exc
    if isinstance(user, dict) and user.get("followers_count") is not None:
        found.figures.append(
            CollectedFigure(
                metric="followers_count", value=int(user["followers_count"]), observed_at=slot
            )
        )
    found.through = beijing_day(now)
    return found


async def _weibo_comments(
    adapter: WeiboAdapter,
    channel: UnlockedChannel,
    copies: Mapping[str, Copy],
    now: datetime,
    cursor: CommentsCursor,
    found: Collection,
) -> None:
    """Readers' comments from where `cursor` stands, newest first, into `found`, with the
    cursor after them; our own replies are left out."""
    own = adapter.uid(channel)
    upper = int(cursor.backlog_max) if cursor.backlog_max else None
    newest = int(cursor.backlog_newest) if cursor.backlog_newest else None
    for _ in range(COMMENT_PAGES_PER_RUN):
        params = {"count": str(COMMENTS_PER_PAGE)}
        if cursor.since:
            params["since_id"] = cursor.since
        if upper is not None:
            params["max_id"] = str(upper)
        answer = await adapter.read_api(channel, "/2/comments/to_me.json", **params)
        listed = (answer.get("comments") if isinstance(answer, dict) else None) or []
        ids: list[int] = []
        for item in listed:
            comment = _comment(item, copies, now)
            if comment is None:
                continue
            ids.append(int(comment.external_id))
            if comment.author_id != own:
                found.comments.append(comment)
        if ids:
            newest = max(newest or 0, *ids)
            upper = min(ids) - 1
        if len(listed) < COMMENTS_PER_PAGE or not ids:
            # Read through to `since`: the newest comment read is where the next run starts.
            since = str(newest) if newest is not None else cursor.since
            found.comments_cursor = CommentsCursor(since=since)
            return
    # This run's share of the account's hourly limit is spent with more to read: the next
    # run goes on below the oldest comment read.
    found.comments_cursor = CommentsCursor(
        since=cursor.since, backlog_max=str(upper), backlog_newest=str(newest)
    )


def _id(value: object, key: str = "idstr") -> str:
    """A Weibo object's id (`idstr`, else `id`), or "" when there is none."""
    if not isinstance(value, dict):
        return ""
    return str(value.get(key) or value.get("id") or "")


def _comment(
    item: dict[str, object], copies: Mapping[str, Copy], now: datetime
) -> CollectedComment | None:
    cid, status_id, author = _id(item), _id(item.get("status")), _id(item.get("user"))
    if not (cid.isdigit() and status_id and author.isdigit()):
        return None
    try:
        written = datetime.strptime(str(item.get("created_at")), WEIBO_TIME).astimezone(UTC)
    except ValueError:
        written = now
    user = item.get("user")
    name = str(user.get("screen_name") or "")[:NAME_MAX] if isinstance(user, dict) else ""
    copy = copies.get(status_id)
    return CollectedComment(
        external_id=cid,
        status_id=status_id,
        post_id=copy.post_id if copy is not None else None,
        author_id=author,
        author_name=name or None,
        text=str(item.get("text") or "")[:TEXT_MAX],
        reply_to_id=_id(item.get("reply_comment")) or None,
        occurred_at=min(written, now),  # a drifting clock does not write in the future
    )
