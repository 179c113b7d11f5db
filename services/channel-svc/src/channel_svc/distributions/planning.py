"""Planning: one distribution per (post, channel), rendered and checked for its channel.

A post published again (a new event for the same post and channels) plans nothing new;
a recurring post's next occurrence (`occurrence` n) is a distribution set of its own.
A channel that waits for its posting-queue slot may get the post's new content before it
goes out (`post.channel.revised`, `revise`). A channel that is unknown, deleted, disabled
or another workspace's gets a distribution
that has already failed, so that the author sees why; so does a post that breaks the
platform's rules or the workspace's word lists. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import structlog
from event_contracts import FailureReason, PostChannelRevisedV1, PostPublishedV1
from servicekit.db import new_id, utcnow
from sqlalchemy.ext.asyncio import AsyncSession
from textkit import WordScanner

from channel_svc.adapters.media import with_library_cover
from channel_svc.adapters.wechat_mass import MASS_TAG_ID
from channel_svc.channels import repository as channels
from channel_svc.channels.windows import next_opening, zone
from channel_svc.distributions import outcomes, repository
from channel_svc.distributions.mass_sends import mass_send_options
from channel_svc.links.rewrite import rewrite
from channel_svc.links.service import Tracking, short_links_for
from channel_svc.models import (
    Channel,
    ChannelStatus,
    Distribution,
    DistributionStatus,
    refuse_long_ids,
)
from channel_svc.platforms.catalogue import Mode, get_platform
from channel_svc.rendering.checks import Violation
from channel_svc.rendering.prepare import checklist, content_of, prepare
from channel_svc.replicas import wordlists
from channel_svc.wechat_tags import repository as wechat_tags

UNKNOWN_PLATFORM = "unknown"

log = structlog.get_logger(__name__)


def unavailable_reason(channel: Channel | None, workspace_id: str) -> str | None:
    """Why no distribution of this workspace can go to `channel`, if none can."""
    if channel is None or channel.workspace_id != workspace_id:
        return "no such channel in this workspace"
    if channel.deleted_at is not None:
        return "the channel was deleted"
    if channel.status != ChannelStatus.ACTIVE:
        return f"the channel is {channel.status.replace('_', ' ')}"
    return None


def _reasons(violations: Sequence[Violation]) -> list[FailureReason]:
    return [FailureReason(code=v.code, message=v.message, position=v.position) for v in violations]


def prepare_distribution(
    session: AsyncSession,
    distribution: Distribution,
    channel: Channel,
    scanner: WordScanner,
    *,
    now: datetime,
    links: Mapping[str, str] | None = None,
) -> bool:
    """Render and check the post for its channel (`links`: each tracked target's short
    link, put in its place) and set where it goes next.

    Returns True when the delivery worker has something to send (pending or scheduled).
    """
    platform = get_platform(channel.platform)
    if platform is None:
        outcomes.fail(
            session,
            distribution,
            "platform_unsupported",
            f"this deployment cannot publish to {channel.platform}",
            retryable=False,
            now=now,
        )
        return False
    post = PostPublishedV1.model_validate(distribution.snapshot)
    content = rewrite(content_of(with_library_cover(post)), links or {})
    rendered, violations = prepare(platform, channel, content, scanner)
    package: dict[str, Any] = rendered.model_dump(mode="json")
    # The channel's own posting-queue slot, when it is later than the publication.
    not_before = post.send_at.get(distribution.channel_id)
    if not_before is not None and not_before <= now:
        not_before = None
    if platform.mode is Mode.MANUAL:
        package["checklist"] = checklist(platform, rendered)
        if not_before is not None:
            local = not_before.astimezone(zone(channel.timezone))
            package["checklist"].insert(
                0, f"Publish at {local:%Y-%m-%d %H:%M} ({channel.timezone}), its queue slot."
            )
    distribution.rendered = package
    distribution.violations = [v.model_dump(mode="json") for v in violations]
    distribution.updated_at = now
    if violations:
        count = len(violations)
        summary = "; ".join(v.message for v in violations[:3])
        more = f" (and {count - 3} more)" if count > 3 else ""
        outcomes.fail(
            session,
            distribution,
            outcomes.VALIDATION_FAILED,
            f"{count} problem{'s' if count > 1 else ''} would get the post refused or removed "
            f"on {platform.name}: {summary}{more}",
            retryable=False,
            now=now,
            reasons=_reasons(violations),
        )
        return False
    if platform.mode is Mode.MANUAL:
        outcomes.await_manual(session, distribution, now=now)
        return False
    if platform.mode is Mode.FEED and not_before is None:
        outcomes.succeed(session, distribution, outcomes.feed_entry(distribution), now=now)
        return False
    opening = next_opening(channel.posting_windows or [], channel.timezone, not_before or now)
    outcomes.plan(distribution, opening, now=now)
    return True


async def plan_again(
    session: AsyncSession,
    distribution: Distribution,
    channel: Channel,
    *,
    scanner: WordScanner | None = None,
    tracking: Tracking | None,
    now: datetime,
) -> bool:
    """Prepare `distribution` for `channel` with the post's links tracked where the channel
    tracks them (`scanner`: the workspace's word lists, read when not given). Returns True
    when the delivery worker has something to send."""
    if scanner is None:
        scanner = await wordlists.scanner(session, distribution.workspace_id)
    links: dict[str, str] = {}
    platform = get_platform(channel.platform)
    if tracking is not None and platform is not None:
        post = PostPublishedV1.model_validate(distribution.snapshot)
        content = content_of(post)
        links = await short_links_for(session, post, channel, platform, content, tracking, now=now)
    if not prepare_distribution(session, distribution, channel, scanner, now=now, links=links):
        return False
    return await _address_mass_send(session, distribution, now=now)


async def _address_mass_send(
    session: AsyncSession, distribution: Distribution, *, now: datetime
) -> bool:
    """A mass send to a segment goes to the segment's tag on the channel: its id is put in
    the progress, or the distribution fails, for the operator to sync the segment first.
    Returns whether there is still something to send."""
    options = mass_send_options(distribution)
    segment_id = options.get("segment_id") if options is not None else None
    if not segment_id:
        return True
    tag = await wechat_tags.tag_of(session, distribution.channel_id, str(segment_id))
    if tag is None or tag.tag_id is None:
        outcomes.fail(
            session,
            distribution,
            "segment_not_tagged",
            f"segment {segment_id} is not a tag of this WeChat account yet: sync it "
            f"(POST /api/v1/segments/{segment_id}/wechat-tags), then retry",
            retryable=True,
            now=now,
        )
        return False
    distribution.progress = {**(distribution.progress or {}), MASS_TAG_ID: tag.tag_id}
    return True


async def plan_for_post(
    session: AsyncSession,
    post: PostPublishedV1,
    *,
    now: datetime | None = None,
    tracking: Tracking | None = None,
) -> list[Distribution]:
    """Create the distributions of a published post that do not exist yet. With
    `tracking`, the post's links are replaced by tracked short links on the channels that
    track them. Returns the new distributions the delivery worker will send."""
    now = now or utcnow()
    channel_ids = list(dict.fromkeys(post.channel_ids))
    refuse_long_ids(post.post_id, post.workspace_id, *channel_ids)
    if not channel_ids:
        return []
    planned = await repository.planned_channels(session, post.post_id, channel_ids, post.occurrence)
    wanted = [cid for cid in channel_ids if cid not in planned]
    if not wanted:
        return []
    found = await channels.by_id(session, wanted)
    scanner = await wordlists.scanner(session, post.workspace_id)
    to_send: list[Distribution] = []
    for channel_id in wanted:
        channel = found.get(channel_id)
        reason = unavailable_reason(channel, post.workspace_id)
        visible = channel is not None and channel.workspace_id == post.workspace_id
        distribution = Distribution(
            id=new_id(),  # the events below name it before the flush
            workspace_id=post.workspace_id,
            post_id=post.post_id,
            channel_id=channel_id,
            occurrence=post.occurrence,
            # Another workspace's channel must not leak even its platform.
            platform=channel.platform if channel is not None and visible else UNKNOWN_PLATFORM,
            status=DistributionStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            # The post as it goes to this channel (its variant there, if any): what the
            # rendering, the adapter, a webhook and a feed read.
            snapshot=post.for_channel(channel_id).model_dump(mode="json"),
            violations=[],
            progress={},
            checks=0,
            created_at=now,
            updated_at=now,
        )
        session.add(distribution)
        if reason is not None or channel is None:
            unavailable = outcomes.CHANNEL_UNAVAILABLE
            outcomes.fail(
                session, distribution, unavailable, reason or "", retryable=False, now=now
            )
        elif await plan_again(
            session, distribution, channel, scanner=scanner, tracking=tracking, now=now
        ):
            to_send.append(distribution)
    await session.flush()
    return to_send


async def revise(
    session: AsyncSession,
    revised: PostChannelRevisedV1,
    *,
    now: datetime | None = None,
    tracking: Tracking | None = None,
) -> bool:
    """Give the channel's distribution the post's new content, when nothing of it has
    reached the platform yet and the revision is newer than the one it holds; it is
    rendered, checked and planned again (at the same queue slot, which the snapshot
    keeps); a manual hand-off gets its new package and is announced again
    (`distribution.manual.waiting`), and content that breaks the platform's rules fails
    the distribution, as at publication. Returns True when the delivery worker has
    something to send."""
    now = now or utcnow()
    bound = log.bind(
        post_id=revised.post_id, channel_id=revised.channel_id, occurrence=revised.occurrence
    )
    distribution = await repository.of_occurrence(
        session, revised.workspace_id, revised.post_id, revised.channel_id, revised.occurrence
    )
    if distribution is None:
        bound.warning("revision_ignored", reason="no such distribution")
        return False
    if not outcomes.unsent(distribution):
        # Claimed by a worker first, or out already: what was sent stays as it was.
        bound.warning("revision_ignored", reason=f"too late: {distribution.status}")
        return False
    if distribution.revised_at is not None and revised.revised_at <= distribution.revised_at:
        bound.info("revision_ignored", reason="not newer than the revision it holds")
        return False
    post = PostPublishedV1.model_validate(distribution.snapshot)
    changed = post.model_copy(update={**dict(revised.content), "variants": {}})
    distribution.snapshot = changed.model_dump(mode="json")
    distribution.revised_at = revised.revised_at
    distribution.updated_at = now
    channel = (await channels.by_id(session, [distribution.channel_id])).get(
        distribution.channel_id
    )
    reason = unavailable_reason(channel, distribution.workspace_id)
    if reason is not None or channel is None:
        outcomes.fail(
            session,
            distribution,
            outcomes.CHANNEL_UNAVAILABLE,
            reason or "",
            retryable=False,
            now=now,
        )
        return False
    bound.info("distribution_revised", distribution_id=distribution.id)
    return await plan_again(session, distribution, channel, tracking=tracking, now=now)
