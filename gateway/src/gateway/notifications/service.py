"""The rules of notifications: which robots and mailboxes a notice goes to, once per event
and destination, and when (now, or with the operator's next digest); the workspace's
robots and each operator's mail preferences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.problems import Invalid, NotFound
from servicekit.urlguard import require_public_url
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import Notification, NotificationPreference, NotificationRobot
from gateway.notifications import repository
from gateway.notifications.kinds import MAIL_OFF_BY_DEFAULT, Kind, Notice
from gateway.notifications.robots import SIGNED
from gateway.notifications.schemas import (
    PreferencesRead,
    PreferencesUpdate,
    RobotCreate,
    RobotRead,
    RobotUpdate,
)
from gateway.notifications.secrets import SecretBox

# The daily digest goes at 01:00 UTC: 09:00 in Beijing, where the operators work.
DAILY_DIGEST_HOUR_UTC = 1


def digest_due(digest: str, now: datetime) -> datetime:
    """When a notice made `now` is mailed: now, or at the digest's next round."""
    if digest == "hourly":
        return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    if digest == "daily":
        due = now.replace(hour=DAILY_DIGEST_HOUR_UTC, minute=0, second=0, microsecond=0)
        return due if due > now else due + timedelta(days=1)
    return now


def mailed(kind: Kind, preference: NotificationPreference | None) -> bool:
    """Whether an operator gets mail of `kind`: as they chose, or the kind's default."""
    if preference is not None and kind.value in preference.wanted:
        return True
    if preference is not None and kind.value in preference.muted:
        return False
    return kind not in MAIL_OFF_BY_DEFAULT


def text_of(notice: Notice, public_url: str) -> str:
    """The notice's text, ending with its link (a path of the API under `public_url`)."""
    if notice.link is None:
        return notice.body
    link = notice.link if "://" in notice.link else public_url.rstrip("/") + notice.link
    return f"{notice.body}\n{link}"


async def record(
    session: AsyncSession,
    *,
    event_id: str,
    workspace_id: str,
    notice: Notice,
    public_url: str,
    now: datetime | None = None,
) -> list[Notification]:
    """The notices of one event: one per robot of the workspace that takes its kind, one per
    operator it is mailed to (as they chose, or the kind's default). An event met again
    makes none twice (one row per event and destination)."""
    now = now or utcnow()
    made = await repository.destinations_of(session, event_id)
    notices: list[Notification] = []
    body = text_of(notice, public_url)

    def add(destination: str, due_at: datetime, **who: str) -> None:
        if destination in made:
            return
        notices.append(
            Notification(
                workspace_id=workspace_id,
                event_id=event_id,
                kind=notice.kind.value,
                destination=destination,
                title=notice.title[:300],
                body=body,
                status="pending",
                due_at=due_at,
                attempts=0,
                created_at=now,
                **who,
            )
        )

    for robot in await repository.robots(session, workspace_id):
        if notice.kind.value in robot.kinds:
            add(f"robot:{robot.id}", now, robot_id=robot.id)
    for operator, preference in await repository.recipients(session, workspace_id, notice):
        if not mailed(notice.kind, preference):
            continue
        digest = preference.digest if preference is not None else "none"
        add(f"mail:{operator.id}", digest_due(digest, now), operator_id=operator.id)
    session.add_all(notices)
    await session.flush()
    return notices


# -- the workspace's robots ------------------------------------------------------------


def robot_read(robot: NotificationRobot) -> RobotRead:
    return RobotRead(
        id=robot.id,
        name=robot.name,
        platform=robot.platform,
        webhook_host=robot.webhook_host,
        signed=robot.secret is not None,
        kinds=robot.kinds,
        created_at=robot.created_at,
    )


async def create_robot(
    session: AsyncSession,
    caller: Caller,
    data: RobotCreate,
    *,
    box: SecretBox,
    allow_private: bool,
) -> NotificationRobot:
    await require_public_url(data.webhook_url, field="webhook_url", allow_private=allow_private)
    parts = urlsplit(data.webhook_url)
    if parts.scheme != "https" and not allow_private:
        raise Invalid.field("webhook_url", "a robot's webhook URL is https")
    if data.platform in SIGNED and data.secret is None:
        raise Invalid.field(
            "secret",
            f"a {data.platform} robot signs its messages: give the secret its security "
            "settings show (签名校验 / 加签)",
        )
    if data.platform not in SIGNED and data.secret is not None:
        raise Invalid.field("secret", "a WeCom robot takes no secret (its key is in the URL)")
    now = utcnow()
    robot = NotificationRobot(
        workspace_id=caller.workspace_id,
        name=data.name,
        platform=data.platform.value,
        webhook_url=box.seal(data.webhook_url),
        webhook_host=parts.hostname or "",
        secret=box.seal(data.secret) if data.secret is not None else None,
        kinds=sorted({kind.value for kind in data.kinds}),
        created_by=caller.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(robot)
    await session.flush()
    return robot


async def list_robots(session: AsyncSession, caller: Caller) -> Sequence[NotificationRobot]:
    return await repository.robots(session, caller.workspace_id)


async def get_robot(session: AsyncSession, caller: Caller, robot_id: str) -> NotificationRobot:
    robot = await repository.robot(session, caller.workspace_id, robot_id)
    if robot is None:
        raise NotFound(f"Robot {robot_id} not found.")
    return robot


async def update_robot(
    session: AsyncSession, caller: Caller, robot_id: str, data: RobotUpdate
) -> NotificationRobot:
    robot = await get_robot(session, caller, robot_id)
    if data.name is not None:
        robot.name = data.name
    if data.kinds is not None:
        robot.kinds = sorted({kind.value for kind in data.kinds})
    robot.updated_at = utcnow()
    await session.flush()
    return robot


async def delete_robot(session: AsyncSession, caller: Caller, robot_id: str) -> None:
    robot = await get_robot(session, caller, robot_id)
    await session.delete(robot)
    await session.flush()


# -- an operator's mail ------------------------------------------------------------------


def _read(preference: NotificationPreference | None) -> PreferencesRead:
    return PreferencesRead(
        mail={kind: mailed(kind, preference) for kind in Kind},
        digest=preference.digest if preference is not None else "none",
    )


async def preferences(session: AsyncSession, caller: Caller) -> PreferencesRead:
    return _read(await session.get(NotificationPreference, caller.user_id))


async def change_preferences(
    session: AsyncSession, caller: Caller, data: PreferencesUpdate
) -> PreferencesRead:
    preference = await session.get(NotificationPreference, caller.user_id, with_for_update=True)
    if preference is None:
        preference = NotificationPreference(
            operator_id=caller.user_id,
            workspace_id=caller.workspace_id,
            muted=[],
            wanted=[],
            digest="none",
        )
        session.add(preference)
    muted, wanted = set(preference.muted or []), set(preference.wanted or [])
    for kind, on in data.mail.items():
        (wanted if on else muted).add(kind.value)
        (muted if on else wanted).discard(kind.value)
    preference.muted, preference.wanted = sorted(muted), sorted(wanted)
    if data.digest is not None:
        preference.digest = data.digest
    preference.updated_at = utcnow()
    await session.flush()
    return _read(preference)
