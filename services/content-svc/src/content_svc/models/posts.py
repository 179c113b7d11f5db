"""Posts: their channels, revisions, history, review settings, variants and recurrences."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from servicekit.columns import Moment, RowId, Timestamp
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from content_svc.models.base import (
    DEFAULT_TIME_ZONE,
    SUMMARY_MAX,
    TITLE_MAX,
    URL_MAX,
    Base,
    DeliveryStatus,
    PostStatus,
)
from content_svc.models.media import PostMedia


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        # The list endpoint: one workspace, newest first, (created_at, id) as the cursor.
        Index("ix_posts_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
        Index("ix_posts_workspace_id_perf_rank_id", "workspace_id", "perf_rank", "id"),
        # The publication scheduler: scheduled posts that are due.
        Index("ix_posts_status_scheduled_at", "status", "scheduled_at"),
        # A campaign's page and its `post_ids`.
        Index("ix_posts_workspace_id_campaign_id", "workspace_id", "campaign_id"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(String(SUMMARY_MAX), default=None)
    cover_url: Mapped[str | None] = mapped_column(String(URL_MAX), default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default=PostStatus.DRAFT.value)
    version: Mapped[int] = mapped_column(Integer, default=1)
    author_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    published_at: Mapped[Moment | None]
    idea_id: Mapped[str | None] = mapped_column(String(36), default=None)
    campaign_id: Mapped[str | None] = mapped_column(String(36), default=None)
    # A scheduled publication: when, and to which channels (checked when it was scheduled).
    scheduled_at: Mapped[Moment | None]
    scheduled_channel_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A queued post: per channel id, the moment (ISO 8601, UTC) of the channel's queue slot,
    # when the post goes out there; `scheduled_at` is the earliest of them, when the post is
    # published. Kept after publication; empty for a post scheduled or published at one time.
    channel_send_at: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Per channel id, how the post goes out there (`{"mode": "mass_send", "segment_id"}`),
    # as the publish request asked; None or absent: published as usual.
    channel_options: Mapped[dict[str, dict[str, Any]] | None] = mapped_column(JSON, default=None)
    # The performance summary kept from `stats.ingested` (running totals of the latest batch).
    perf_totals: Mapped[dict[str, int] | None] = mapped_column(JSON, default=None)
    perf_reads: Mapped[int | None] = mapped_column(Integer, default=None)
    perf_engagement: Mapped[int | None] = mapped_column(Integer, default=None)
    perf_verdict: Mapped[str | None] = mapped_column(String(50), default=None)
    # Sort key of `?sort=performance`: verdict rank * 10^12 + reads; -1 without figures.
    perf_rank: Mapped[int] = mapped_column(BigInteger, default=-1)
    perf_period_end: Mapped[Moment | None]

    @property
    def send_times(self) -> dict[str, datetime]:
        """`channel_send_at` as moments."""
        return {
            channel_id: datetime.fromisoformat(at)
            for channel_id, at in (self.channel_send_at or {}).items()
        }

    @send_times.setter
    def send_times(self, times: Mapping[str, datetime]) -> None:
        self.channel_send_at = {
            channel_id: at.astimezone(UTC).isoformat() for channel_id, at in sorted(times.items())
        }

    @property
    def performance(self) -> dict[str, Any] | None:
        if self.perf_totals is None:
            return None
        return {
            "reads": self.perf_reads,
            "engagement": self.perf_engagement,
            "verdict": self.perf_verdict,
            "totals": dict(self.perf_totals),
            "period_end": self.perf_period_end,
        }

    # lazy="raise": async code must load channels explicitly (selectinload).
    channels: Mapped[list[PostChannel]] = relationship(
        back_populates="post",
        lazy="raise",
        order_by="PostChannel.channel_id",
        cascade="all, delete-orphan",
    )
    # The channels the post is written differently for (`PostVariant`), by channel id.
    variants: Mapped[list[PostVariant]] = relationship(
        lazy="raise", order_by="PostVariant.channel_id", cascade="all, delete-orphan"
    )
    # The post's media, in order. Loaded with every post (one small query): a post is
    # never shown without them.
    media_links: Mapped[list[PostMedia]] = relationship(
        lazy="selectin", order_by="PostMedia.position", cascade="all, delete-orphan"
    )

    @property
    def media_ids(self) -> list[str]:
        return [link.media_id for link in self.media_links]

    @media_ids.setter
    def media_ids(self, media_ids: list[str]) -> None:
        self.media_links = [
            PostMedia(
                post_id=self.id,
                position=position,
                media_id=media_id,
                workspace_id=self.workspace_id,
            )
            for position, media_id in enumerate(media_ids)
        ]


class PostChannel(Base):
    """One channel a post was published to, and how its distribution went."""

    __tablename__ = "post_channels"

    post_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING.value)
    platform: Mapped[str | None] = mapped_column(String(50), default=None)
    url: Mapped[str | None] = mapped_column(String(URL_MAX), default=None)
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The distribution whose outcome the row shows, and when that outcome happened: an
    # outcome older than this one, or a failure after this distribution's success, is stale.
    distribution_id: Mapped[str | None] = mapped_column(String(36), default=None)
    outcome_at: Mapped[Moment | None]
    updated_at: Mapped[Timestamp]

    post: Mapped[Post] = relationship(back_populates="channels", lazy="raise")


class KnownChannel(Base):
    """The local copy of a workspace's channels, kept by consuming `channel.changed`."""

    __tablename__ = "known_channels"

    channel_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36), index=True)
    platform: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(50))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[Moment]


