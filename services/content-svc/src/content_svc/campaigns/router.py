"""The campaigns endpoints: HTTP in, a call of `campaigns.service`, HTTP out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from servicekit.pagination import Cursor, Limit
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from content_svc.access import CALLER_PROBLEMS, Reader, Writer
from content_svc.campaigns import service
from content_svc.campaigns.schemas import (
    CampaignCreate,
    CampaignFilter,
    CampaignIdea,
    CampaignPage,
    CampaignPost,
    CampaignProgress,
    CampaignRead,
    CampaignUpdate,
)
from content_svc.campaigns.service import CampaignOverview, CampaignView
from content_svc.runtime import ChannelService

router = APIRouter(prefix="/campaigns", tags=["campaigns"], responses=CALLER_PROBLEMS)


# What the response takes from the row as it is; the rest is computed.
_CAMPAIGN_FIELDS = tuple(
    name for name in CampaignRead.model_fields if name not in ("status", "post_count")
)


def _read(view: CampaignView) -> CampaignRead:
    return CampaignRead.model_validate(
        {
            **{name: getattr(view.campaign, name) for name in _CAMPAIGN_FIELDS},
            "status": view.status,
            "post_count": view.post_count,
        }
    )


def _page(overview: CampaignOverview) -> CampaignPage:
    return CampaignPage.model_validate(
        {
            **_read(overview.view).model_dump(),
            "progress": CampaignProgress(
                posts_by_status=overview.posts_by_status,
                deliveries_by_status=overview.deliveries_by_status,
            ),
            "posts": [CampaignPost.model_validate(post) for post in overview.posts],
            "ideas": [CampaignIdea.model_validate(idea) for idea in overview.ideas],
        }
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CampaignRead,
    responses=problem_responses(403, 422, 503),
    summary="Plan a campaign (editors and owners)",
)
async def create_campaign(
    body: CampaignCreate, caller: Writer, session: DbSession, channels: ChannelService
) -> CampaignRead:
    return _read(await service.create_campaign(session, caller, body, channels))


@router.get(
    "",
    response_model=Page[CampaignRead],
    responses=problem_responses(403, 422),
    summary="The workspace's campaigns, newest first, filtered",
)
async def list_campaigns(
    caller: Reader,
    session: DbSession,
    filters: Annotated[CampaignFilter, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[CampaignRead]:
    views, next_cursor = await service.list_campaigns(
        session, caller, filters, limit=limit, cursor=cursor
    )
    return Page(items=[_read(view) for view in views], next_cursor=next_cursor)


@router.get(
    "/{campaign_id}",
    response_model=CampaignPage,
    responses=problem_responses(403, 404),
    summary="A campaign's page: the campaign, its posts with their workflow and "
    "distribution states, and its ideas",
)
async def get_campaign(campaign_id: str, caller: Reader, session: DbSession) -> CampaignPage:
    return _page(await service.campaign_overview(session, caller, campaign_id))


@router.patch(
    "/{campaign_id}",
    response_model=CampaignRead,
    responses=problem_responses(403, 404, 409, 422, 503),
    summary="Change a campaign, from the version the change started at",
)
async def update_campaign(
    campaign_id: str,
    body: CampaignUpdate,
    caller: Writer,
    session: DbSession,
    channels: ChannelService,
) -> CampaignRead:
    return _read(await service.update_campaign(session, caller, campaign_id, body, channels))


@router.delete(
    "/{campaign_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(403, 404),
    summary="Delete a campaign (its posts and ideas stay, outside any campaign)",
)
async def delete_campaign(campaign_id: str, caller: Writer, session: DbSession) -> Response:
    await service.delete_campaign(session, caller, campaign_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
