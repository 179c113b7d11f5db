"""metrics-svc tables.

Local copies learned from events (channels, posts, where each post went), the raw figures
(`stat_points`, one row per observation of one series), and the rollups maintained at
ingestion so that reports never scan raw points:

- `series`: one per (channel, post or account, metric), with its latest value;
- `rollup_hourly` / `rollup_daily`: per series and bucket, the last cumulative value seen in
  the bucket and the gain over the previous bucket;
- `rollup_channel_daily`: per channel, metric and day, the sum of the gains of its series
  (reads gained that day on the channel, followers won or lost...);
- `benchmark_checkpoints`: each post series' value at fixed ages (1 h ... 30 d) with the
  publication time, so the benchmark against a channel's posts is one index range scan.
"""

from __future__ import annotations

from servicekit.columns import Moment, Timestamp
from servicekit.consumer import ProcessedEventMixin
from servicekit.db import new_metadata
from servicekit.idempotency_store import IdempotencyKeyMixin
from servicekit.outbox import OutboxMessageMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer, "sqlite")

ACCOUNT = ""
"""The `post_id` of a channel's account-level series (followers, follows gained ...)."""


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxMessage(OutboxMessageMixin, Base): ...


class ProcessedEvent(ProcessedEventMixin, Base): ...


class IdempotencyKey(IdempotencyKeyMixin, Base): ...


class Channel(Base):
    """A channel the workspace publishes to, as learned from channel-svc's events."""

    __tablename__ = "channels"

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str | None] = mapped_column(String(32), default=None)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[Timestamp]


class Post(Base):
    """A published post, as learned from `post.published` (title, tags for later insights)."""

    __tablename__ = "posts"

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str | None] = mapped_column(Text, default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    campaign_id: Mapped[str | None] = mapped_column(String(64), default=None)
    version: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[Moment]
    updated_at: Mapped[Timestamp]


class PostChannel(Base):
    """One post on one channel: when it went live there and the platform's id and url."""

    __tablename__ = "post_channels"
    __table_args__ = (
        # Resolving points that name the platform's id of a post.
        Index("ix_post_channels_external", "workspace_id", "channel_id", "external_id"),
        # A channel's posts by publication time (benchmark peers, best times).
        Index("ix_post_channels_channel_published", "workspace_id", "channel_id", "published_at"),
    )

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    post_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str | None] = mapped_column(String(32), default=None)
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    published_at: Mapped[Moment]


