"""The posts' export: one CSV row per post and channel it went (or goes) to, with the
post's state, the channel's delivery state and the post's figures.

Figures are what content-svc keeps from `stats.ingested` (the post's latest totals and
verdict, across its channels); no other service is asked. The export is for a spreadsheet:
every cell goes through `servicekit.spreadsheets` (no formula runs), UTF-8 carries a BOM
(Excel reads UTF-8 only with one), GB18030 is there for Excel set to Chinese.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence
from datetime import datetime

from servicekit.auth import Caller
from servicekit.problems import FieldError, Invalid
from servicekit.spreadsheets import csv_line
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.kit.ids import id_filter
from content_svc.models import Post, PostChannel
from content_svc.plans import repository
from content_svc.plans.schemas import ExportFilter

HEADER = (
    "post_id",
    "title",
    "status",
    "tags",
    "campaign",
    "created_at",
    "scheduled_at",
    "published_at",
    "channel_id",
    "channel",
    "platform",
    "delivery_status",
    "url",
    "reads",
    "engagement",
    "verdict",
    "figures_as_of",
)


async def export_posts(
    session: AsyncSession, caller: Caller, filters: ExportFilter, *, max_posts: int
) -> bytes:
    """The CSV file of the workspace's posts that match `filters`, encoded as asked; more
    than `max_posts` posts is a 422 asking for narrower filters."""
    posts = await repository.posts_to_export(
        session,
        caller.workspace_id,
        status=filters.status.value if filters.status else None,
        campaign_id=id_filter(filters.campaign_id, "query.campaign_id"),
        channel_id=id_filter(filters.channel_id, "query.channel_id"),
        created_after=filters.created_after,
        created_before=filters.created_before,
        limit=max_posts + 1,
    )
    if len(posts) > max_posts:
        raise Invalid(
            f"More than {max_posts:,} posts match; narrow the filters (from, to, status, "
            "campaign_id, channel_id).",
            errors=[FieldError(field="query", message=f"more than {max_posts} posts")],
        )
    channel_names = {
        row.channel_id: row.name
        for row in await repository.all_channels(session, caller.workspace_id)
    }
    campaign_names = {
        row.id: row.name for row in await repository.live_campaigns(session, caller.workspace_id)
    }
    text = "".join(_lines(posts, channel_names, campaign_names))
    if filters.encoding == "gb18030":
        return text.encode("gb18030")
    return codecs.BOM_UTF8 + text.encode("utf-8")


def _lines(
    posts: Sequence[Post], channel_names: dict[str, str], campaign_names: dict[str, str]
) -> Iterator[str]:
    yield csv_line(HEADER)
    for post in posts:
        figures = post.performance or {}
        common = (
            post.id,
            post.title,
            post.status,
            "; ".join(post.tags),
            campaign_names.get(post.campaign_id or "", post.campaign_id),
            _moment(post.created_at),
            _moment(post.scheduled_at),
            _moment(post.published_at),
        )
        totals = (
            figures.get("reads"),
            figures.get("engagement"),
            figures.get("verdict"),
            _moment(figures.get("period_end")),
        )
        deliveries: list[PostChannel | str] = list(post.channels) or list(
            post.scheduled_channel_ids
        )
        if not deliveries:
            yield csv_line((*common, None, None, None, None, None, *totals))
        for delivery in deliveries:
            channel: tuple[str, str | None, str | None, str | None, str | None]
            if isinstance(delivery, str):  # planned or scheduled: not delivered yet
                channel = (delivery, channel_names.get(delivery), None, None, None)
            else:
                channel = (
                    delivery.channel_id,
                    channel_names.get(delivery.channel_id),
                    delivery.platform,
                    delivery.status,
                    delivery.url,
                )
            yield csv_line((*common, *channel, *totals))


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
