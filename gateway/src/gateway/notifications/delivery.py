"""Sending the notices that are due: each robot notice as one message, each operator's due
mail as one message (a digest when several are due together).

Three steps, so that no transaction waits on the network: claim the due rows (locked,
skipped by other gateways, and pushed `CLAIM_SECONDS` ahead, so that a gateway that dies
mid-send leaves them due again rather than lost), send, then record each outcome. A notice
is sent once, unless the gateway dies between sending and recording (then once more, after
the claim runs out). A failed send is tried again with a growing wait, `MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import structlog
from servicekit.db import Database, utcnow
from sqlalchemy import select

from gateway.mail.mailer import Mailer
from gateway.models import Notification, NotificationPreference, NotificationRobot, Operator
from gateway.notifications import repository, robots
from gateway.notifications.secrets import SecretBox

log = structlog.get_logger(__name__)

CLAIM_SECONDS = 120
MAX_ATTEMPTS = 5
BATCH = 100
MAIL_KIND = "notification"


@dataclass
class Outcomes:
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # id -> error


@dataclass(frozen=True)
class RobotJob:
    notice_id: str
    platform: robots.Platform
    url: str
    secret: str | None
    title: str
    body: str


@dataclass(frozen=True)
class MailJob:
    notice_ids: list[str]
    to: str
    subject: str
    body: str


def digest_mail(notices: list[Notification]) -> tuple[str, str]:
    """The subject and text of one mail carrying `notices`."""
    if len(notices) == 1:
        return f"[Mediaops] {notices[0].title}", notices[0].body
    parts = [f"{n}. {notice.title}\n{notice.body}" for n, notice in enumerate(notices, 1)]
    return f"[Mediaops] {len(notices)} 条通知", "\n\n".join(parts)


async def _claim(
    db: Database, box: Callable[[], SecretBox], now: datetime
) -> tuple[list[RobotJob], list[MailJob]]:
    robot_jobs: list[RobotJob] = []
    mail_jobs: list[MailJob] = []
    async with db.transaction() as session:
        due = await repository.claim_due(session, now, BATCH)
        by_operator: dict[str, list[Notification]] = defaultdict(list)
        for notice in due:
            notice.attempts += 1
            notice.due_at = now + timedelta(seconds=CLAIM_SECONDS)
            if notice.operator_id is not None:
                by_operator[notice.operator_id].append(notice)
            elif notice.robot_id is not None:
                robot = await session.get(NotificationRobot, notice.robot_id)
                if robot is None:
                    continue  # deleted meanwhile (its notices go with it)
                sealed = box()
                secret = sealed.open(robot.secret) if robot.secret is not None else None
                robot_jobs.append(
                    RobotJob(
                        notice.id,
                        robots.Platform(robot.platform),
                        sealed.open(robot.webhook_url),
                        secret,
                        notice.title,
                        notice.body,
                    )
                )
        if by_operator:
            found = await session.execute(
                select(Operator.id, Operator.email, NotificationPreference.digest)
                .outerjoin(
                    NotificationPreference, NotificationPreference.operator_id == Operator.id
                )
                .where(Operator.id.in_(list(by_operator)))
            )
            for operator_id, address, digest in found:
                notices = by_operator[operator_id]
                # One mail per notice, unless the operator asked for a digest.
                batches = [notices] if digest in ("hourly", "daily") else [[n] for n in notices]
                for batch in batches:
                    subject, body = digest_mail(batch)
                    mail_jobs.append(MailJob([n.id for n in batch], address, subject, body))
    return robot_jobs, mail_jobs


async def _settle(db: Database, outcomes: Outcomes, now: datetime) -> None:
    async with db.transaction() as session:
        for notice_id in outcomes.sent:
            notice = await session.get(Notification, notice_id)
            if notice is not None:
                notice.status = "sent"
                notice.sent_at = now
                notice.last_error = None
        for notice_id, error in outcomes.failed.items():
            notice = await session.get(Notification, notice_id)
            if notice is None:
                continue
            notice.last_error = error[:2000]
            if notice.attempts >= MAX_ATTEMPTS:
                notice.status = "failed"
            else:
                notice.due_at = now + timedelta(seconds=30 * 2 ** (notice.attempts - 1))


async def send_due(
    db: Database,
    *,
    mailer: Mailer,
    http: httpx.AsyncClient,
    box: Callable[[], SecretBox],
    now: datetime | None = None,
) -> Outcomes:
    """Send what is due by `now`; what was sent and what failed (to be tried again).
    `box`: what opens the robots' URLs and secrets, asked for only when one is due."""
    now = now or utcnow()
    robot_jobs, mail_jobs = await _claim(db, box, now)
    outcomes = Outcomes()
    for job in robot_jobs:
        try:
            await robots.post(
                http, job.platform, job.url, job.secret, job.title, job.body, now=utcnow()
            )
        except (robots.RobotRefused, httpx.HTTPError) as exc:
            log.warning("robot_notice_not_sent", platform=job.platform, error=str(exc))
            outcomes.failed[job.notice_id] = str(exc) or type(exc).__name__
        else:
            outcomes.sent.append(job.notice_id)
    for mail in mail_jobs:
        message = mailer.compose(to=mail.to, subject=mail.subject, body=mail.body, kind=MAIL_KIND)
        try:
            await asyncio.to_thread(mailer.transport.deliver, message)
        except Exception as exc:  # the mail server said no, or is away: try again later
            log.warning("notice_mail_not_sent", error=repr(exc))
            outcomes.failed.update(dict.fromkeys(mail.notice_ids, repr(exc)))
        else:
            outcomes.sent.extend(mail.notice_ids)
    if robot_jobs or mail_jobs:
        await _settle(db, outcomes, now)
    return outcomes


async def send_forever(
    db: Database,
    *,
    mailer: Mailer,
    http: httpx.AsyncClient,
    box: Callable[[], SecretBox],
    interval_seconds: float,
) -> None:
    while True:
        try:
            await send_due(db, mailer=mailer, http=http, box=box)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away: try next round
            log.warning("notices_not_sent", error=repr(exc))
        await asyncio.sleep(interval_seconds)
