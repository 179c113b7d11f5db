"""The rules of campaigns: goals in our metric names, dates in order, live channels, an
owner, a status from the dates unless set; every change goes out as `campaign.changed`.

Functions take the caller's session and never commit; they raise servicekit's problems.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from event_contracts import METRICS
from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.pagination import split_page
from servicekit.problems import Conflict, FieldError, Invalid
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.campaigns import repository
from content_svc.campaigns.membership import announce
from content_svc.campaigns.schemas import CampaignCreate, CampaignFilter, CampaignUpdate
from content_svc.campaigns.status import CampaignStatus, campaign_status
from content_svc.kit.ids import canonical_id
from content_svc.kit.problems import found, invalid
from content_svc.models import Campaign, Idea, Post
from content_svc.replicas.channels import ChannelLookup, require_live


@dataclass(frozen=True)
class CampaignView:
    """A campaign as the API shows it: with its status now and how many posts it has."""

    campaign: Campaign
    status: CampaignStatus
    post_count: int


@dataclass(frozen=True)
class CampaignOverview:
    view: CampaignView
    posts: Sequence[Post]
    ideas: Sequence[Idea]
    posts_by_status: dict[str, int]
    deliveries_by_status: dict[str, int]


def _goal_errors(goals: Mapping[str, float]) -> list[FieldError]:
    return [
        FieldError(
            field=f"goals.{name}",
            message=f"is not one of our metrics ({', '.join(METRICS)})",
        )
        for name in goals
        if name not in METRICS
    ]


def _date_errors(starts_at: datetime, ends_at: datetime) -> list[FieldError]:
    if ends_at <= starts_at:
        return [FieldError(field="ends_at", message="must be after starts_at")]
    return []


def _owner(value: str) -> str:
    owner = canonical_id(value)
    if owner is None:
        raise Invalid.field("owner_id", f"{value!r} is not an operator id")
    return owner


async def _checked_channels(
    session: AsyncSession,
    workspace_id: str,
    channel_ids: Sequence[str],
    lookup: ChannelLookup,
    *,
    already: Sequence[str] = (),
) -> list[str]:
    """Canonical ids of live channels of the workspace, the way publishing checks them;
    channels the campaign already has are not checked again (one may have been deleted)."""
    errors: list[FieldError] = []
    canonical: list[str] = []
    for index, raw in enumerate(channel_ids):
        channel_id = canonical_id(raw)
        if channel_id is None:
            errors.append(FieldError(field=f"channel_ids.{index}", message="is not a channel id"))
        elif channel_id in canonical:
            errors.append(FieldError(field=f"channel_ids.{index}", message="is listed twice"))
        else:
            canonical.append(channel_id)
    if errors:
        raise invalid(errors)
    await require_live(session, workspace_id, canonical, lookup, unchecked=already)
    return canonical


async def create_campaign(
    session: AsyncSession, caller: Caller, data: CampaignCreate, channels: ChannelLookup
) -> CampaignView:
    errors = _goal_errors(data.goals) + _date_errors(data.starts_at, data.ends_at)
    if errors:
        raise invalid(errors)
    owner_id = _owner(data.owner_id) if data.owner_id is not None else caller.user_id
    channel_ids = await _checked_channels(session, caller.workspace_id, data.channel_ids, channels)
    now = utcnow()
    campaign = Campaign(
        id=str(uuid.uuid4()),
        workspace_id=caller.workspace_id,
        name=data.name,
        objective=data.objective,
        goals={name: float(value) for name, value in data.goals.items()},
        starts_at=data.starts_at.astimezone(UTC),
        ends_at=data.ends_at.astimezone(UTC),
        channel_ids=channel_ids,
        budget=_money(data.budget),
        currency=data.currency,
        tags=list(data.tags),
        owner_id=owner_id,
        status_override=data.status.value if data.status is not None else None,
        version=1,
        created_by=caller.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    await announce(session, campaign)
    return CampaignView(campaign, campaign_status(campaign, now), 0)


def _money(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


async def get_campaign(
    session: AsyncSession, caller: Caller, campaign_id: str, *, for_update: bool = False
) -> Campaign:
    """The caller's campaign; another workspace's, a deleted one or none at all: 404."""
    campaign = await repository.get_campaign(
        session, caller.workspace_id, campaign_id, for_update=for_update
    )
    return found(campaign, "campaign", campaign_id)


async def _view(session: AsyncSession, campaign: Campaign) -> CampaignView:
    counts = await repository.post_counts(session, campaign.workspace_id, [campaign.id])
    return CampaignView(campaign, campaign_status(campaign, utcnow()), counts.get(campaign.id, 0))


async def campaign_overview(
    session: AsyncSession, caller: Caller, campaign_id: str
) -> CampaignOverview:
    """The campaign's page: the campaign, its posts with their states, its ideas."""
    campaign = await get_campaign(session, caller, campaign_id)
    posts = await repository.campaign_posts(session, caller.workspace_id, campaign.id)
    ideas = await repository.campaign_ideas(session, caller.workspace_id, campaign.id)
    view = await _view(session, campaign)
    return CampaignOverview(
        view=view,
        posts=posts,
        ideas=ideas,
        posts_by_status=dict(Counter(post.status for post in posts)),
        deliveries_by_status=dict(
            Counter(channel.status for post in posts for channel in post.channels)
        ),
    )