class PostRevision(Base):
    """The content of a post at one version; every edit (and the creation) makes one."""

    __tablename__ = "post_revisions"
    __table_args__ = (UniqueConstraint("post_id", "version"),)

    id: Mapped[RowId]
    post_id: Mapped[str] = mapped_column(String(36), ForeignKey("posts.id", ondelete="CASCADE"))
    workspace_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_markdown: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(String(SUMMARY_MAX), default=None)
    cover_url: Mapped[str | None] = mapped_column(String(URL_MAX), default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    editor_id: Mapped[str] = mapped_column(String(36))
    note: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[Timestamp]


class PostTransition(Base):
    """One step of a post through the review workflow: who, when, from where to where."""

    __tablename__ = "post_transitions"

    id: Mapped[RowId]
    post_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    workspace_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(36))
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[Timestamp]


class ReviewSettings(Base):
    """A workspace's review rules; a workspace without a row has the defaults."""

    __tablename__ = "review_settings"

    workspace_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    require_review: Mapped[bool] = mapped_column(Boolean, default=True)
    owners_may_skip_review: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_self_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # An IANA zone name: the calendar's days and the posting queue's slots are in it.
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    updated_at: Mapped[Timestamp]
    updated_by: Mapped[str] = mapped_column(String(36))


class PostVariant(Base):
    """The post as written for one channel: its title, summary, body or tags there (a
    Xiaohongshu note of 20 characters next to a WeChat article of 32), with a version of
    its own so that two editors of one variant do not overwrite each other."""

    __tablename__ = "post_variants"

    post_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    # What the variant overrides; None: the post's own field, as it is when sent.
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX), default=None)
    summary: Mapped[str | None] = mapped_column(String(SUMMARY_MAX), default=None)
    body_markdown: Mapped[str | None] = mapped_column(Text, default=None)
    body_html: Mapped[str | None] = mapped_column(Text, default=None)
    tags: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    # Whether the variant has a media list of its own (`media_links`, maybe empty).
    has_media: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    editor_id: Mapped[str] = mapped_column(String(36))
    updated_at: Mapped[Timestamp]
    media_links: Mapped[list[PostVariantMedia]] = relationship(
        lazy="selectin", order_by="PostVariantMedia.position", cascade="all, delete-orphan"
    )

    @property
    def media_ids(self) -> list[str] | None:
        """The variant's media list; None: the post's own."""
        return [link.media_id for link in self.media_links] if self.has_media else None

    @media_ids.setter
    def media_ids(self, media_ids: list[str] | None) -> None:
        self.has_media = media_ids is not None
        self.media_links = [
            PostVariantMedia(
                post_id=self.post_id,
                channel_id=self.channel_id,
                position=position,
                media_id=media_id,
                workspace_id=self.workspace_id,
            )
            for position, media_id in enumerate(media_ids or [])
        ]


class PostVariantMedia(Base):
    """A media item's place in a variant's own media list."""

    __tablename__ = "post_variant_media"
    __table_args__ = (
        ForeignKeyConstraint(
            ["post_id", "channel_id"],
            ["post_variants.post_id", "post_variants.channel_id"],
            ondelete="CASCADE",
        ),
    )

    post_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("media_items.id", ondelete="CASCADE"), index=True
    )
    workspace_id: Mapped[str] = mapped_column(String(36))


class PostRecurrence(Base):
    """An evergreen post published again every `every_days` until `until` (a day in the
    workspace's zone): occurrence n goes out at `first_at + n * every_days` to the post's
    channels, as its own distribution set (`post.published` with `occurrence` n)."""

    __tablename__ = "post_recurrences"
    # The releaser's query: recurrences that are due.
    __table_args__ = (Index("ix_post_recurrences_next_at", "next_at"),)

    post_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[str] = mapped_column(String(36))
    every_days: Mapped[int] = mapped_column(Integer)
    until: Mapped[date] = mapped_column(Date)
    # Occurrence 0 is the post's own publication (or schedule), the base of the others.
    first_at: Mapped[Moment]
    # The last occurrence released; the next one and when (None: ended or stopped).
    occurrence: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[Moment | None]
    stopped_at: Mapped[Moment | None]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
