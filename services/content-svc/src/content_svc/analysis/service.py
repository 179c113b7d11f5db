"""The analysis of one post: its target platforms, the workspace's words, earlier posts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from servicekit.auth import Caller
from servicekit.problems import Invalid
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.analysis import repository
from content_svc.analysis.findings import Draft, MediaFacts, PlacedMedium, Report
from content_svc.analysis.platforms import DEFAULT_PLATFORMS, title_limit
from content_svc.analysis.report import analyse
from content_svc.kit.ids import canonical_id
from content_svc.kit.rendering import MEDIA_SCHEME
from content_svc.models import Post
from content_svc.posts.markdown import library_items, media_references
from content_svc.posts.service import get_post
from content_svc.posts.snapshot import as_sent
from content_svc.replicas import repository as replicas
from content_svc.wordlists.service import workspace_scanner

EARLIER_POSTS = 300


@dataclass(frozen=True)
class Analysis:
    """The report on one version of a post, checked against `platforms`."""

    post_id: str
    version: int
    platforms: list[str]
    report: Report


async def analyse_post(
    session: AsyncSession,
    caller: Caller,
    post_id: str,
    platforms: Sequence[str] | None,
    channel_id: str | None = None,
) -> Analysis:
    """The report on the post, or, with `channel_id`, on the post as it goes to that
    channel (its variant there) checked against the channel's platform."""
    post = await get_post(session, caller, post_id)
    draft = Draft(post.title, post.summary, post.body_markdown, list(post.keywords))
    media_ids = post.media_ids
    if channel_id is not None:
        draft, platform, media_ids = await _as_sent_to(session, post, channel_id)
        platforms = platforms or ([platform] if platform else None)
    media = await _media_facts(session, caller.workspace_id, media_ids)
    placed = await _placed(session, caller.workspace_id, draft.body_markdown, media_ids)
    draft = replace(draft, media=media, cover_url=post.cover_url, placed=placed)
    targets, guessed = await _targets(session, caller.workspace_id, post, platforms)
    scanner = await workspace_scanner(session, caller.workspace_id)
    earlier = await repository.earlier_posts(
        session, caller.workspace_id, post.id, post.created_at, EARLIER_POSTS
    )
    report = analyse(
        draft,
        platforms=targets,
        scanner=scanner,
        earlier=earlier,
        # The defaults are a guess at where the post goes: its titles are checked against
        # them, but a cover or media the post may not need there would be noise.
        media_platforms=[] if guessed else None,
    )
    return Analysis(post.id, post.version, targets, report)


async def _media_facts(
    session: AsyncSession, workspace_id: str, media_ids: Sequence[str]
) -> list[MediaFacts]:
    """The media list as the library describes each item, in order."""
    items = await library_items(session, workspace_id, media_ids)
    return [
        shaped(MediaFacts, item, media_id=item.id)
        for media_id in media_ids
        if (item := items.get(media_id)) is not None
    ]


async def _placed(
    session: AsyncSession, workspace_id: str, markdown: str, media_ids: Sequence[str]
) -> list[PlacedMedium]:
    """The library images the body places that the media list does not hold, each where
    its `media:<id>` is written (the media rules apply to them as to the list's)."""
    references = [
        reference
        for reference in media_references(markdown)
        if reference.media_id not in media_ids and reference.position is not None
    ]
    facts = await _media_facts(session, workspace_id, [r.media_id for r in references])
    by_id = {item.media_id: item for item in facts}
    return [
        PlacedMedium(item, start, start + len(f"{MEDIA_SCHEME}:{item.media_id}"))
        for reference in references
        if (item := by_id.get(reference.media_id)) is not None
        and (start := reference.position) is not None
    ]


async def _as_sent_to(
    session: AsyncSession, post: Post, raw: str
) -> tuple[Draft, str | None, list[str]]:
    """The post's text and media on the channel (its variant there, else its own) and the
    channel's platform; a 422 naming `query.channel_id` for a channel the workspace does
    not have."""
    channel_id = canonical_id(raw)
    known = await replicas.platforms_of(session, post.workspace_id, [channel_id or raw])
    if channel_id is None or channel_id not in known:
        raise Invalid.field("query.channel_id", f"no such channel in this workspace: {raw}")
    variant = next((v for v in post.variants if v.channel_id == channel_id), None)
    sent = as_sent(post, variant) if variant is not None else post
    draft = Draft(sent.title, sent.summary, sent.body_markdown, list(post.keywords))
    own_media = variant.media_ids if variant is not None else None
    return draft, known[channel_id], own_media if own_media is not None else post.media_ids


async def _targets(
    session: AsyncSession, workspace_id: str, post: Post, platforms: Sequence[str] | None
) -> tuple[list[str], bool]:
    """The platforms asked for; else the post's channels; else the workspace's; else the
    defaults (and True: a guess)."""
    if platforms:
        known = {p: title_limit(p) for p in platforms}
        unknown = [p for p, limit in known.items() if limit is None]
        if unknown:
            raise Invalid.field("query.platforms", f"unknown platform(s): {', '.join(unknown)}")
        return list(dict.fromkeys(lim[0] for lim in known.values() if lim is not None)), False
    names = [row.platform for row in post.channels if row.platform]
    if not names:
        names = await replicas.live_platforms(session, workspace_id)
    keys = [limit[0] for name in names if (limit := title_limit(name)) is not None]
    if not keys:
        return list(DEFAULT_PLATFORMS), True
    return list(dict.fromkeys(keys)), False
