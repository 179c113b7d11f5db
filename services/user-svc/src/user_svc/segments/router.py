"""The segments endpoints: saved rules, live counts, member lists and CSV export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import StreamingResponse
from servicekit.db import utcnow
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.access import CALLER_PROBLEMS, Reader, Writer
from user_svc.kit.paging import Paging
from user_svc.members.schemas import MemberRead, MemberSort, member_page
from user_svc.models import Segment
from user_svc.runtime import Runtime
from user_svc.segments import service, tagging
from user_svc.segments.schemas import (
    PreviewRequest,
    SegmentCount,
    SegmentCreate,
    SegmentRead,
    SegmentUpdate,
    WechatTagRequest,
    WechatTagRequested,
)

router = APIRouter(prefix="/segments", tags=["segments"], responses=CALLER_PROBLEMS)


async def _read(
    session: AsyncSession, segment: Segment, now: datetime, *, counted: bool = True
) -> SegmentRead:
    """The segment, with the members its rules match at `now` when `counted`."""
    count = await service.count(session, segment, now) if counted else None
    return shaped(SegmentRead, segment, count=count, counted_at=now if counted else None)


async def path_segment(segment_id: str, caller: Reader, session: DbSession) -> Segment:
    """The segment of the path, in the caller's workspace (404 otherwise)."""
    return await service.get_segment(session, caller.workspace_id, segment_id)


PathSegment = Annotated[Segment, Depends(path_segment)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 422),
    summary="Save a segment (unknown rule fields are refused by name)",
)
async def create_segment(body: SegmentCreate, caller: Writer, session: DbSession) -> SegmentRead:
    segment = await service.create_segment(session, caller.workspace_id, caller.user_id, body)
    return await _read(session, segment, utcnow())


@router.post(
    "/preview",
    responses=problem_responses(403, 422),
    summary="Count the members some rules match, without saving them",
)
async def preview(body: PreviewRequest, caller: Reader, session: DbSession) -> SegmentCount:
    now = utcnow()
    return SegmentCount(
        count=await service.count_rules(session, caller.workspace_id, body.rules, now),
        counted_at=now,
    )


@router.get(
    "", responses=problem_responses(403, 422), summary="The workspace's segments, newest first"
)
async def list_segments(
    caller: Reader,
    session: DbSession,
    paging: Paging,
    with_counts: Annotated[bool, Query(description="Count each segment's members now")] = False,
) -> Page[SegmentRead]:
    segments, next_cursor = await service.segments_page(
        session, caller.workspace_id, cursor=paging.cursor, limit=paging.limit
    )
    now = utcnow()
    return Page(
        items=[await _read(session, segment, now, counted=with_counts) for segment in segments],
        next_cursor=next_cursor,
    )


@router.get(
    "/{segment_id}",
    responses=problem_responses(403, 404),
    summary="A segment with its live count",
)
async def get_segment(segment: PathSegment, session: DbSession) -> SegmentRead:
    return await _read(session, segment, utcnow())


@router.patch(
    "/{segment_id}",
    responses=problem_responses(403, 404, 422),
    summary="Rename a segment or replace its rules",
)
async def update_segment(
    segment_id: str, body: SegmentUpdate, caller: Writer, session: DbSession
) -> SegmentRead:
    segment = await service.update_segment(session, caller.workspace_id, segment_id, body)
    return await _read(session, segment, utcnow())


@router.delete(
    "/{segment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404),
    summary="Delete a segment (its members are untouched)",
)
async def delete_segment(segment_id: str, caller: Writer, session: DbSession) -> Response:
    await service.delete_segment(session, caller.workspace_id, segment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{segment_id}/members",
    responses=problem_responses(403, 404, 422),
    summary="The segment's members, now",
    operation_id="segments-list-members",
)
async def segment_members(
    segment: PathSegment, session: DbSession, paging: Paging, sort: MemberSort = "engagement"
) -> Page[MemberRead]:
    now = utcnow()
    page = await service.members(
        session, segment, sort=sort, cursor=paging.cursor, limit=paging.limit, now=now
    )
    return member_page(page, now)


@router.get(
    "/{segment_id}/export.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "One row per member"},
        **problem_responses(403, 404),
    },
    summary="The segment's members as CSV",
)
async def export_segment(
    segment: PathSegment, caller: Reader, runtime: Runtime
) -> StreamingResponse:
    now = utcnow()
    filename = f"segment-{segment.id}-{now:%Y%m%d}.csv"
    return StreamingResponse(
        service.export_csv(runtime.db, caller.workspace_id, service.rules_of(segment), now),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post(
    "/{segment_id}/wechat-tags",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(403, 404, 422),
    summary="Tag the segment's members on a WeChat account (for mass sends to the segment)",
)
async def tag_on_wechat(
    segment_id: str, body: WechatTagRequest, caller: Writer, session: DbSession
) -> WechatTagRequested:
    return await tagging.request_wechat_tag(
        session, caller.workspace_id, segment_id, body.channel_id, utcnow()
    )
