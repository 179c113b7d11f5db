"""Tracked links: a post's links replaced, per channel, by `/l/{code}` short links that
redirect with UTM parameters and count the clicks.

Which channels track: a channel's `track_links` when set; otherwise the deployment's
default (`CHANNEL_TRACK_LINKS`, on). Never on platforms that forbid outside links; on
platforms that only allow links under a registered safe domain (Weibo), only when the
public base URL is under that domain (a short link elsewhere would get the post refused).

`utm_source` is the platform key (`weibo`), `utm_medium` the channel's name, `utm_campaign`
the campaign's name (its id until channel-svc has heard of the campaign). Parameters the
target already has are kept, and a `utm_*` it already carries is never overwritten.

A post whose campaign is deleted gets no tracked links; a link whose campaign is deleted
afterwards answers 410 Gone. Nothing here commits; the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from event_contracts import LinkCreatedV1, PostPublishedV1
from servicekit.db import new_id
from servicekit.pagination import PageRequest
from servicekit.problems import found_in_workspace
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.events import emit
from channel_svc.links import repository
from channel_svc.links.rewrite import targets
from channel_svc.models import Channel, TrackedLink
from channel_svc.platforms.catalogue import LinkPolicy, Platform
from channel_svc.rendering.checks import host_under
from channel_svc.rendering.render import PostContent
from channel_svc.replicas import campaigns

ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 8  # 62**8 ≈ 2.2e14 codes: guessing one that exists is hopeless
CODE_PATTERN = f"^[A-Za-z0-9]{{{CODE_LENGTH}}}$"
UTM = ("utm_source", "utm_medium", "utm_campaign")


@dataclass(frozen=True)
class Tracking:
    """The deployment's side of link tracking."""

    public_base_url: str
    default_on: bool = True

    @property
    def prefix(self) -> str:
        return f"{self.public_base_url.rstrip('/')}/l/"

    def short_url(self, code: str) -> str:
        return self.prefix + code


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def tracks_links(platform: Platform, channel: Channel, tracking: Tracking) -> bool:
    policy = platform.rules.link_policy
    if policy is LinkPolicy.NONE:
        return False
    wanted = tracking.default_on if channel.track_links is None else channel.track_links
    if not wanted:
        return False
    if policy is LinkPolicy.SAFE_DOMAIN:
        domain = channel.config.get("safe_domain")
        host = urlsplit(tracking.public_base_url).hostname or ""
        return isinstance(domain, str) and host_under(host, domain)
    return True


def _hash(target: str) -> str:
    return hashlib.sha256(target.encode("utf-8")).hexdigest()


async def track(
    session: AsyncSession,
    post: PostPublishedV1,
    channel: Channel,
    targets: list[str],
    tracking: Tracking,
    *,
    now: datetime,
) -> dict[str, str]:
    """The short link of each target for this channel, created (and announced with
    `link.created`) where it does not exist yet: a post distributed again reuses its codes."""
    if not targets:
        return {}
    existing = await repository.codes_of(
        session,
        post_id=post.post_id,
        channel_id=channel.id,
        target_hashes=[_hash(t) for t in targets],
    )
    missing = [target for target in targets if target not in existing]
    codes = {target: new_code() for target in missing}
    taken = await repository.taken_codes(session, codes.values())
    for target in missing:
        while codes[target] in taken:  # astronomically rare; the unique index guards anyway
            codes[target] = new_code()
        link = TrackedLink(
            id=new_id(),
            code=codes[target],
            workspace_id=post.workspace_id,
            post_id=post.post_id,
            channel_id=channel.id,
            platform=channel.platform,
            campaign_id=post.campaign_id,
            target_url=target,
            target_hash=_hash(target),
            created_at=now,
        )
        session.add(link)
        created = LinkCreatedV1(**link_fields(link), target_url=target, created_at=now)
        emit(session, created, subject=link.code)
    return {target: tracking.short_url(existing.get(target) or codes[target]) for target in targets}


async def short_links_for(
    session: AsyncSession,
    post: PostPublishedV1,
    channel: Channel,
    platform: Platform,
    content: PostContent,
    tracking: Tracking | None,
    *,
    now: datetime,
) -> dict[str, str]:
    """Target → short link for a post on a channel; empty when the channel does not track
    or the post's campaign was deleted."""
    if tracking is None or not tracks_links(platform, channel, tracking):
        return {}
    if post.campaign_id and await campaigns.is_deleted(
        session, post.workspace_id, post.campaign_id
    ):
        return {}
    return await track(
        session, post, channel, targets(content, own_prefix=tracking.prefix), tracking, now=now
    )


# -- the redirect --------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """What a code resolves to: where it redirects, and what a click records."""

    link_id: str
    code: str
    workspace_id: str
    post_id: str
    channel_id: str
    platform: str
    campaign_id: str | None
    location: str
    gone: bool  # the link's campaign was deleted


def link_fields(link: TrackedLink | Destination) -> dict[str, Any]:
    """What the link events say of the link."""
    return {
        "code": link.code,
        "workspace_id": link.workspace_id,
        "post_id": link.post_id,
        "channel_id": link.channel_id,
        "platform": link.platform,
        "campaign_id": link.campaign_id,
    }


def with_utm(target: str, params: dict[str, str]) -> str:
    """`target` with the UTM parameters it does not carry yet, its own query kept as is."""
    parts = urlsplit(target)
    present = {pair.partition("=")[0].lower() for pair in parts.query.split("&") if pair}
    added = {k: v for k, v in params.items() if v and k.lower() not in present}
    if not added:
        return target
    extra = urlencode(added)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


async def resolve(session: AsyncSession, code: str) -> Destination | None:
    row = await repository.with_names(session, code)
    if row is None:
        return None
    link, channel_name, campaign_name, deleted = row
    params = {
        "utm_source": link.platform,
        "utm_medium": channel_name or link.channel_id,
        "utm_campaign": (campaign_name or link.campaign_id) if link.campaign_id else "",
    }
    location = with_utm(link.target_url, params)
    return shaped(Destination, link, link_id=link.id, location=location, gone=bool(deleted))


# -- operators' view -----------------------------------------------------------------------


async def list_links(
    session: AsyncSession,
    *,
    workspace_id: str,
    post_id: str | None = None,
    campaign_id: str | None = None,
    channel_id: str | None = None,
    paging: PageRequest,
) -> tuple[list[tuple[TrackedLink, int]], str | None]:
    links, next_cursor = await repository.page(
        session,
        workspace_id=workspace_id,
        post_id=post_id,
        campaign_id=campaign_id,
        channel_id=channel_id,
        paging=paging,
    )
    counts = await repository.click_counts(session, [link.id for link in links])
    return [(link, counts.get(link.id, 0)) for link in links], next_cursor


async def get_link(
    session: AsyncSession, *, workspace_id: str, code: str
) -> tuple[TrackedLink, int]:
    link = found_in_workspace(
        await repository.find(session, workspace_id=workspace_id, code=code), f"tracked link {code}"
    )
    return link, (await repository.click_counts(session, [link.id])).get(link.id, 0)
