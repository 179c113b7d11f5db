"""Conversions reported by the brand's shop or site, attributed to a post and channel (a
tracked link's code) or to a channel and campaign (UTM parameters).

A conversion with a post counts in the post's `conversions` series on the channel (see
`ingestion.counters`); one with a channel but no post counts in the channel's daily figures
directly; one with a campaign counts in the campaign's reports. Its value is kept per
currency, in hundredths.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from servicekit.db import utcnow
from servicekit.fingerprints import fingerprint
from servicekit.problems import FieldError, Invalid
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.conversions import repository
from metrics_svc.conversions.schemas import ConversionCreate, ConversionRead
from metrics_svc.ingestion.counters import ensure_placement, recount
from metrics_svc.kit.dates import day_floor
from metrics_svc.models import Campaign, Channel, Conversion, Post, TrackedLink

CLOCK_SKEW = timedelta(minutes=5)


def conversion_read(row: Conversion) -> ConversionRead:
    return shaped(
        ConversionRead,
        row,
        value=row.value_cents / 100,
        attributed_by="code" if row.code else "utm",
    )


async def _campaign_named(session: AsyncSession, workspace_id: str, name: str) -> Campaign | None:
    rows = await repository.named(session, Campaign, workspace_id, name)
    by_id = [c for c in rows if c.id == name]
    chosen = by_id or rows
    return chosen[0] if chosen else None


async def _channel_named(
    session: AsyncSession, workspace_id: str, name: str, platform: str | None
) -> list[Channel]:
    rows = await repository.named(session, Channel, workspace_id, name)
    by_id = [c for c in rows if c.id == name]
    if by_id:
        return by_id
    if platform:
        rows = [c for c in rows if (c.platform or "").lower() == platform.lower()]
    return rows


async def _attribute(
    session: AsyncSession, workspace_id: str, body: ConversionCreate
) -> Conversion:
    """The conversion row with its post, channel, platform and campaign, or 422."""
    errors: list[FieldError] = []
    row = Conversion(
        id=str(uuid.uuid4()),
        workspace_id=workspace_id,
        conversion_id=body.conversion_id,
        kind=body.kind,
        value_cents=int((body.value * 100).to_integral_value()),
        currency=body.currency,
        occurred_at=body.occurred_at,
        code=body.code,
        utm={
            k: v
            for k, v in (
                ("utm_source", body.utm_source),
                ("utm_medium", body.utm_medium),
                ("utm_campaign", body.utm_campaign),
            )
            if v
        },
        created_at=utcnow(),
    )
    if body.occurred_at > row.created_at + CLOCK_SKEW:
        errors.append(
            FieldError(
                field="occurred_at", message=f"in the future ({body.occurred_at.isoformat()})"
            )
        )
    if body.code:
        link = await session.get(TrackedLink, (workspace_id, body.code))
        if link is None:
            errors.append(FieldError(field="code", message=f"unknown tracked link {body.code!r}"))
        else:
            post = await session.get(Post, (workspace_id, link.post_id))
            row.post_id, row.channel_id = link.post_id, link.channel_id
            row.platform = link.platform
            row.campaign_id = link.campaign_id or (post.campaign_id if post else None)
    elif body.utm_medium or body.utm_campaign:
        row.platform = body.utm_source
        if body.utm_medium:
            channels = await _channel_named(session, workspace_id, body.utm_medium, body.utm_source)
            if len(channels) == 1:
                row.channel_id = channels[0].id
                row.platform = channels[0].platform or body.utm_source
            else:
                errors.append(
                    FieldError(
                        field="utm_medium",
                        message=f"no channel with id or name {body.utm_medium!r}"
                        if not channels
                        else f"{len(channels)} channels are named {body.utm_medium!r}: send "
                        "utm_source (the platform) or the channel's id",
                    )
                )
        if body.utm_campaign:
            campaign = await _campaign_named(session, workspace_id, body.utm_campaign)
            if campaign is None:
                errors.append(
                    FieldError(
                        field="utm_campaign",
                        message=f"no campaign with id or name {body.utm_campaign!r}",
                    )
                )
            else:
                row.campaign_id = campaign.id
    else:
        errors.append(
            FieldError(
                field="code",
                message="send the tracked link's code, or utm_medium and/or utm_campaign",
            )
        )
    if errors:
        raise Invalid("The conversion cannot be attributed; nothing was stored.", errors=errors)
    return row


async def record(
    session: AsyncSession, workspace_id: str, body: ConversionCreate
) -> tuple[ConversionRead, bool]:
    """(the conversion, whether it is new). The same `conversion_id` with the same body
    answers the first conversion again; with another body, 422."""
    request_hash = fingerprint(body.model_dump(mode="json"))
    if body.conversion_id:
        known = await repository.by_conversion_id(session, workspace_id, body.conversion_id)
        if known is not None:
            if known.request_hash != request_hash:
                raise Invalid.field(
                    "conversion_id",
                    f"conversion {body.conversion_id!r} was already reported with other "
                    "details; send a new conversion_id for a new conversion",
                )
            return conversion_read(known), False
    row = await _attribute(session, workspace_id, body)
    row.request_hash = request_hash
    session.add(row)
    await session.flush()
    if row.post_id and row.channel_id:
        placement = await ensure_placement(
            session, workspace_id, row.post_id, row.channel_id, row.platform, row.occurred_at
        )
        await recount(session, placement, "conversions", row.occurred_at)
    elif row.channel_id:
        await repository.count_on_channel(
            session, workspace_id, row.channel_id, day_floor(row.occurred_at)
        )
    return conversion_read(row), True