async def list_campaigns(
    session: AsyncSession,
    caller: Caller,
    filters: CampaignFilter,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[CampaignView], str | None]:
    now = utcnow()
    rows = await repository.list_campaigns(
        session, caller.workspace_id, filters, now=now, limit=limit, cursor=cursor
    )
    page, next_cursor = split_page(rows, limit)
    counts = await repository.post_counts(
        session, caller.workspace_id, [campaign.id for campaign in page]
    )
    views = [
        CampaignView(campaign, campaign_status(campaign, now), counts.get(campaign.id, 0))
        for campaign in page
    ]
    return views, next_cursor


async def update_campaign(
    session: AsyncSession,
    caller: Caller,
    campaign_id: str,
    data: CampaignUpdate,
    channels: ChannelLookup,
) -> CampaignView:
    """Apply a change made from `data.version`; a stale version is a 409, nothing changes."""
    campaign = await get_campaign(session, caller, campaign_id, for_update=True)
    if data.version != campaign.version:
        raise Conflict(
            f"This change started from version {data.version}, but the campaign is at "
            f"version {campaign.version} now; reload it and apply your changes again.",
            current_version=campaign.version,
        )
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"version"})
    errors = _goal_errors(changes.get("goals") or {})
    errors += _date_errors(
        changes.get("starts_at", campaign.starts_at), changes.get("ends_at", campaign.ends_at)
    )
    if errors:
        raise invalid(errors)
    if "owner_id" in changes:
        changes["owner_id"] = _owner(changes["owner_id"])
    if "channel_ids" in changes:
        changes["channel_ids"] = await _checked_channels(
            session,
            caller.workspace_id,
            changes["channel_ids"],
            channels,
            already=campaign.channel_ids,
        )
    for name in ("starts_at", "ends_at"):
        if name in changes:
            changes[name] = changes[name].astimezone(UTC)
    if "goals" in changes:
        changes["goals"] = {name: float(value) for name, value in changes["goals"].items()}
    if "budget" in changes:
        changes["budget"] = _money(changes["budget"])
    if "status" in changes:
        status = changes.pop("status")
        changes["status_override"] = CampaignStatus(status).value if status else None
    changed = {name: value for name, value in changes.items() if getattr(campaign, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(campaign, name, value)
        campaign.version += 1
        campaign.updated_at = utcnow()
        await announce(session, campaign)
    return await _view(session, campaign)


async def delete_campaign(session: AsyncSession, caller: Caller, campaign_id: str) -> None:
    """Delete a campaign: its posts and ideas leave it, and the others hear it is gone."""
    campaign = await get_campaign(session, caller, campaign_id, for_update=True)
    now = utcnow()
    # The last word lists the posts the campaign had, then they leave it.
    campaign.deleted_at = now
    campaign.updated_at = now
    campaign.version += 1
    await announce(session, campaign)
    await repository.detach_all(session, caller.workspace_id, campaign.id)
    await session.flush()
