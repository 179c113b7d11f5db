"""What a message WeChat pushed changes, applied once (its first arrival) in the request's
transaction: a follower's message or menu click becomes `platform.message.received`, a
(un)subscription `platform.follower.changed` (user-svc records both on the member), a
`PUBLISHJOBFINISH` or `MASSSENDJOBFINISH` settles the distribution that waits for it, as
a poll would (a mass send's counts kept on it). Other events are kept in the callback log
only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from event_contracts import PlatformFollowerChangedV1, PlatformMessageReceivedV1
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.base import DeliveryResult
from channel_svc.adapters.wechat import publish_result
from channel_svc.adapters.wechat_mass import MASS_RESULT, mass_send_result
from channel_svc.callbacks import repository
from channel_svc.distributions.outcomes import record_pushed
from channel_svc.distributions.policies import ConfirmPolicy
from channel_svc.events import emit
from channel_svc.models import CallbackMessage

log = structlog.get_logger(__name__)

# The members' platform in user-svc (channels say `wechat_oa`; members are on WeChat).
MEMBER_PLATFORM = "wechat"
MESSAGE_TYPES = frozenset({"text", "image", "voice"})
TEXT_MAX = 5000


def occurred_at(fields: dict[str, Any], now: datetime) -> datetime:
    raw = str(fields.get("CreateTime") or "")
    if raw.isdigit():
        try:
            return datetime.fromtimestamp(int(raw), UTC)
        except (OverflowError, OSError, ValueError):
            return now
    return now


def dedupe_key(fields: dict[str, Any]) -> str:
    """WeChat's rule: messages by `MsgId`; events by sender and `CreateTime` (and the
    event, so that two events of one second stay two)."""
    msg_id = fields.get("MsgId") or fields.get("MsgID")
    if fields.get("MsgType") != "event" and msg_id:
        return f"msg:{msg_id}"[:300]
    event = str(fields.get("Event") or "")
    sender = str(fields.get("FromUserName") or "")
    created = str(fields.get("CreateTime") or "")
    extra = f":{msg_id}" if msg_id else ""
    return f"event:{event}:{sender}:{created}{extra}"[:300]


def _text(value: Any) -> str | None:
    return str(value)[:TEXT_MAX] if isinstance(value, str) and value else None


def _follower_message(
    session: AsyncSession, message: CallbackMessage, fields: dict[str, Any], now: datetime
) -> None:
    kind = message.msg_type if message.msg_type in MESSAGE_TYPES else "click"
    if kind == "text":
        text = _text(fields.get("Content"))
    elif kind == "voice":
        text = _text(fields.get("Recognition"))  # the platform's transcript, when enabled
    elif kind == "click":
        text = _text(fields.get("EventKey"))
    else:
        text = None
    external_id = str(fields.get("MsgId") or "")
    if kind == "click" or not external_id:
        external_id = f"click:{message.from_user}:{fields.get('CreateTime') or ''}"
    emit(
        session,
        PlatformMessageReceivedV1(
            message_id=message.id,
            msg_type=kind,
            text=text,
            media_id=_text(fields.get("MediaId")),
            external_id=external_id[:200],
            **_from_follower(message, fields, now),
        ),
        subject=message.id,
    )


def _from_follower(
    message: CallbackMessage, fields: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Whose message or (un)subscription it is, on which channel, and when: what both events
    user-svc records on the member carry alike."""
    return {
        "workspace_id": message.workspace_id,
        "channel_id": message.channel_id,
        "platform": MEMBER_PLATFORM,
        "openid": message.from_user,
        "occurred_at": occurred_at(fields, now),
    }


def _follower_changed(
    session: AsyncSession, message: CallbackMessage, fields: dict[str, Any], now: datetime
) -> None:
    followed = message.event == "subscribe"
    key = str(fields.get("EventKey") or "")
    scene = key.removeprefix("qrscene_") if key.startswith("qrscene_") else None
    emit(
        session,
        PlatformFollowerChangedV1(
            event_id=message.id,
            followed=followed,
            scene=scene[:200] if scene else None,
            external_id=f"{message.event}:{message.from_user}:{fields.get('CreateTime') or ''}"[
                :200
            ],
            **_from_follower(message, fields, now),
        ),
        subject=message.id,
    )


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


# What a job's pushed result says: the distribution's external id it settles (a
# `publish_id`, a mass send's `msg_id`), the outcome, and what to keep in its progress.
Finished = tuple[str, DeliveryResult, dict[str, Any]]


def _publish_finished(fields: dict[str, Any]) -> Finished | None:
    info = fields.get("PublishEventInfo")
    if not isinstance(info, dict) or not info.get("publish_id"):
        return None
    publish_id = str(info["publish_id"])
    detail = info.get("article_detail")
    items = _as_list(detail.get("item")) if isinstance(detail, dict) else []
    status = str(info.get("publish_status") or "")
    body = {
        "publish_id": publish_id,
        "publish_status": int(status) if status.lstrip("-").isdigit() else 3,
        "article_id": info.get("article_id") or "",
        "article_detail": {"item": [item for item in items if isinstance(item, dict)]},
        "fail_idx": info.get("fail_idx"),
    }
    article_id = str(body["article_id"])
    return publish_id, publish_result(body), {"article_id": article_id} if article_id else {}


def _mass_send_finished(fields: dict[str, Any]) -> Finished | None:
    msg_id, result, counts = mass_send_result(fields)
    return (msg_id, result, {MASS_RESULT: counts}) if msg_id else None


FINISHED: dict[str, Callable[[dict[str, Any]], Finished | None]] = {
    "PUBLISHJOBFINISH": _publish_finished,
    "MASSSENDJOBFINISH": _mass_send_finished,
}


async def _settle_waiting(
    session: AsyncSession,
    message: CallbackMessage,
    finished: Finished | None,
    *,
    confirm: ConfirmPolicy,
    now: datetime,
) -> None:
    """Settle the distribution that waits for the pushed result, as a poll would."""
    if finished is None:
        log.warning(
            "job_event_without_id", channel_id=message.channel_id, wechat_event=message.event
        )
        return
    external_id, result, found = finished
    distribution = await repository.submitted_distribution(
        session, channel_id=message.channel_id, publish_id=external_id
    )
    if distribution is None:  # settled by a poll already, or not ours
        return
    settled = await record_pushed(
        session, distribution.id, result, confirm=confirm, now=now, found=found
    )
    if settled is not None:
        log.info(
            "settled_by_callback",
            wechat_event=message.event,
            distribution_id=settled.id,
            status=settled.status,
        )


async def apply(
    session: AsyncSession,
    message: CallbackMessage,
    fields: dict[str, Any],
    *,
    confirm: ConfirmPolicy,
    now: datetime,
) -> None:
    """The effects of a message's first arrival (a retry gets none)."""
    if message.msg_type in MESSAGE_TYPES or message.event == "CLICK":
        _follower_message(session, message, fields, now)
    elif message.event in ("subscribe", "unsubscribe"):
        _follower_changed(session, message, fields, now)
    elif message.event in FINISHED:
        finished = FINISHED[message.event](fields)
        await _settle_waiting(session, message, finished, confirm=confirm, now=now)
