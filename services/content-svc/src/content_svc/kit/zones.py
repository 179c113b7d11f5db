"""The time zone a workspace plans in: local times in a content plan, the days a
recurrence ends on.

Issue 19 gives workspaces a time zone setting (default Asia/Shanghai); until it exists
here every workspace plans in Asia/Shanghai. When it lands, make `workspace_time_zone`
read it: every caller already asks per workspace.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

DEFAULT_TIME_ZONE = ZoneInfo("Asia/Shanghai")


async def workspace_time_zone(session: AsyncSession, workspace_id: str) -> ZoneInfo:
    """The zone of the workspace's local times."""
    return DEFAULT_TIME_ZONE
