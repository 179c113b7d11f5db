"""content-svc tables: sources and ideas (collection), posts with their revisions, history
and review settings (production), campaigns, word lists, and the local copies of other
services' data."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from servicekit.columns import Moment, RowId, Timestamp
from servicekit.consumer import ProcessedEventMixin
from servicekit.db import new_metadata
from servicekit.outbox import OutboxMessageMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

TITLE_MAX = 200
# Characters of a post's Markdown. Above every platform's limit that matters (WeChat
# 20,000; the long-form platforms 50,000) and small enough that the post, with its HTML,
# always fits one post.published event (see posts.snapshot): 50,000 characters of Chinese
# make about 300 KiB, of the 512 KiB an event may have.
BODY_MAX = 50_000
SUMMARY_MAX = 500
URL_MAX = 2000
# The workspace time zone until an owner picks another (most operators work on Beijing time).
DEFAULT_TIME_ZONE = "Asia/Shanghai"


class Base(DeclarativeBase):
    metadata = new_metadata()


# Stored as plain strings (no database enum) so that states can be added without a type
# migration.
class PostStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # Published, then deleted or banned by the platform (WeChat status 5 or 6).
    TAKEN_DOWN = "taken_down"


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


class Source(Base):
    """A feed the workspace watches: news, peers and competitors, industry sites."""

    __tablename__ = "sources"
    __table_args__ = (
        Index("ix_sources_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
        Index("ix_sources_enabled_next_fetch_at", "enabled", "next_fetch_at"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(URL_MAX))
    interval_minutes: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(500), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(100), default=None)
    next_fetch_at: Mapped[Timestamp]
    last_fetched_at: Mapped[Moment | None]
    last_success_at: Mapped[Moment | None]
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    ideas_created: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class Idea(Base):
    """Something worth writing about: a feed entry, a manual note, or what members ask."""

    __tablename__ = "ideas"
    __table_args__ = (
        # Deduplication of feed entries across the workspace, by entry id or canonical URL.
        UniqueConstraint("workspace_id", "entry_key"),
        UniqueConstraint("workspace_id", "url_key"),
        UniqueConstraint("workspace_id", "need_key"),
        Index("ix_ideas_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
        Index("ix_ideas_workspace_id_seen_at", "workspace_id", "seen_at"),
        Index("ix_ideas_workspace_id_campaign_id", "workspace_id", "campaign_id"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(36))
    origin: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="new")
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    link: Mapped[str | None] = mapped_column(String(URL_MAX), default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    source_id: Mapped[str | None] = mapped_column(String(36), default=None)
    entry_key: Mapped[str | None] = mapped_column(String(URL_MAX), default=None)
    url_key: Mapped[str | None] = mapped_column(String(URL_MAX), default=None)
    need_key: Mapped[str | None] = mapped_column(String(100), default=None)
    # Tokens of the title and summary, kept for trends.
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    asker_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    asker_count: Mapped[int] = mapped_column(Integer, default=0)
    sample_questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_id: Mapped[str | None] = mapped_column(String(36), default=None)
    campaign_id: Mapped[str | None] = mapped_column(String(36), default=None)
    # When the entry was published (or the idea made): the time trends count it at.
    seen_at: Mapped[Timestamp]
    created_by: Mapped[str | None] = mapped_column(String(36), default=None)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class Campaign(Base):
    """An activity (a launch, a giveaway, a hashtag challenge) with goals, dates and budget.

    Posts and ideas join it through their `campaign_id`. A deleted campaign keeps its row
    (`deleted_at` set) so that its id is never reused; every read treats it as gone.
    """

    __tablename__ = "campaigns"
    __table_args__ = (
        Index("ix_campaigns_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(200))
    objective: Mapped[str] = mapped_column(String(20))
    # Our metric name -> the figure aimed for over the campaign.
    goals: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[Moment]
    ends_at: Mapped[Moment]
    channel_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget: Mapped[float | None] = mapped_column(Float, default=None)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_id: Mapped[str] = mapped_column(String(36))
    # None: the status follows the dates (see `campaigns.status`).
    status_override: Mapped[str | None] = mapped_column(String(20), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    deleted_at: Mapped[Moment | None]


class MemberQuestion(Base):
    """A question a community member asked (from `interaction.received`), with its keywords."""

    __tablename__ = "member_questions"
    __table_args__ = (
        Index("ix_member_questions_workspace_id_asked_at", "workspace_id", "asked_at"),
    )

    interaction_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    member_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    asked_at: Mapped[Moment]


class ErasedMember(Base):
    """A member whose personal data was erased (`member.erased`), known only by a digest of
    their id: `interaction.received` and `member.erased` travel on different topics, so a
    question of theirs can arrive after the erasure, and must not be kept then. The digest
    recognises it without this service holding the member's id."""

    __tablename__ = "erased_members"

    workspace_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[Moment]


class Wordlist(Base):
    """A workspace's list of sensitive or banned words, each with a category."""

    __tablename__ = "wordlists"
    __table_args__ = (
        Index("ix_wordlists_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(200))
    words: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class QueueSlot(Base):
    """A weekly posting time of one channel: a weekday and a local time in the workspace
    time zone. The posting queue fills these."""

    __tablename__ = "queue_slots"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", "weekday", "local_time"),
        Index("ix_queue_slots_workspace_id_channel_id", "workspace_id", "channel_id"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(36))
    channel_id: Mapped[str] = mapped_column(String(36))
    # 0 = Monday ... 6 = Sunday, as `date.weekday()`.
    weekday: Mapped[int] = mapped_column(Integer)
    # "HH:MM", 24-hour, in the workspace time zone.
    local_time: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[Timestamp]


class QueuedPost(Base):
    """A queued post's claim on one channel at one slot time. The unique constraint is
    what keeps two concurrent queue requests from taking the same slot."""

    __tablename__ = "queued_posts"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", "slot_at"),
        Index("ix_queued_posts_workspace_id_slot_at", "workspace_id", "slot_at"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(36))
    channel_id: Mapped[str] = mapped_column(String(36))
    post_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    slot_at: Mapped[Moment]
    created_at: Mapped[Timestamp]


class MediaItem(Base):
    """An image or a video of the workspace's media library; its files are in the media
    store under `file_key` and `thumbnail_key`. One item per content per workspace."""

    __tablename__ = "media_items"
    __table_args__ = (
        UniqueConstraint("workspace_id", "sha256"),
        Index("ix_media_items_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))  # image, video
    format: Mapped[str] = mapped_column(String(10))  # jpeg, png, gif, webp, mp4
    content_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    duration_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    sha256: Mapped[str] = mapped_column(String(64))
    file_key: Mapped[str] = mapped_column(String(300))
    thumbnail_key: Mapped[str] = mapped_column(String(300))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[Timestamp]


class PostMedia(Base):
    """A media item's place in a post's ordered list."""

    __tablename__ = "post_media"

    post_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
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


class OutboxMessage(OutboxMessageMixin, Base): ...


class ProcessedEvent(ProcessedEventMixin, Base): ...


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
    version: Mapped[int] = mapped_column(Integer, default=1)
    editor_id: Mapped[str] = mapped_column(String(36))
    updated_at: Mapped[Timestamp]
