from __future__ import annotations

from fastapi import APIRouter
from servicekit.problems import problem_responses
from servicekit.schemas import Page

from channel_svc.access import CALLER_PROBLEMS, Reader
from channel_svc.platforms import service
from channel_svc.platforms.catalogue import Platform

router = APIRouter(prefix="/platforms", tags=["platforms"], responses=CALLER_PROBLEMS)


@router.get("", summary="Every supported platform and its rules, all on one page")
async def list_platforms(caller: Reader) -> Page[Platform]:
    return Page(items=service.list_platforms())


@router.get(
    "/{key}",
    responses=problem_responses(404),
    summary="One platform and its rules",
    operation_id="platforms-get",
)
async def get_one(key: str, caller: Reader) -> Platform:
    return service.get_one(key)
