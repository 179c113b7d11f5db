"""Send an inbox answer once: the ledger row of the answer's attempt is written (and
flushed, so a concurrent copy fails on its key) before the platform is asked, all in the
consumer's transaction with the processed event and the `inbox.answer.settled` event. A
redelivered request finds its row and sends nothing; a request for an answer already sent
(any attempt) sends nothing either.

A busy platform (WeChat `-1`, a rate limit such as `45009` or Weibo's `1002x`, HTTP 5xx, a
connection refused) is asked again within the attempt, with the delivery worker's backoff
(`RetryPolicy`), up to `CHANNEL_ANSWER_MAX_TRIES` times; only then is the answer `failed`,
with the last reason. What waiting cannot change (`45015` outside the window, `45047` the
allowance spent) fails at once, and so does a timeout after the request went out: the
platform may have sent that answer, and asking again could send it twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import httpx
import structlog
from event_contracts import InboxAnswerRequestedV1, InboxAnswerSettledV1
from servicekit.db import utcnow
from sqlalchemy.ext.asyncio import AsyncSession
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from channel_svc.adapters.base import Adapter, Outcome, resealed, unlock_channel
from channel_svc.adapters.http import PlatformApi, PlatformError, Unreachable
from channel_svc.adapters.wechat import WechatAdapter
from channel_svc.adapters.weibo import WeiboAdapter
from channel_svc.answers import repository
from channel_svc.crypto import CredentialCipher, CredentialsUnreadable
from channel_svc.distributions.policies import RetryPolicy
from channel_svc.events import emit
from channel_svc.models import AnswerSend, Channel, ChannelStatus

log = structlog.get_logger(__name__)
T = TypeVar("T")

# What the delivery worker judges worth another try: busy, or a rate limit.
WAITING_HELPS = (Outcome.RETRY, Outcome.DEFERRED)
# Failures before the request left this process: asking again cannot send twice.
NEVER_LEFT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


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


def worth_waiting(adapter: PlatformApi, exc: BaseException) -> bool:
    """Whether asking again shortly may succeed, and cannot send the answer twice."""
    if isinstance(exc, Unreachable):
        cause = exc.__cause__
        # No cause: the platform answered (HTTP 5xx, not JSON) and sent nothing.
        return cause is None or isinstance(cause, NEVER_LEFT)
    return isinstance(exc, PlatformError) and adapter.judge(exc).outcome in WAITING_HELPS


async def _asked_until_settled(
    adapter: PlatformApi, policy: RetryPolicy, call: Callable[[], Awaitable[T]]
) -> T:
    """`call`, asked again while the platform is busy, at most `policy.max_attempts` times;
    the last error is raised."""

    def wait(state: RetryCallState) -> float:
        return policy.delay(state.attempt_number).total_seconds()

    def busy(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        log.info("answer_platform_busy", tries=state.attempt_number, error=str(error))

    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.max_attempts),
        wait=wait,
        retry=retry_if_exception(lambda exc: worth_waiting(adapter, exc)),
        before_sleep=busy,
        reraise=True,
    )
    return await retrying(call)


async def _send(
    channel: Channel,
    request: InboxAnswerRequestedV1,
    adapters: Mapping[str, Adapter],
    cipher: CredentialCipher,
    policy: RetryPolicy,
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
            wechat = adapter

            async def custom_text() -> str | None:
                return await wechat.custom_text(unlocked, request.recipient_id, request.text)

            return await _asked_until_settled(adapter, policy, custom_text), None
        if isinstance(adapter, WeiboAdapter):
            if not request.status_id:
                raise Refused("status_unknown", "the Weibo status of the comment is not known")
            weibo, status_id = adapter, request.status_id

            async def reply() -> tuple[str, dict[str, Any] | None]:
                return await weibo.reply_comment(
                    unlocked, request.recipient_id, status_id, request.text
                )

            reply_id, refreshed = await _asked_until_settled(adapter, policy, reply)
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
    policy: RetryPolicy,
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
        message_id, sealed = await _send(channel, request, adapters, cipher, policy)
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
