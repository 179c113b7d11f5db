"""The platforms this deployment knows, from the catalogue."""

from __future__ import annotations

from servicekit.problems import NotFound

from channel_svc.platforms.catalogue import PLATFORMS, Platform, get_platform


def list_platforms() -> list[Platform]:
    return list(PLATFORMS)


def get_one(key: str) -> Platform:
    platform = get_platform(key)
    if platform is None:
        raise NotFound(f"No platform {key!r}; see GET /api/v1/platforms.")
    return platform
