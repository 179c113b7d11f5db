"""A WeChat channel's tags synced from segments (`/api/v1/channels/{id}/wechat-tags`)."""

from __future__ import annotations

from fastapi import APIRouter
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from channel_svc.access import CALLER_PROBLEMS, Reader
from channel_svc.wechat_tags import service
from channel_svc.wechat_tags.schemas import WechatTagRead

router = APIRouter(prefix="/channels", tags=["wechat-tags"], responses=CALLER_PROBLEMS)


@router.get(
    "/{channel_id}/wechat-tags",
    responses=problem_responses(403, 404),
    summary="The channel's tags synced from segments (for mass sends to a segment)",
)
async def list_wechat_tags(
    channel_id: str, caller: Reader, session: DbSession
) -> Page[WechatTagRead]:
    # An account has at most 100 tags: one page holds them all.
    tags = await service.list_tags(session, caller.workspace_id, channel_id)
    return Page[WechatTagRead](items=[WechatTagRead.model_validate(tag) for tag in tags])
