from __future__ import annotations

from fastapi import APIRouter, status
from servicekit.db import call_after_commit, utcnow
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from channel_svc.access import Reader, Writer
from channel_svc.runtime import Runtime
from channel_svc.sync import service
from channel_svc.sync.schemas import SyncRead, SyncTrigger

router = APIRouter(prefix="/channels", tags=["channels"])


@router.get(
    "/{channel_id}/sync",
    responses=problem_responses(401, 404),
    summary="The channel's figures collector: last run, next run, last error",
)
async def get_sync(channel_id: str, caller: Reader, session: DbSession) -> SyncRead:
    return await service.status(session, workspace_id=caller.workspace_id, channel_id=channel_id)


@router.post(
    "/{channel_id}/sync",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 403, 404, 422),
    summary="Collect the channel's figures now (the platform's quotas still apply)",
)
async def trigger_sync(
    channel_id: str,
    caller: Writer,
    session: DbSession,
    runtime: Runtime,
    body: SyncTrigger | None = None,
) -> SyncRead:
    read = await service.trigger(
        session,
        workspace_id=caller.workspace_id,
        channel_id=channel_id,
        now=utcnow(),
        backfill_days=body.backfill_days if body is not None else None,
    )
    call_after_commit(session, runtime.syncs.wake)
    return read
