"""A post's per-channel versions: HTTP in, a call of `variants.service`, HTTP out."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.access import CALLER_PROBLEMS, Reader, Writer
from content_svc.media.service import Library
from content_svc.models import PostVariant
from content_svc.posts.markdown import body_html_with_media
from content_svc.runtime import ChannelService, MediaLibrary
from content_svc.variants import service
from content_svc.variants.schemas import VariantRead, VariantWrite

router = APIRouter(prefix="/posts", tags=["posts"], responses=CALLER_PROBLEMS)


async def _shown(session: AsyncSession, library: Library, variant: PostVariant) -> VariantRead:
    """The variant with its library images at their signed URLs."""
    shown = VariantRead.model_validate(variant)
    if variant.body_html is not None:
        shown.body_html = await body_html_with_media(
            session, library, variant.workspace_id, variant.body_html
        )
    return shown


@router.get(
    "/{post_id}/variants/{channel_id}",
    response_model=VariantRead,
    responses=problem_responses(404, 422),
    summary="The post's version for one channel",
)
async def get_variant(
    post_id: str, channel_id: str, caller: Reader, session: DbSession, library: MediaLibrary
) -> VariantRead:
    variant = await service.get_variant(session, caller, post_id, channel_id)
    return await _shown(session, library, variant)


@router.put(
    "/{post_id}/variants/{channel_id}",
    response_model=VariantRead,
    responses=problem_responses(403, 404, 409, 413, 422),
    summary="Write the post differently for one channel (title, summary, body, tags, media), "
    "from the variant's version the change started at",
    description=(
        "A published post's variant changes only on a channel it has not gone out to: one "
        "it was never sent to (then `POST /posts/{id}/channels`), or one still waiting for "
        "its posting-queue slot, until a minute before it; that channel then gets the post "
        "as it is at its slot (owners only where the workspace requires review). A 409 "
        "once the channel has it."
    ),
)
async def put_variant(
    post_id: str,
    channel_id: str,
    body: VariantWrite,
    caller: Writer,
    session: DbSession,
    channels: ChannelService,
    library: MediaLibrary,
) -> VariantRead:
    variant = await service.put_variant(
        session, caller, post_id, channel_id, body, channels, library
    )
    return await _shown(session, library, variant)


@router.delete(
    "/{post_id}/variants/{channel_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404, 409, 422),
    summary="Send the post to the channel as it is again",
)
async def delete_variant(
    post_id: str, channel_id: str, caller: Writer, session: DbSession, library: MediaLibrary
) -> Response:
    await service.delete_variant(session, caller, post_id, channel_id, library)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
