"""A segment made a tag of a WeChat official account (for mass sends to it): the openids
of its members who acted through that channel, sent to channel-svc in chunks of at most
`SEGMENT_TAG_CHUNK` by `segment.tag.requested` (through the outbox, in the request's
transaction). channel-svc creates the tag once and tags the members not yet tagged, so a
resync adds the segment's new members."""

from __future__ import annotations

from datetime import datetime

from event_contracts import SEGMENT_TAG_CHUNK, SegmentTagRequestedV1
from servicekit.db import new_id
from servicekit.problems import Invalid
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.events import emit
from user_svc.members.repository import members_after
from user_svc.segments import repository
from user_svc.segments.schemas import WechatTagRequested
from user_svc.segments.service import get_segment, rules_of

READ_CHUNK = 1000
# The members' platform in user-svc (channels say `wechat_oa`).
WECHAT = "wechat"


async def request_wechat_tag(
    session: AsyncSession, workspace_id: str, segment_id: str, channel_id: str, now: datetime
) -> WechatTagRequested:
    segment = await get_segment(session, workspace_id, segment_id)
    member_filter = rules_of(segment).to_filter()
    openids: list[str] = []
    after: str | None = None
    while True:
        members = await members_after(
            session, workspace_id, member_filter, after=after, limit=READ_CHUNK, now=now
        )
        if not members:
            break
        openids += await repository.openids_on_channel(
            session, workspace_id, [m.id for m in members], platform=WECHAT, channel_id=channel_id
        )
        after = members[-1].id
    if not openids:
        raise Invalid.field(
            "channel_id", "no member of this segment has followed or written to this channel"
        )
    request_id = new_id()
    chunks = [
        openids[start : start + SEGMENT_TAG_CHUNK]
        for start in range(0, len(openids), SEGMENT_TAG_CHUNK)
    ]
    for number, chunk in enumerate(chunks, start=1):
        emit(
            session,
            SegmentTagRequestedV1(
                request_id=request_id,
                workspace_id=workspace_id,
                segment_id=segment.id,
                segment_name=segment.name,
                channel_id=channel_id,
                openids=chunk,
                chunk=number,
                chunks=len(chunks),
                requested_at=now,
            ),
            subject=segment.id,
        )
    return WechatTagRequested(
        request_id=request_id,
        segment_id=segment.id,
        channel_id=channel_id,
        members=len(openids),
        chunks=len(chunks),
    )
