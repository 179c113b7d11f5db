"""The one synchronous call content-svc makes to another service: asking channel-svc
about a channel that the local copy (`replicas.channels`) does not know yet.

Services otherwise talk only through Kafka, and the copy is kept by `channel.changed`. But
an operator may publish to a channel created a moment ago, before its `channel.changed`
has arrived; refusing it as unknown would be wrong, and accepting an id nobody checked
would send the post nowhere. So publishing (and planning a campaign) asks channel-svc about
the ids the copy lacks, with a short timeout (`CONTENT_CHANNEL_LOOKUP_TIMEOUT_SECONDS`),
at `CONTENT_CHANNEL_SVC_URL`; when channel-svc cannot answer, the request is a 503 and
nothing is published.

The caller's own token is forwarded, so channel-svc answers for the caller's workspace
only: 200 means the channel is one of theirs, 404 that it is not (or no longer) there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from servicekit.problems import ServiceUnavailable

from content_svc.kit.upstream import CallerClient

log = structlog.get_logger(__name__)

UNAVAILABLE = "cannot verify channels: channel-svc unavailable"


@dataclass(frozen=True)
class RemoteChannel:
    channel_id: str
    platform: str | None
    deleted: bool


class ChannelServiceClient(CallerClient):
    async def lookup(self, channel_ids: Sequence[str]) -> Mapping[str, RemoteChannel | None]:
        """Each id's channel, or None when channel-svc does not know it (in this workspace).

        Ids must be canonical UUIDs (they go into the URL path). Raises a 503 problem when
        channel-svc cannot be reached, times out or answers anything but 200 or 404.
        """
        if not channel_ids:
            return {}
        async with self.client() as client:
            found = await asyncio.gather(*(self._one(client, cid) for cid in channel_ids))
        return dict(zip(channel_ids, found, strict=True))

    async def _one(self, client: httpx.AsyncClient, channel_id: str) -> RemoteChannel | None:
        try:
            response = await client.get(f"/api/v1/channels/{channel_id}")
        except httpx.HTTPError as exc:
            log.warning("channel_lookup_failed", channel_id=channel_id, error=repr(exc))
            raise ServiceUnavailable(UNAVAILABLE) from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            log.warning("channel_lookup_failed", channel_id=channel_id, status=response.status_code)
            raise ServiceUnavailable(UNAVAILABLE)
        return _parse(channel_id, response)


def _parse(channel_id: str, response: httpx.Response) -> RemoteChannel:
    # Only what is needed is read, and leniently: the answer's status code is what counts.
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    platform = body.get("platform")
    return RemoteChannel(
        channel_id=channel_id,
        platform=platform if isinstance(platform, str) else None,
        deleted=body.get("deleted") is True,
    )
