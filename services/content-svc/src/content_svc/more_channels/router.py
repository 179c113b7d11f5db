"""`POST /posts/{id}/channels`: HTTP in, a call of `more_channels.service`, HTTP out."""

from __future__ import annotations

from fastapi import APIRouter
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from content_svc.access import CALLER_PROBLEMS, Writer
from content_svc.more_channels import service
from content_svc.more_channels.schemas import MoreChannels
from content_svc.posts.schemas import PostRead
from content_svc.posts.service import post_read
from content_svc.runtime import ChannelService, MediaLibrary

router = APIRouter(prefix="/posts", tags=["posts"], responses=CALLER_PROBLEMS)


@router.post(
    "/{post_id}/channels",
    response_model=PostRead,
    responses=problem_responses(403, 404, 409, 422, 503),
    summary="Send a published post to channels it has not been sent to (409 naming a "
    "channel it was)",
    description="Each channel gets its variant, or the post as published. A variant written "
    "after the post was published was never reviewed: where the workspace requires review, "
    "only an owner may send it (409 naming the channels otherwise).",
)
async def send_to_more_channels(
    post_id: str,
    body: MoreChannels,
    caller: Writer,
    session: DbSession,
    channels: ChannelService,
    library: MediaLibrary,
) -> PostRead:
    post = await service.send_to_more_channels(
        session, caller, post_id, body.channel_ids, channels, library=library
    )
    return await post_read(session, library, post)
