"""Tracked short links and their clicks, as channel-svc's events tell them; a click counts
in the post's `clicks` on the channel (see `ingestion.counters`)."""

from __future__ import annotations

from event_contracts import LinkClickedV1, LinkCreatedV1
from servicekit.db import insert_if_new
from servicekit.shapes import columns_of
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.ingestion.counters import ensure_placement, recount
from metrics_svc.models import LinkClick, TrackedLink


async def record_link(session: AsyncSession, link: LinkCreatedV1) -> None:
    await insert_if_new(session, TrackedLink, **columns_of(link, TrackedLink))


async def count_click(session: AsyncSession, click: LinkClickedV1) -> None:
    """One click, once per click id (a click sent again under another event id counts
    once too), added to the post's `clicks` on the channel."""
    if not await insert_if_new(session, LinkClick, **columns_of(click, LinkClick)):
        return
    placement = await ensure_placement(
        session,
        click.workspace_id,
        click.post_id,
        click.channel_id,
        click.platform,
        click.clicked_at,
    )
    await recount(session, placement, "clicks", click.clicked_at)
