"""Channels the workspace publishes to, as channel-svc's events tell them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from event_contracts import ChannelChangedV1
from servicekit.db import dialect_insert
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.kit.upserts import replace_if_newer
from metrics_svc.models import Channel

# A channel first seen in a post's snapshot: any channel.changed event is newer.
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


async def ensure_channels(
    session: AsyncSession, workspace_id: str, channel_ids: Sequence[str], platform: str | None
) -> None:
    """Channels named by another event than their own (in one statement); their platform,
    when that event knows."""
    if not channel_ids:
        return
    insert = dialect_insert(session, Channel).values(
        [
            {
                "workspace_id": workspace_id,
                "id": channel_id,
                "platform": platform,
                "deleted": False,
                "updated_at": _NEVER,
            }
            # In key order: two transactions inserting the same channels lock them in the
            # same order, so neither waits on the other's second row (no deadlock).
            for channel_id in sorted(set(channel_ids))
        ]
    )
    if platform is None:
        await session.execute(insert.on_conflict_do_nothing())
    else:
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=["workspace_id", "id"], set_={"platform": platform}
            )
        )


async def record_channel(session: AsyncSession, channel: ChannelChangedV1) -> None:
    """The channel as it is now; an older change arriving late changes nothing."""
    await replace_if_newer(
        session,
        Channel,
        (channel.workspace_id, channel.channel_id),
        {
            "platform": channel.platform,
            "name": channel.name,
            "deleted": channel.deleted,
            "updated_at": channel.changed_at,
        },
        newer=lambda row: row.updated_at <= channel.changed_at,
    )
