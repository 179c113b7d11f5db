"""The rules of channels: which platforms exist, what a config and credentials must hold,
who sees what, and the preview of a post on a channel."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from event_contracts import ChannelChangedV1, PostPublishedV1
from servicekit.db import new_id, utcnow
from servicekit.pagination import PageRequest
from servicekit.problems import FieldError, Invalid, NotFound, found_in_workspace
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.base import Adapter, CredentialedAdapter
from channel_svc.adapters.shapes import FeedConfig, ManualConfig, validated
from channel_svc.channels import repository
from channel_svc.channels.schemas import ChannelCreate, ChannelUpdate, PreviewRequest
from channel_svc.crypto import CredentialCipher
from channel_svc.distributions import repository as distributions
from channel_svc.events import emit
from channel_svc.models import Channel, ChannelStatus
from channel_svc.platforms.catalogue import PLATFORMS, LinkPolicy, Mode, Platform, get_platform
from channel_svc.rendering.checks import Violation
from channel_svc.rendering.prepare import checklist, content_of, prepare
from channel_svc.rendering.render import PostContent, Rendered, markdown_to_html
from channel_svc.replicas.wordlists import scanner
from channel_svc.sync import service as sync


def announce(session: AsyncSession, channel: Channel, *, deleted: bool = False) -> None:
    changed = shaped(
        ChannelChangedV1,
        channel,
        channel_id=channel.id,
        deleted=deleted,
        changed_at=channel.updated_at,
    )
    emit(session, changed)


async def mark_needs_reauth(
    session: AsyncSession, channel_id: str, reason: str, *, now: datetime
) -> None:
    """The platform rejected the channel's credentials: it sends nothing until an editor
    gives new ones."""
    channel = await session.get(Channel, channel_id)
    if channel is None or channel.status != ChannelStatus.ACTIVE:
        return
    channel.status = ChannelStatus.NEEDS_REAUTH.value
    channel.status_reason = reason
    channel.updated_at = now
    announce(session, channel)


def _platform(key: str, adapters: Mapping[str, Adapter]) -> Platform:
    platform = get_platform(key)
    if platform is None or (platform.mode in (Mode.API, Mode.WEBHOOK) and key not in adapters):
        supported = ", ".join(p.key for p in PLATFORMS)
        raise Invalid.field(
            "platform", f"{key!r} is not supported; supported platforms: {supported}"
        )
    return platform


async def _checked_config(
    platform: Platform, config: dict[str, Any], adapters: Mapping[str, Adapter]
) -> dict[str, Any]:
    if platform.mode is Mode.MANUAL:
        return validated(ManualConfig, config, "config").model_dump(exclude_none=True)
    if platform.mode is Mode.FEED:
        return validated(FeedConfig, config, "config").model_dump(exclude_none=True)
    return await adapters[platform.key].check_config(config)


def _sealed_secret(
    platform: Platform,
    adapters: Mapping[str, Adapter],
    cipher: CredentialCipher,
    data: ChannelCreate | ChannelUpdate,
    *,
    required: bool,
) -> str | None:
    """The encrypted secret to store, or None when nothing is given (and none is needed)."""
    secret, credentials = data.secret, data.credentials
    if platform.mode is Mode.WEBHOOK:
        if credentials is not None:
            raise Invalid.field("credentials", "a webhook takes a `secret`, not credentials")
        if secret is None:
            if required:
                raise Invalid.field("secret", "a webhook needs a signing secret")
            return None
        return cipher.encrypt(secret)
    if platform.mode is Mode.API:
        if secret is not None:
            raise Invalid.field("secret", f"{platform.name} takes `credentials`, not a secret")
        if credentials is None:
            if required:
                raise Invalid(
                    f"credentials: {platform.name} needs credentials",
                    errors=[FieldError(field="credentials", message="required")],
                )
            return None
        adapter = adapters[platform.key]
        assert isinstance(adapter, CredentialedAdapter)
        checked = adapter.check_credentials(credentials)
        return cipher.encrypt(json.dumps(checked, separators=(",", ":")))
    if secret is not None or credentials is not None:
        field = "secret" if secret is not None else "credentials"
        raise Invalid.field(field, f"{platform.name} channels take no credentials")
    return None


def _refuse_moving_stored_credentials(
    platform: Platform,
    adapters: Mapping[str, Adapter],
    stored: dict[str, Any],
    config: dict[str, Any],
) -> None:
    """A change of where the credentials go (a platform's base URL) needs them again.

    Otherwise anyone who may edit the channel (an editor, a `channels:write` key) could
    point it at their own host, and the next delivery would send them the stored secret.
    """
    adapter = adapters.get(platform.key)
    if not isinstance(adapter, CredentialedAdapter):
        return
    moved = [key for key in adapter.credential_destination if config.get(key) != stored.get(key)]
    if moved:
        names = ", ".join(f"config.{key}" for key in moved)
        raise Invalid(
            f"credentials: changing {names} sends the credentials to another address; "
            "give the credentials again in the same request",
            errors=[
                FieldError(
                    field="credentials",
                    message=f"required when {names} changes",
                    type="missing",
                )
            ],
        )


def _checked_tracking(platform: Platform, track_links: bool | None) -> bool | None:
    if track_links and platform.rules.link_policy is LinkPolicy.NONE:
        raise Invalid.field(
            "track_links", f"{platform.name} does not allow outside links, so none are tracked"
        )
    return track_links


async def create_channel(
    session: AsyncSession,
    *,
    workspace_id: str,
    data: ChannelCreate,
    adapters: Mapping[str, Adapter],
    cipher: CredentialCipher,
) -> Channel:
    platform = _platform(data.platform, adapters)
    config = await _checked_config(platform, data.config, adapters)
    sealed = _sealed_secret(platform, adapters, cipher, data, required=True)
    now = utcnow()
    channel = Channel(
        id=new_id(),
        workspace_id=workspace_id,
        platform=platform.key,
        name=data.name,
        config=config,
        secret_encrypted=sealed,
        status=ChannelStatus.ACTIVE.value,
        signature=data.signature,
        default_tags=data.default_tags,
        posting_windows=[w.model_dump(mode="json") for w in data.posting_windows],
        timezone=data.timezone,
        track_links=_checked_tracking(platform, data.track_links),
        feed_token=secrets.token_urlsafe(24) if platform.mode is Mode.FEED else None,
        created_at=now,
        updated_at=now,
    )
    session.add(channel)
    announce(session, channel)
    # A connected WeChat or Weibo account gets its figures collector, due at once.
    sync.connect(session, channel, now)
    await session.flush()
    return channel


async def update_channel(
    session: AsyncSession,
    *,
    workspace_id: str,
    channel_id: str,
    data: ChannelUpdate,
    adapters: Mapping[str, Adapter],
    cipher: CredentialCipher,
) -> Channel:
    channel = await get_channel(session, workspace_id=workspace_id, channel_id=channel_id)
    platform = _platform(channel.platform, adapters)
    config = None if data.config is None else await _checked_config(platform, data.config, adapters)
    if config is not None and data.credentials is None:
        _refuse_moving_stored_credentials(platform, adapters, channel.config, config)
    if data.name is not None:
        channel.name = data.name
    if config is not None:
        channel.config = config
    sealed = _sealed_secret(platform, adapters, cipher, data, required=False)
    if sealed is not None:
        channel.secret_encrypted = sealed
        if channel.status == ChannelStatus.NEEDS_REAUTH:
            channel.status = ChannelStatus.ACTIVE.value
            channel.status_reason = None
    if "signature" in data.model_fields_set:
        channel.signature = data.signature
    if data.default_tags is not None:
        channel.default_tags = data.default_tags
    if data.posting_windows is not None:
        channel.posting_windows = [w.model_dump(mode="json") for w in data.posting_windows]
    if data.timezone is not None:
        channel.timezone = data.timezone
    if "track_links" in data.model_fields_set:
        channel.track_links = _checked_tracking(platform, data.track_links)
    if data.status is not None:
        if data.status == ChannelStatus.ACTIVE and channel.status == ChannelStatus.NEEDS_REAUTH:
            raise Invalid.field("status", "give new credentials to re-activate this channel")
        channel.status = data.status
        channel.status_reason = (
            None if data.status == ChannelStatus.ACTIVE else "disabled by an editor"
        )
    channel.updated_at = utcnow()
    announce(session, channel)
    await session.flush()
    return channel


async def get_channel(session: AsyncSession, *, workspace_id: str, channel_id: str) -> Channel:
    channel = await repository.find(session, workspace_id=workspace_id, channel_id=channel_id)
    return found_in_workspace(channel, f"channel {channel_id}")


async def list_channels(
    session: AsyncSession, *, workspace_id: str, paging: PageRequest
) -> tuple[list[Channel], str | None]:
    return await repository.page(session, workspace_id=workspace_id, paging=paging)


async def delete_channel(session: AsyncSession, *, workspace_id: str, channel_id: str) -> None:
    """Soft-delete: past distributions keep pointing at it; new ones fail as unavailable."""
    channel = await get_channel(session, workspace_id=workspace_id, channel_id=channel_id)
    now = utcnow()
    channel.deleted_at = now
    channel.updated_at = now
    channel.feed_token = None  # the public feed goes away with the channel
    announce(session, channel, deleted=True)
    await session.flush()


# -- preview ------------------------------------------------------------------------------


async def _preview_content(
    session: AsyncSession, workspace_id: str, channel_id: str, data: PreviewRequest
) -> PostContent:
    if data.post_id is not None:
        snapshot = await distributions.latest_snapshot(
            session, workspace_id=workspace_id, post_id=data.post_id, channel_id=channel_id
        )
        if snapshot is None:
            raise NotFound(
                f"No published post {data.post_id} in this workspace; send the post's fields."
            )
        return content_of(PostPublishedV1.model_validate(snapshot))
    title = (data.title or "").strip()
    markdown = (data.body_markdown or "").strip()
    body_html = (data.body_html or "").strip()
    if not title and not markdown and not body_html:
        raise Invalid(
            "the post is empty: give a post_id, or a title and a body",
            errors=[
                FieldError(field="title", message="the post is empty"),
                FieldError(field="body_markdown", message="the post is empty"),
            ],
        )
    return PostContent(
        title=title,
        body_markdown=markdown,
        body_html=body_html or markdown_to_html(markdown),
        summary=data.summary,
        cover_url=data.cover_url,
        tags=tuple(data.tags),
        media=tuple(data.media),
    )


async def preview(
    session: AsyncSession,
    *,
    workspace_id: str,
    channel_id: str,
    data: PreviewRequest,
) -> tuple[Platform, Rendered, list[Violation], list[str]]:
    channel = await get_channel(session, workspace_id=workspace_id, channel_id=channel_id)
    platform = get_platform(channel.platform)
    if platform is None:
        raise NotFound(f"The channel's platform {channel.platform!r} is no longer supported.")
    content = await _preview_content(session, workspace_id, channel.id, data)
    rendered, violations = prepare(platform, channel, content, await scanner(session, workspace_id))
    return platform, rendered, violations, checklist(platform, rendered)
