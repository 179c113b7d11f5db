from __future__ import annotations

from fastapi import APIRouter
from servicekit.problems import NotFound, problem_responses

from channel_svc.access import Reader
from channel_svc.platforms.catalogue import PLATFORMS, Platform, get_platform

router = APIRouter(prefix="/platforms", tags=["platforms"])


@router.get("", responses=problem_responses(401), summary="Every supported platform and its rules")
async def list_platforms(caller: Reader) -> list[Platform]:
    return list(PLATFORMS)


@router.get("/{key}", responses=problem_responses(401, 404), summary="One platform and its rules")
async def get_one(key: str, caller: Reader) -> Platform:
    platform = get_platform(key)
    if platform is None:
        raise NotFound(f"No platform {key!r}; see GET /api/v1/platforms.")
    return platform
