"""A post's per-channel versions: HTTP in, a call of `variants.service`, HTTP out."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from content_svc.access import CALLER_PROBLEMS, Reader, Writer
from content_svc.runtime import ChannelService
from content_svc.variants import service
from content_svc.variants.schemas import VariantRead, VariantWrite

router = APIRouter(prefix="/posts", tags=["posts"], responses=CALLER_PROBLEMS)


@router.get(
    "/{post_id}/variants/{channel_id}",
    response_model=VariantRead,
    responses=problem_responses(404, 422),
    summary="The post's version for one channel",
)
async def get_variant(
    post_id: str, channel_id: str, caller: Reader, session: DbSession
) -> VariantRead:
    return VariantRead.model_validate(
        await service.get_variant(session, caller, post_id, channel_id)
    )


@router.put(
    "/{post_id}/variants/{channel_id}",
    response_model=VariantRead,
    responses=problem_responses(403, 404, 409, 413, 422),
    summary="Write the post differently for one channel (title, summary, body, tags), from "
    "the variant's version the change started at",
)
async def put_variant(
    post_id: str,
    channel_id: str,
    body: VariantWrite,
    caller: Writer,
    session: DbSession,
    channels: ChannelService,
) -> VariantRead:
    variant = await service.put_variant(session, caller, post_id, channel_id, body, channels)
    return VariantRead.model_validate(variant)


@router.delete(
    "/{post_id}/variants/{channel_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404, 409, 422),
    summary="Send the post to the channel as it is again",
)
async def delete_variant(
    post_id: str, channel_id: str, caller: Writer, session: DbSession
) -> Response:
    await service.delete_variant(session, caller, post_id, channel_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
