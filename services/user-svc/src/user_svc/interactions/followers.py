"""What followers do on an official account, as channel-svc received it from the
platform's callback: their messages become direct messages (in the inbox), their menu
clicks `menu_click` interactions (the item's key), their (un)subscriptions
`follow`/`unfollow` interactions, through the same ingestion as
`POST /interactions` (members created on first sight by their openid)."""

from __future__ import annotations

from event_contracts import PlatformFollowerChangedV1, PlatformMessageReceivedV1
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.interactions.schemas import MAX_TEXT, Author, InteractionCreate
from user_svc.interactions.service import ingest
from user_svc.members.repository import members_by_id

# A member's attribute: whether they follow the workspace's WeChat account now.
SUBSCRIBED = "wechat_subscribed"


def _message_text(message: PlatformMessageReceivedV1) -> str | None:
    if message.msg_type == "image":
        return "[图片]"
    if message.msg_type == "voice":
        return f"[语音] {message.text}" if message.text else "[语音]"
    return message.text


def _message_item(message: PlatformMessageReceivedV1) -> InteractionCreate:
    return InteractionCreate(
        platform=message.platform,
        # A click is no message to answer: it stays out of the inbox (the auto-replies
        # answer it), and its text is the menu item's key.
        kind="menu_click" if message.msg_type == "click" else "direct_message",
        author=Author(external_id=message.openid),
        external_id=message.external_id,
        text=(_message_text(message) or "")[:MAX_TEXT] or None,
        channel_id=message.channel_id,
        occurred_at=message.occurred_at,
    )


async def record_messages(session: AsyncSession, messages: list[PlatformMessageReceivedV1]) -> None:
    """Messages as they arrived, ingested a workspace's together: a busy account's burst
    costs a few queries per fetch rather than per message."""
    by_workspace: dict[str, list[InteractionCreate]] = {}
    for message in messages:
        by_workspace.setdefault(message.workspace_id, []).append(_message_item(message))
    for workspace_id, items in by_workspace.items():
        await ingest(session, workspace_id, items)


async def record_follow(session: AsyncSession, change: PlatformFollowerChangedV1) -> None:
    item = InteractionCreate(
        platform=change.platform,
        kind="follow" if change.followed else "unfollow",
        author=Author(external_id=change.openid),
        external_id=change.external_id,
        channel_id=change.channel_id,
        occurred_at=change.occurred_at,
    )
    result = await ingest(session, change.workspace_id, [item])
    [outcome] = result.outcomes
    if not outcome.stored:
        return
    member_id = outcome.interaction.member_id
    member = (await members_by_id(session, [member_id]))[member_id]
    member.attributes = {**(member.attributes or {}), SUBSCRIBED: change.followed}
    if change.scene:
        member.attributes = {**member.attributes, "wechat_scene": change.scene}
    await session.flush()
