from __future__ import annotations

from fastapi import APIRouter
from servicekit.problems import problem_responses

from channel_svc.access import CALLER_PROBLEMS, Reader
from channel_svc.platforms import service
from channel_svc.platforms.catalogue import Platform

router = APIRouter(prefix="/platforms", tags=["platforms"], responses=CALLER_PROBLEMS)


@router.get("", summary="Every supported platform and its rules")
async def list_platforms(caller: Reader) -> list[Platform]:
    return service.list_platforms()


@router.get("/{key}", responses=problem_responses(404), summary="One platform and its rules")
async def get_one(key: str, caller: Reader) -> Platform:
    return service.get_one(key)
