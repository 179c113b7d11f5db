"""The notifications' queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import (
    Notification,
    NotificationPreference,
    NotificationRobot,
    Operator,
)
from gateway.notifications.kinds import Notice


async def robots(session: AsyncSession, workspace_id: str) -> Sequence[NotificationRobot]:
    found = await session.scalars(
        select(NotificationRobot)
        .where(NotificationRobot.workspace_id == workspace_id)
        .order_by(NotificationRobot.created_at, NotificationRobot.id)
    )
    return found.all()


async def robot(
    session: AsyncSession, workspace_id: str, robot_id: str
) -> NotificationRobot | None:
    return await session.scalar(
        select(NotificationRobot).where(
            NotificationRobot.id == robot_id, NotificationRobot.workspace_id == workspace_id
        )
    )


async def recipients(
    session: AsyncSession, workspace_id: str, notice: Notice
) -> Sequence[tuple[Operator, NotificationPreference | None]]:
    """The enabled operators of the workspace a notice is mailed to, with their preferences."""
    query = (
        select(Operator, NotificationPreference)
        .outerjoin(NotificationPreference, NotificationPreference.operator_id == Operator.id)
        .where(Operator.workspace_id == workspace_id, Operator.disabled.is_(False))
    )
    if notice.operator_id is not None:
        query = query.where(Operator.id == notice.operator_id)
    else:
        query = query.where(Operator.role.in_(notice.roles))
    if notice.not_to is not None:
        query = query.where(Operator.id != notice.not_to)
    rows = await session.execute(query.order_by(Operator.id))
    return [(operator, preference) for operator, preference in rows]


async def destinations_of(session: AsyncSession, event_id: str) -> set[str]:
    found = await session.scalars(
        select(Notification.destination).where(Notification.event_id == event_id)
    )
    return set(found)


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> Sequence[Notification]:
    """Pending notices due by `now`, locked (other gateways skip them), oldest first."""
    found = await session.scalars(
        select(Notification)
        .where(Notification.status == "pending", Notification.due_at <= now)
        .order_by(Notification.due_at, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return found.all()
