"""A campaign's status: derived from its dates unless an operator set it explicitly.

    before starts_at                 -> planned
    from starts_at until ends_at     -> running   (starts_at <= now < ends_at)
    from ends_at on                  -> finished

An explicit status (`status` in a create or update) wins over the dates until it is set
back to null: a campaign stopped early can be `finished` before its end date, a postponed
one `planned` after its start date.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

from content_svc.models import Campaign


class CampaignStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    FINISHED = "finished"


def status_on(
    starts_at: datetime, ends_at: datetime, override: str | None, now: datetime
) -> CampaignStatus:
    if override is not None:
        return CampaignStatus(override)
    if now < starts_at:
        return CampaignStatus.PLANNED
    if now < ends_at:
        return CampaignStatus.RUNNING
    return CampaignStatus.FINISHED


def campaign_status(campaign: Campaign, now: datetime) -> CampaignStatus:
    return status_on(campaign.starts_at, campaign.ends_at, campaign.status_override, now)


def has_status(status: CampaignStatus, now: datetime) -> ColumnElement[bool]:
    """The SQL form of `campaign_status(...) == status`, for the list filter."""
    by_dates: ColumnElement[bool]
    if status == CampaignStatus.PLANNED:
        by_dates = Campaign.starts_at > now
    elif status == CampaignStatus.RUNNING:
        by_dates = and_(Campaign.starts_at <= now, Campaign.ends_at > now)
    else:
        by_dates = Campaign.ends_at <= now
    return or_(
        Campaign.status_override == status.value,
        and_(Campaign.status_override.is_(None), by_dates),
    )
