"""The media library endpoints: HTTP in, a call of `media.service`, HTTP out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from servicekit.pagination import Cursor, Limit
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from content_svc.access import CALLER_PROBLEMS, Reader, Writer
from content_svc.media import service
from content_svc.media.schemas import MediaFilter, MediaRead, MediaUpdate, Variant
from content_svc.media.service import MediaView
from content_svc.posts.schemas import MAX_LABELS, Labels
from content_svc.runtime import MediaLibrary

router = APIRouter(prefix="/media", tags=["media"])

UPLOAD_PROBLEMS = problem_responses(403, 413, 415, 422)


def _read(media: MediaView) -> MediaRead:
    return MediaRead.model_validate(
        {
            **{
                name: getattr(media.item, name)
                for name in MediaRead.model_fields
                if hasattr(media.item, name)
            },
            "url": media.url,
            "thumbnail_url": media.thumbnail_url,
            "urls_expire_at": media.urls_expire_at,
        }
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MediaRead,
    responses={
        **CALLER_PROBLEMS,
        **UPLOAD_PROBLEMS,
        200: {"model": MediaRead, "description": "The workspace already had these bytes."},
    },
    summary="Upload an image (JPEG, PNG, GIF, WebP) or an MP4 video (editors and owners)",
    description="Multipart: `file`, and `tags` (repeated). The type is judged by the "
    "content, never the name; images lose their EXIF location. The same bytes uploaded "
    "again answer the existing item (200).",
)
async def upload_media(
    caller: Writer,
    session: DbSession,
    library: MediaLibrary,
    response: Response,
    file: Annotated[UploadFile, File(description="The image or video.")],
    tags: Annotated[Labels, Form(max_length=MAX_LABELS)] = [],  # noqa: B006 (FastAPI copies it)
) -> MediaRead:
    data = await file.read()
    item, created = await service.upload(
        session, caller, library, data, filename=file.filename, tags=tags
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return _read(service.view(library, item))


@router.get(
    "",
    response_model=Page[MediaRead],
    responses={**CALLER_PROBLEMS, **problem_responses(403, 422)},
    summary="The workspace's media, newest first, by name or tag",
)
async def list_media(
    caller: Reader,
    session: DbSession,
    library: MediaLibrary,
    filters: Annotated[MediaFilter, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[MediaRead]:
    items, next_cursor = await service.list_items(
        session, caller, filters, limit=limit, cursor=cursor
    )
    return Page(
        items=[_read(service.view(library, item)) for item in items], next_cursor=next_cursor
    )


@router.get(
    "/{media_id}",
    response_model=MediaRead,
    responses={**CALLER_PROBLEMS, **problem_responses(403, 404)},
    summary="A media item, with time-limited URLs to its file and thumbnail",
)
async def get_media(
    media_id: str, caller: Reader, session: DbSession, library: MediaLibrary
) -> MediaRead:
    return _read(service.view(library, await service.get_item(session, caller, media_id)))


@router.patch(
    "/{media_id}",
    response_model=MediaRead,
    responses={**CALLER_PROBLEMS, **problem_responses(403, 404, 422)},
    summary="Rename a media item or change its tags",
)
async def update_media(
    media_id: str, body: MediaUpdate, caller: Writer, session: DbSession, library: MediaLibrary
) -> MediaRead:
    item = await service.update_item(session, caller, media_id, body)
    return _read(service.view(library, item))


@router.delete(
    "/{media_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**CALLER_PROBLEMS, **problem_responses(403, 404, 409)},
    summary="Delete a media item and its files (refused while a scheduled or published "
    "post uses it)",
)
async def delete_media(
    media_id: str, caller: Writer, session: DbSession, library: MediaLibrary
) -> Response:
    await service.delete_item(session, caller, library, media_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{media_id}/file",
    response_class=Response,
    responses={
        200: {"content": {"image/*": {}, "video/mp4": {}}, "description": "The file."},
        **problem_responses(404, 422),
    },
    summary="A file of the local media store, through the signed URL an item gives "
    "(no token: the signature is the access)",
    operation_id="media-download",
)
async def media_file(
    media_id: str,
    session: DbSession,
    library: MediaLibrary,
    expires: Annotated[int, Query(ge=0)],
    signature: Annotated[str, Query(min_length=64, max_length=64)],
    variant: Variant = "original",
) -> Response:
    data, content_type = await service.signed_file(
        session, library, media_id, variant, expires=expires, signature=signature
    )
    return Response(
        content=data,
        media_type=content_type,
        # The link expires; a cache must not keep the file longer than the link lives.
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
