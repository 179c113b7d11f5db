"""The queries of a workspace's team: its operators and their pending invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.kit.workspace_rows import page_in_workspace
from gateway.models import Invitation, Operator


async def active_owners(session: AsyncSession, workspace_id: str) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Operator)
        .where(
            Operator.workspace_id == workspace_id,
            Operator.role == "owner",
            Operator.disabled.is_(False),
        )
    )
    return int(count or 0)


async def pending_invitations_page(
    session: AsyncSession, workspace_id: str, now: datetime, *, cursor: str | None, limit: int
) -> tuple[list[Invitation], str | None]:
    """Invitations neither accepted nor expired."""
    return await page_in_workspace(
        session,
        Invitation,
        workspace_id,
        Invitation.accepted_at.is_(None),
        Invitation.expires_at > now,
        cursor=cursor,
        limit=limit,
    )
