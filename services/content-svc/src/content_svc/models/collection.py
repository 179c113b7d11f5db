"""Collection: sources and ideas, campaigns, members' questions and erasures, word lists."""

from __future__ import annotations

from servicekit.columns import Moment, RowId, Timestamp
from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from content_svc.models.base import TITLE_MAX, URL_MAX, Base


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