class Series(Base):
    """One metric of one post on one channel (or of the channel's account), and its latest
    cumulative value."""

    __tablename__ = "series"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", "post_id", "metric"),
        Index("ix_series_workspace_post", "workspace_id", "post_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    post_id: Mapped[str] = mapped_column(String(64))  # ACCOUNT ("") for account figures
    metric: Mapped[str] = mapped_column(String(32))
    # When the post went live on the channel (None for account series): ages count from it.
    published_at: Mapped[Moment | None]
    latest_value: Mapped[int] = mapped_column(BigInteger, default=0)
    latest_observed_at: Mapped[Moment | None]


class StatPoint(Base):
    """One observation: a cumulative value of one series at one time (the natural key)."""

    __tablename__ = "stat_points"
    __table_args__ = (UniqueConstraint("series_id", "observed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    series_id: Mapped[int] = mapped_column(BigInteger)
    observed_at: Mapped[Moment]
    value: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str] = mapped_column(String(36))


class HourlyRollup(Base):
    __tablename__ = "rollup_hourly"

    series_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bucket: Mapped[Moment] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)  # last cumulative value in the bucket
    observed_at: Mapped[Moment]  # ... observed at
    gain: Mapped[int] = mapped_column(BigInteger)  # value - last value of an earlier bucket


class DailyRollup(Base):
    __tablename__ = "rollup_daily"

    series_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bucket: Mapped[Moment] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    observed_at: Mapped[Moment]
    gain: Mapped[int] = mapped_column(BigInteger)


class ChannelDailyRollup(Base):
    """Per workspace, day (UTC), channel and metric: the sum of the gains of its series.

    Post series and the account series are kept apart (`account`), so that reads gained by
    posts and followers won by the account never mix."""

    __tablename__ = "rollup_channel_daily"

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[Moment] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    account: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    gain: Mapped[int] = mapped_column(BigInteger, default=0)


class BenchmarkCheckpoint(Base):
    """A post series' last value at or before a fixed age (hours since publication)."""

    __tablename__ = "benchmark_checkpoints"
    __table_args__ = (
        Index(
            "ix_benchmark_checkpoints_peers",
            "workspace_id",
            "channel_id",
            "metric",
            "age_hours",
            "published_at",
        ),
    )

    series_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    age_hours: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    post_id: Mapped[str] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[Moment]
    value: Mapped[int] = mapped_column(BigInteger)
    observed_at: Mapped[Moment]


class StatBatch(Base):
    """A stored batch (API call or CSV import) and what it did."""

    __tablename__ = "stat_batches"
    __table_args__ = (Index("ix_stat_batches_workspace_created", "workspace_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # api or csv
    points_received: Mapped[int] = mapped_column(Integer)
    points_stored: Mapped[int] = mapped_column(Integer)
    points_unchanged: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[Moment | None]
    period_end: Mapped[Moment | None]
    created_at: Mapped[Timestamp]


class InteractionCount(Base):
    """Comments counted from `interaction.received`, for platforms that report none."""

    __tablename__ = "interaction_counts"

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    post_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class InteractionSentiment(Base):
    """The sentiment of each interaction with text on one of our posts, from
    `interaction.received`: when it happened and on which platform (negative-spike alerts,
    the reports' sentiment counts). No member, no text: nothing personal."""

    __tablename__ = "interaction_sentiments"
    __table_args__ = (
        Index("ix_interaction_sentiments_post", "workspace_id", "post_id", "occurred_at"),
        Index("ix_interaction_sentiments_occurred", "workspace_id", "occurred_at"),
    )

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    interaction_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    post_id: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(32))
    sentiment: Mapped[str] = mapped_column(String(8))
    occurred_at: Mapped[Moment]


class Campaign(Base):
    """A campaign, as learned from `campaign.changed` (the newest change wins)."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_workspace_starts", "workspace_id", "starts_at"),)

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    objective: Mapped[str] = mapped_column(String(32))
    goals: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[Moment]
    ends_at: Mapped[Moment]
    channel_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget: Mapped[float | None] = mapped_column(Float, default=None)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_id: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(16))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[Moment]


class CampaignPost(Base):
    """A post of a campaign: the campaign's own list (`campaign.changed`, which replaces the
    rows it listed) or the post's snapshot (`post.published` with a `campaign_id`)."""

    __tablename__ = "campaign_posts"
    __table_args__ = (Index("ix_campaign_posts_post", "workspace_id", "post_id"),)

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    post_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    via: Mapped[str] = mapped_column(String(16))  # "campaign" or "post"


class TrackedLink(Base):
    """A tracked short link, as learned from `link.created`."""

    __tablename__ = "tracked_links"

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    post_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(32))
    campaign_id: Mapped[str | None] = mapped_column(String(64), default=None)
    target_url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Moment]


class LinkClick(Base):
    """One follow of a tracked link (`link.clicked`), kept once per click id."""

    __tablename__ = "link_clicks"
    __table_args__ = (
        Index("ix_link_clicks_post_channel", "workspace_id", "post_id", "channel_id", "clicked_at"),
    )

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    click_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    post_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[str | None] = mapped_column(String(64), default=None)
    clicked_at: Mapped[Moment]


class Conversion(Base):
    """A conversion the brand's shop or site reported, attributed to a post and channel
    (tracked link code) or to a channel and campaign (UTM parameters).

    `value_cents` is the value in hundredths of `currency` (exact, on both databases)."""

    __tablename__ = "conversions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "conversion_id"),
        Index("ix_conversions_workspace_campaign", "workspace_id", "campaign_id"),
        Index("ix_conversions_workspace_post", "workspace_id", "post_id"),
        Index("ix_conversions_workspace_occurred", "workspace_id", "occurred_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    conversion_id: Mapped[str | None] = mapped_column(String(200), default=None)
    request_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    value_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[Moment]
    code: Mapped[str | None] = mapped_column(String(64), default=None)
    post_id: Mapped[str | None] = mapped_column(String(64), default=None)
    channel_id: Mapped[str | None] = mapped_column(String(64), default=None)
    platform: Mapped[str | None] = mapped_column(String(32), default=None)
    campaign_id: Mapped[str | None] = mapped_column(String(64), default=None)
    utm: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[Timestamp]


class RaisedAlert(Base):
    """An alert already raised (`alert.raised`), while it lasts: raised again only after it
    cleared (its row is deleted then)."""

    __tablename__ = "raised_alerts"

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    alert_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    raised_at: Mapped[Moment]


class AlertCheckDue(Base):
    """A workspace whose figures changed since its alerts were last checked: one row per
    stored batch, written in the batch's transaction and deleted by the check that saw it
    (`alerts.raising`), so that a check is never lost to a restart."""

    __tablename__ = "alert_checks_due"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
