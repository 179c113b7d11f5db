"""The recurrence endpoints of a post: set, read (with the coming occurrences), stop."""

from __future__ import annotations

from fastapi import APIRouter
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from content_svc.access import CALLER_PROBLEMS, Reader, Writer
from content_svc.recurrence import service
from content_svc.recurrence.schemas import RecurrenceRead, RecurrenceSet

router = APIRouter(prefix="/posts", tags=["posts"], responses=CALLER_PROBLEMS)


@router.put(
    "/{post_id}/recurrence",
    response_model=RecurrenceRead,
    responses=problem_responses(403, 404, 409, 422),
    summary="Publish an evergreen post again every N days until a day",
    description=(
        "The post must be published or scheduled; its publication is occurrence 0 and "
        "occurrence n goes out `n * every_days` days later to the same channels, as a "
        "distribution set of its own. Setting it again changes the interval and the end."
    ),
)
async def set_recurrence(
    post_id: str, body: RecurrenceSet, caller: Writer, session: DbSession
) -> RecurrenceRead:
    return await service.set_recurrence(session, caller, post_id, body)


@router.get(
    "/{post_id}/recurrence",
    response_model=RecurrenceRead,
    responses=problem_responses(404),
    summary="How a post recurs, and its next occurrences",
)
async def get_recurrence(post_id: str, caller: Reader, session: DbSession) -> RecurrenceRead:
    return await service.get_recurrence(session, caller, post_id)


@router.delete(
    "/{post_id}/recurrence",
    response_model=RecurrenceRead,
    responses=problem_responses(403, 404),
    summary="Stop a post's recurrence (the occurrences sent stay)",
)
async def stop_recurrence(post_id: str, caller: Writer, session: DbSession) -> RecurrenceRead:
    return await service.stop_recurrence(session, caller, post_id)
