"""A campaign's figures, gathered once: what its posts gained (daily rollups of their
series) and what its channels' accounts gained between its start and its end date, and
the conversions attributed to it (tracked links of its posts, or its UTM campaign)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.kit import chunked, day_floor
from metrics_svc.models import (
    Campaign,
    CampaignPost,
    ChannelDailyRollup,
    Conversion,
    DailyRollup,
    Post,
    PostChannel,
    Series,
)
from metrics_svc.vocabulary import ACCOUNT_METRICS

# One figure gained on one day: (day, channel id, post id or None, metric, gain).
Gain = tuple[datetime, str, str | None, str, float]


@dataclass
class CampaignFigures:
    campaign: Campaign
    now: datetime
    posts: dict[str, Post] = field(default_factory=dict)
    channel_ids: list[str] = field(default_factory=list)
    gains: list[Gain] = field(default_factory=list)
    conversions: list[Conversion] = field(default_factory=list)

    @property
    def until(self) -> datetime:
        return min(self.now, self.campaign.ends_at)

    def totals(
        self, *, channel_id: str | None = None, post_id: str | None = None
    ) -> dict[str, int]:
        out: dict[str, float] = defaultdict(float)
        for _, channel, post, metric, gain in self.gains:
            if channel_id is not None and channel != channel_id:
                continue
            if post_id is not None and post != post_id:
                continue
            out[metric] += gain
        return {m: round(v) for m, v in sorted(out.items())}

    def value(
        self, *, channel_id: str | None = None, post_id: str | None = None
    ) -> dict[str, float]:
        out: dict[str, int] = defaultdict(int)
        for c in self.conversions:
            if channel_id is not None and c.channel_id != channel_id:
                continue
            if post_id is not None and c.post_id != post_id:
                continue
            out[c.currency] += c.value_cents
        return {currency: cents / 100 for currency, cents in sorted(out.items())}

    def daily(self, metric: str) -> dict[datetime, float]:
        out: dict[datetime, float] = defaultdict(float)
        if metric == "conversion_value":
            for c in self.conversions:
                if c.currency == self.campaign.currency:
                    out[day_floor(c.occurred_at)] += c.value_cents / 100
            return out
        for day, _, _, name, gain in self.gains:
            if name == metric:
                out[day] += gain
        return out


async def gather(session: AsyncSession, campaign: Campaign, now: datetime) -> CampaignFigures:
    figures = CampaignFigures(campaign, now)
    ws = campaign.workspace_id
    start, end = day_floor(campaign.starts_at), campaign.ends_at
    post_ids = sorted(
        set(
            await session.scalars(
                select(CampaignPost.post_id).where(
                    CampaignPost.workspace_id == ws, CampaignPost.campaign_id == campaign.id
                )
            )
        )
    )
    placed: set[str] = set()
    for chunk in chunked(post_ids, 500):
        for post in await session.scalars(
            select(Post).where(Post.workspace_id == ws, Post.id.in_(chunk))
        ):
            figures.posts[post.id] = post
        placed |= set(
            await session.scalars(
                select(PostChannel.channel_id).where(
                    PostChannel.workspace_id == ws, PostChannel.post_id.in_(chunk)
                )
            )
        )
        rows = await session.execute(
            select(
                DailyRollup.bucket,
                Series.channel_id,
                Series.post_id,
                Series.metric,
                DailyRollup.gain,
            )
            .join(DailyRollup, DailyRollup.series_id == Series.id)
            .where(
                Series.workspace_id == ws,
                Series.post_id.in_(chunk),
                DailyRollup.bucket >= start,
                DailyRollup.bucket < end,
            )
        )
        figures.gains.extend((d, c, p, m, float(g)) for d, c, p, m, g in rows)
    figures.channel_ids = sorted(set(campaign.channel_ids) or placed)
    if figures.channel_ids:
        account = await session.execute(
            select(
                ChannelDailyRollup.day,
                ChannelDailyRollup.channel_id,
                ChannelDailyRollup.metric,
                ChannelDailyRollup.gain,
            ).where(
                ChannelDailyRollup.workspace_id == ws,
                ChannelDailyRollup.channel_id.in_(figures.channel_ids),
                ChannelDailyRollup.account.is_(True),
                ChannelDailyRollup.metric.in_(ACCOUNT_METRICS),
                ChannelDailyRollup.day >= start,
                ChannelDailyRollup.day < end,
            )
        )
        figures.gains.extend((d, c, None, m, float(g)) for d, c, m, g in account)
    attributed = Conversion.campaign_id == campaign.id
    if post_ids:
        attributed = or_(attributed, Conversion.post_id.in_(post_ids[:2000]))
    figures.conversions = list(
        await session.scalars(
            select(Conversion).where(
                Conversion.workspace_id == ws,
                attributed,
                Conversion.occurred_at >= campaign.starts_at,
                Conversion.occurred_at < end,
            )
        )
    )
    # Conversions with a post are in the post's series already; the others count here.
    for c in figures.conversions:
        if c.post_id is None:
            figures.gains.append(
                (day_floor(c.occurred_at), c.channel_id or "", None, "conversions", 1.0)
            )
    return figures
