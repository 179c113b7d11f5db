"""Send an inbox answer once: the ledger row of the answer's attempt is written (and
flushed, so a concurrent copy fails on its key) before the platform is asked, all in the
consumer's transaction with the processed event and the `inbox.answer.settled` event. A
redelivered request finds its row and sends nothing; a request for an answer already sent
(any attempt) sends nothing either.
"""

from __future__ import annotations

from collections.abc import Mapping

import structlog
from event_contracts import InboxAnswerRequestedV1, InboxAnswerSettledV1
from servicekit.db import utcnow
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.base import Adapter, resealed, unlock_channel
from channel_svc.adapters.http import PlatformApi, PlatformError, Unreachable
from channel_svc.adapters.wechat import WechatAdapter
from channel_svc.adapters.weibo import WeiboAdapter
from channel_svc.answers import repository
from channel_svc.crypto import CredentialCipher, CredentialsUnreadable
from channel_svc.events import emit
from channel_svc.models import AnswerSend, Channel, ChannelStatus

log = structlog.get_logger(__name__)


class Refused(Exception):
    """The answer cannot be sent (and was not): a code and words for the operator."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


async def _channel(session: AsyncSession, request: InboxAnswerRequestedV1) -> Channel:
    channel = await session.get(Channel, request.channel_id)
    if channel is None or channel.workspace_id != request.workspace_id:
        raise Refused("channel_unknown", "the channel the message came through is not known")
    if channel.deleted_at is not None or channel.status != ChannelStatus.ACTIVE:
        raise Refused("channel_inactive", "the channel the message came through is not active")
    return channel


async def _send(
    channel: Channel,
    request: InboxAnswerRequestedV1,
    adapters: Mapping[str, Adapter],
    cipher: CredentialCipher,
) -> tuple[str | None, str | None]:
    """The platform's id of the message, and the channel's credentials sealed again if a
    token was refreshed on the way."""
    adapter = adapters.get(channel.platform)
    try:
        unlocked = unlock_channel(channel, cipher)
    except CredentialsUnreadable as exc:
        raise Refused("credentials_unreadable", str(exc)) from exc
    try:
        if isinstance(adapter, WechatAdapter):
            return await adapter.custom_text(unlocked, request.recipient_id, request.text), None
        if isinstance(adapter, WeiboAdapter):
            if not request.status_id:
                raise Refused("status_unknown", "the Weibo status of the comment is not known")
            reply_id, refreshed = await adapter.reply_comment(
                unlocked, request.recipient_id, request.status_id, request.text
            )
            return reply_id, resealed(unlocked, cipher, refreshed) if refreshed else None
    except PlatformError as exc:
        prefix = adapter.code_prefix if isinstance(adapter, PlatformApi) else channel.platform
        raise Refused(f"{prefix}_{exc.code}", str(exc)) from exc
    except Unreachable as exc:
        raise Refused("unreachable", f"the platform did not answer: {exc}") from exc
    raise Refused("platform_unsupported", f"{channel.platform} channels cannot send answers")


async def send_answer(
    session: AsyncSession,
    request: InboxAnswerRequestedV1,
    *,
    adapters: Mapping[str, Adapter],
    cipher: CredentialCipher,
) -> None:
    if await repository.get(session, request.answer_id, request.attempt) is not None:
        return  # this attempt was made already (a redelivered request)
    if await repository.sent(session, request.answer_id) is not None:
        log.info("answer_already_sent", answer_id=request.answer_id, attempt=request.attempt)
        return  # never twice
    row = AnswerSend(
        answer_id=request.answer_id,
        attempt=request.attempt,
        workspace_id=request.workspace_id,
        channel_id=request.channel_id,
        outcome="sending",
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    try:
        channel = await _channel(session, request)
        message_id, sealed = await _send(channel, request, adapters, cipher)
    except Refused as refused:
        row.outcome, row.reason, row.error_code = "failed", refused.reason, refused.code
    else:
        row.outcome, row.platform_message_id = "sent", message_id
        if sealed is not None:
            channel.secret_encrypted = sealed
    await session.flush()
    log.info("answer_settled", answer_id=row.answer_id, outcome=row.outcome, code=row.error_code)
    emit(
        session,
        InboxAnswerSettledV1(
            answer_id=row.answer_id,
            attempt=row.attempt,
            workspace_id=row.workspace_id,
            outcome="sent" if row.outcome == "sent" else "failed",
            reason=row.reason,
            error_code=row.error_code,
            platform_message_id=row.platform_message_id,
            settled_at=utcnow(),
        ),
        subject=row.answer_id,
    )
