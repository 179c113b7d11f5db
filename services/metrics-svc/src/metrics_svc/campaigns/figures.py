"""A campaign's figures, gathered once: what its posts gained (daily rollups of their
series) and what its channels' accounts gained between its start and its end date, and
the conversions attributed to it (tracked links of its posts, or its UTM campaign)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.campaigns import repository
from metrics_svc.campaigns.repository import Gain
from metrics_svc.kit.dates import day_floor
from metrics_svc.models import Campaign, Conversion, Post
from metrics_svc.replicas.repository import posts_by_id


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
    post_ids = await repository.post_ids(session, campaign)
    figures.posts = await posts_by_id(session, ws, post_ids)
    placed = await repository.channels_of_posts(session, ws, post_ids)
    figures.gains = await repository.post_gains(session, ws, post_ids, start, end)
    figures.channel_ids = sorted(set(campaign.channel_ids) or placed)
    if figures.channel_ids:
        figures.gains += await repository.account_gains(
            session, ws, figures.channel_ids, start, end
        )
    figures.conversions = await repository.conversions(session, campaign, post_ids, end)
    # Conversions with a post are in the post's series already; the others count here.
    for c in figures.conversions:
        if c.post_id is None:
            figures.gains.append(
                (day_floor(c.occurred_at), c.channel_id or "", None, "conversions", 1.0)
            )
    return figures
