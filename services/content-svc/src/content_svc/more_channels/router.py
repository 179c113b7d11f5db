"""`POST /posts/{id}/channels`: HTTP in, a call of `more_channels.service`, HTTP out."""

from __future__ import annotations

from fastapi import APIRouter
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from content_svc.access import CALLER_PROBLEMS, Writer
from content_svc.more_channels import service
from content_svc.more_channels.schemas import MoreChannels
from content_svc.posts.schemas import PostRead
from content_svc.runtime import ChannelService

router = APIRouter(prefix="/posts", tags=["posts"], responses=CALLER_PROBLEMS)


@router.post(
    "/{post_id}/channels",
    response_model=PostRead,
    responses=problem_responses(403, 404, 409, 422, 503),
    summary="Send a published post to channels it has not been sent to (409 naming a "
    "channel it was)",
)
async def send_to_more_channels(
    post_id: str, body: MoreChannels, caller: Writer, session: DbSession, channels: ChannelService
) -> PostRead:
    post = await service.send_to_more_channels(session, caller, post_id, body.channel_ids, channels)
    return PostRead.model_validate(post)
