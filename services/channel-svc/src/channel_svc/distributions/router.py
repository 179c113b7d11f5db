from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import IO, Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from servicekit.db import call_after_commit
from servicekit.pagination import Paging
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from channel_svc.access import CALLER_PROBLEMS, Reader, Writer
from channel_svc.distributions import packages, service
from channel_svc.distributions.schemas import CompleteRequest, DistributionRead
from channel_svc.models import DistributionStatus
from channel_svc.runtime import Runtime

router = APIRouter(prefix="/distributions", tags=["distributions"], responses=CALLER_PROBLEMS)


@router.get("", responses=problem_responses(422), summary="List distributions, newest first")
async def list_distributions(
    *,
    caller: Reader,
    session: DbSession,
    post_id: Annotated[str | None, Query(max_length=64)] = None,
    channel_id: Annotated[str | None, Query(max_length=64)] = None,
    status: DistributionStatus | None = None,
    paging: Paging,
) -> Page[DistributionRead]:
    rows, next_cursor = await service.list_distributions(
        session,
        workspace_id=caller.workspace_id,
        post_id=post_id,
        channel_id=channel_id,
        status=status,
        paging=paging,
    )
    items = [DistributionRead.model_validate(row) for row in rows]
    return Page[DistributionRead](items=items, next_cursor=next_cursor)


@router.get("/{distribution_id}", responses=problem_responses(404), summary="Get a distribution")
async def get_distribution(
    distribution_id: str, caller: Reader, session: DbSession
) -> DistributionRead:
    row = await service.get_distribution(
        session, workspace_id=caller.workspace_id, distribution_id=distribution_id
    )
    return DistributionRead.model_validate(row)


@router.get(
    "/{distribution_id}/package.zip",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/zip": {}}, "description": "The hand-off package."},
        **problem_responses(404, 409, 503),
    },
    summary="Download the hand-off package: the post as the platform takes it and its media "
    "files in order (a zip)",
    description="`title.txt`, `body.html|md|txt` (rendered for the platform), `summary.txt` "
    "and `checklist.txt` where there are any, and `media/01.jpg`, `media/02.png` ... in the "
    "post's order (the first is the cover). 409 when the distribution has nothing rendered or "
    "a medium's link has expired; 503 when a medium cannot be fetched just now.",
)
async def download_package(
    distribution_id: str, caller: Reader, session: DbSession, runtime: Runtime
) -> StreamingResponse:
    package = await packages.build_package(
        session,
        runtime.media_http.http(),
        workspace_id=caller.workspace_id,
        distribution_id=distribution_id,
    )
    return StreamingResponse(
        _chunks(package.file),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{package.filename}"'},
    )


async def _chunks(file: IO[bytes], size: int = 1024 * 1024) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(file.read, size):
            yield chunk
    finally:
        file.close()


@router.post(
    "/{distribution_id}/retry",
    responses=problem_responses(403, 404, 409),
    summary="Send a failed, cancelled or taken-down distribution again (checks run again)",
    description=(
        "Also lifts the channel's `quota_blocked_until`: sending again says the platform's "
        "quota is back. If it is not, the platform's answer blocks the channel again."
    ),
)
async def retry(
    distribution_id: str, caller: Writer, session: DbSession, runtime: Runtime
) -> DistributionRead:
    row, to_send = await service.retry(
        session,
        workspace_id=caller.workspace_id,
        distribution_id=distribution_id,
        tracking=runtime.tracking,
    )
    if to_send:
        call_after_commit(session, runtime.worker.wake)
    return DistributionRead.model_validate(row)


@router.post(
    "/{distribution_id}/cancel",
    responses=problem_responses(403, 404, 409),
    summary="Cancel a distribution that has not reached the platform yet",
)
async def cancel(distribution_id: str, caller: Writer, session: DbSession) -> DistributionRead:
    row = await service.cancel(
        session, workspace_id=caller.workspace_id, distribution_id=distribution_id
    )
    return DistributionRead.model_validate(row)


@router.post(
    "/{distribution_id}/complete",
    responses=problem_responses(403, 404, 409, 422),
    summary="Record the URL of a post published by hand (manual platforms)",
    description="Marks a distribution awaiting a manual post as succeeded. Give "
    "`published_at` when the post went live earlier than now (posted by hand yesterday, "
    "recorded today): reports count the post's age on the channel from it.",
)
async def complete(
    distribution_id: str, body: CompleteRequest, caller: Writer, session: DbSession
) -> DistributionRead:
    row = await service.complete(
        session,
        workspace_id=caller.workspace_id,
        distribution_id=distribution_id,
        url=body.url,
        external_id=body.external_id,
        published_at=body.published_at,
    )
    return DistributionRead.model_validate(row)
