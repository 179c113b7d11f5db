"""The local copy of the workspace's channels (kept from `channel.changed`), and the rule
for "a live channel of mine" that publishing and campaigns apply."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog
from event_contracts import ChannelChangedV1
from servicekit.problems import FieldError
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.kit.problems import invalid
from content_svc.models import KnownChannel
from content_svc.replicas import repository
from content_svc.replicas.channel_lookup import RemoteChannel

log = structlog.get_logger(__name__)

NAME_MAX = 200


class ChannelLookup(Protocol):
    """Asks channel-svc about ids the local copy lacks (see `ChannelServiceClient`)."""

    async def lookup(self, channel_ids: Sequence[str]) -> Mapping[str, RemoteChannel | None]: ...


@dataclass(frozen=True)
class ChannelCheck:
    channel_id: str
    live: bool
    platform: str | None = None
    problem: str | None = None


async def check_channels(
    session: AsyncSession,
    workspace_id: str,
    channel_ids: Sequence[str],
    lookup: ChannelLookup,
) -> dict[str, ChannelCheck]:
    """Whether each id is a live channel of the workspace: local copy first, then channel-svc.

    A channel the local copy holds for another workspace is not the caller's, and channel-svc
    is not asked about it.
    """
    known = {row.channel_id: row for row in await repository.known_channels(session, channel_ids)}
    checks: dict[str, ChannelCheck] = {}
    missing: list[str] = []
    for channel_id in channel_ids:
        row = known.get(channel_id)
        if row is None:
            missing.append(channel_id)
        elif row.workspace_id != workspace_id:
            checks[channel_id] = ChannelCheck(channel_id, live=False, problem="unknown channel")
        elif row.deleted:
            checks[channel_id] = ChannelCheck(channel_id, live=False, problem="channel deleted")
        else:
            checks[channel_id] = ChannelCheck(channel_id, live=True, platform=row.platform)
    for channel_id, remote in (await lookup.lookup(missing)).items():
        if remote is None:
            checks[channel_id] = ChannelCheck(channel_id, live=False, problem="unknown channel")
        elif remote.deleted:
            checks[channel_id] = ChannelCheck(channel_id, live=False, problem="channel deleted")
        else:
            checks[channel_id] = ChannelCheck(channel_id, live=True, platform=remote.platform)
    return checks


async def require_live(
    session: AsyncSession,
    workspace_id: str,
    channel_ids: Sequence[str],
    lookup: ChannelLookup,
    *,
    unchecked: Collection[str] = (),
) -> dict[str, ChannelCheck]:
    """The check of each id but those `unchecked`; a 422 naming `channel_ids.<index>` for
    each of them that is not a live channel of the workspace."""
    wanted = [channel_id for channel_id in channel_ids if channel_id not in unchecked]
    checks = await check_channels(session, workspace_id, wanted, lookup) if wanted else {}
    errors = [
        FieldError(field=f"channel_ids.{index}", message=f"{check.problem}: {channel_id}")
        for index, channel_id in enumerate(channel_ids)
        if channel_id in checks
        for check in [checks[channel_id]]
        if not check.live
    ]
    if errors:
        raise invalid(errors)
    return checks


async def remember_channel(session: AsyncSession, change: ChannelChangedV1) -> bool:
    """Apply a `channel.changed` to the local copy; False when it is older than the copy,
    or names a channel the copy holds for another workspace.

    A channel never changes workspace (channel-svc makes a new id for a new channel), so an
    event that says otherwise is a bug or a forgery: taking it would hand one workspace's
    channel, and its posts' deliveries, to another. It is ignored with a warning, as
    channel-svc ignores a `campaign.changed` naming another workspace's campaign.
    """
    row = await session.get(KnownChannel, change.channel_id, with_for_update=True)
    if row is not None and row.workspace_id != change.workspace_id:
        log.warning(
            "channel_change_refused",
            channel_id=change.channel_id,
            reason="the channel belongs to another workspace",
            workspace_id=change.workspace_id,
            owner_workspace_id=row.workspace_id,
        )
        return False
    if row is not None and change.changed_at < row.changed_at:
        log.info(
            "channel_change_ignored",
            channel_id=change.channel_id,
            reason="older than the local copy",
            changed_at=change.changed_at.isoformat(),
            local_changed_at=row.changed_at.isoformat(),
        )
        return False
    if row is None:
        row = KnownChannel(channel_id=change.channel_id)
        session.add(row)
    row.workspace_id = change.workspace_id
    row.platform = change.platform
    row.name = change.name[:NAME_MAX]
    row.status = change.status
    row.deleted = change.deleted
    row.changed_at = change.changed_at
    return True
