"""Segments made tags of a WeChat account, from user-svc's `segment.tag.requested`: the tag
is created once per (channel, segment) and its id kept, so a resync tags only the members
not tagged yet (50 per `batchtagging` call). A follower WeChat refuses (no longer
following, 20 tags already) is left out and named in the tag's `last_error`; a failure of
the whole sync is kept there too, for the operator to sync again. Everything happens in
the consumer's transaction: a sync that dies is applied again whole, and a tag it created
but did not store is found by its name."""

from __future__ import annotations

from collections.abc import Mapping

import structlog
from event_contracts import SegmentTagRequestedV1
from servicekit.db import utcnow
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.base import Adapter, unlock_channel
from channel_svc.adapters.http import PlatformError, Unreachable
from channel_svc.adapters.wechat import WechatAdapter
from channel_svc.adapters.wechat_mass import TAGGING_BATCH, create_tag, tag_followers
from channel_svc.channels.service import get_channel
from channel_svc.crypto import CredentialCipher, CredentialsUnreadable
from channel_svc.models import Channel, ChannelStatus, WechatTag
from channel_svc.wechat_tags import repository

log = structlog.get_logger(__name__)

TAG_PREFIX = "Mediaops·"
TAG_NAME_BYTES = 30  # WeChat's limit (45158)


def tag_name(segment_name: str) -> str:
    """`Mediaops·<segment name>`, cut to WeChat's 30 bytes on a character boundary."""
    name = f"{TAG_PREFIX}{segment_name.strip()}"
    while len(name.encode()) > TAG_NAME_BYTES:
        name = name[:-1]
    return name


async def list_tags(session: AsyncSession, workspace_id: str, channel_id: str) -> list[WechatTag]:
    channel = await get_channel(session, workspace_id=workspace_id, channel_id=channel_id)
    return await repository.tags_of_channel(session, channel.id)


def _usable(channel: Channel | None, request: SegmentTagRequestedV1) -> bool:
    return (
        channel is not None
        and channel.workspace_id == request.workspace_id
        and channel.platform == WechatAdapter.platform
        and channel.deleted_at is None
        and channel.status == ChannelStatus.ACTIVE
    )


async def sync_segment_tag(
    session: AsyncSession,
    request: SegmentTagRequestedV1,
    *,
    adapters: Mapping[str, Adapter],
    cipher: CredentialCipher,
) -> None:
    channel = await session.get(Channel, request.channel_id)
    adapter = adapters.get(WechatAdapter.platform)
    if channel is None or not _usable(channel, request) or not isinstance(adapter, WechatAdapter):
        log.warning(
            "segment_tag_refused",
            channel_id=request.channel_id,
            reason="not an active WeChat channel of the workspace",
        )
        return
    now = utcnow()
    tag = await repository.locked_tag(session, channel.id, request.segment_id)
    if tag is None:
        tag = WechatTag(
            channel_id=channel.id,
            segment_id=request.segment_id,
            workspace_id=request.workspace_id,
            segment_name=request.segment_name[:200],
            tag_name=tag_name(request.segment_name),
            members_tagged=0,
            created_at=now,
        )
        session.add(tag)
    tag.segment_name = request.segment_name[:200]
    tag.last_synced_at = tag.updated_at = now
    tag.last_error = tag.error_code = None
    try:
        unlocked = unlock_channel(channel, cipher)
        if tag.tag_id is None:
            tag.tag_id = await create_tag(adapter, unlocked, tag.tag_name)
        wanted = list(dict.fromkeys(request.openids))
        done = await repository.tagged_among(session, channel.id, request.segment_id, wanted)
        fresh = [openid for openid in wanted if openid not in done]
        refused: dict[str, PlatformError] = {}
        for start in range(0, len(fresh), TAGGING_BATCH):
            batch = fresh[start : start + TAGGING_BATCH]
            tagged, left_out = await tag_followers(adapter, unlocked, tag.tag_id, batch)
            repository.add_tagged(session, channel.id, request.segment_id, tagged, now)
            tag.members_tagged += len(tagged)
            refused.update(left_out)
        if refused:
            first = next(iter(refused.values()))
            tag.error_code = f"{adapter.code_prefix}_{first.code}"
            tag.last_error = f"{len(refused)} follower(s) were not tagged: {first}"
    except PlatformError as exc:
        tag.error_code, tag.last_error = f"{adapter.code_prefix}_{exc.code}", str(exc)
    except Unreachable as exc:
        tag.error_code, tag.last_error = "unreachable", f"WeChat did not answer: {exc}"
    except CredentialsUnreadable as exc:
        tag.error_code, tag.last_error = "credentials_unreadable", str(exc)
    await session.flush()
    log.info(
        "segment_tag_synced",
        channel_id=channel.id,
        segment_id=request.segment_id,
        chunk=request.chunk,
        tagged=tag.members_tagged,
        error=tag.error_code,
    )
