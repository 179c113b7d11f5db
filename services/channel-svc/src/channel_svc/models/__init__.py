"""channel-svc tables: channels (where posts go) and distributions (one post to one channel),
and the others of the service; the webhook subscriptions' in `webhooks.py`. Every table is
imported here, so that `Base.metadata` (migrations, tests) holds them all."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from servicekit.columns import Moment, RowId, Timestamp
from servicekit.consumer import ProcessedEventMixin
from servicekit.db import one_of
from servicekit.idempotency_store import IdempotencyKeyMixin
from servicekit.outbox import OutboxMessageMixin
from servicekit.problems import Invalid
from servicekit.tracing import current_traceparent
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from channel_svc.models.base import Base as Base
from channel_svc.models.webhooks import WebhookAttempt as WebhookAttempt
from channel_svc.models.webhooks import WebhookDelivery as WebhookDelivery
from channel_svc.models.webhooks import WebhookDeliveryStatus as WebhookDeliveryStatus
from channel_svc.models.webhooks import WebhookSubscription as WebhookSubscription

# The longest id another service's event may give a row (their columns are String(64)).
ID_MAX_LENGTH = 64


def refuse_long_ids(*ids: str) -> None:
    """An event naming an id no column can hold can never be applied."""
    if any(len(value) > ID_MAX_LENGTH for value in ids):
        raise Invalid(f"ids longer than {ID_MAX_LENGTH} characters cannot be stored")


class ChannelStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"
    DISABLED = "disabled"


class DistributionStatus(StrEnum):
    PENDING = "pending"  # due now (or at next_attempt_at, after a transient failure)
    SCHEDULED = "scheduled"  # waiting for the channel's posting window
    SENDING = "sending"  # claimed by a worker
    CONFIRMING = "confirming"  # accepted by the platform, its result not known yet
    DEFERRED = "deferred"  # the platform's quota or rate limit is spent: until it resets
    AWAITING_MANUAL = "awaiting_manual"  # a package waits for the operator to publish it
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TAKEN_DOWN = "taken_down"  # published, then deleted or banned by the platform


# Rows the delivery worker picks up when `next_attempt_at` is due.
DUE_STATUSES = (
    DistributionStatus.PENDING.value,
    DistributionStatus.SCHEDULED.value,
    DistributionStatus.DEFERRED.value,
    DistributionStatus.CONFIRMING.value,
)


class Channel(Base):
    """A place a workspace publishes to: a webhook today, a WeChat account or Weibo later."""

    __tablename__ = "channels"
    __table_args__ = (CheckConstraint(one_of("status", ChannelStatus), name="status"),)

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    # Platform settings that are not secret (the webhook URL); checked by the platform adapter.
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Fernet token of the secret; never leaves the service.
    secret_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(20), default=ChannelStatus.ACTIVE.value)
    # Why the channel is not active (e.g. the platform's answer that rejected the credentials).
    status_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # Signature appended to each post, default tags, posting windows, their time zone.
    signature: Mapped[str | None] = mapped_column(Text, default=None)
    default_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    posting_windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # Replace the links of each post by tracked short links: None follows the default (on
    # where the platform allows links, see `links.service.tracks_links`).
    track_links: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # Feed channels: the unguessable part of the public feed URL.
    feed_token: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)
    # The platform said the account's quota is spent (WeChat 45009, Weibo's hourly limit):
    # no call to it before this time, whichever replica sends and across restarts.
    quota_blocked_until: Mapped[Moment | None]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    deleted_at: Mapped[Moment | None]

    def quota_spent_until(self, now: datetime) -> datetime | None:
        """When the spent quota comes back, while it is still spent."""
        until = self.quota_blocked_until
        return until if until is not None and until > now else None


class Distribution(Base):
    """One published post on its way to one channel, with its attempts and outcome."""

    __tablename__ = "distributions"
    __table_args__ = (
        UniqueConstraint("post_id", "channel_id", "occurrence"),
        CheckConstraint(one_of("status", DistributionStatus), name="status"),
        # The delivery worker's query: due pending rows in order.
        Index("ix_distributions_status_next_attempt_at", "status", "next_attempt_at"),
        # The watch after success: published posts still to be checked.
        Index("ix_distributions_next_check_at", "next_check_at"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    # Looked up through the unique (post_id, channel_id, occurrence) index.
    post_id: Mapped[str] = mapped_column(String(64))
    # Not a foreign key: the id comes from the post's snapshot and may name no channel.
    channel_id: Mapped[str] = mapped_column(String(64), index=True)
    # 0 for the post's publication; n for the n-th occurrence of a recurring post.
    occurrence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    platform: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default=DistributionStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[Moment | None]
    # The last failure in words an operator understands, and its machine-readable code.
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    # The post.published payload, as published: what is sent, whatever the post is now.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    # When `post.channel.revised` last replaced the snapshot's content (the channel was
    # still waiting for its queue slot); None: as published.
    revised_at: Mapped[Moment | None]
    # The post as rendered for the platform (a manual hand-off's copy-ready package).
    rendered: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # Every reason a pre-publish check refused the post: [{code, message, field, position}].
    violations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # What an adapter has already done on the platform (draft media_id, publish_id...),
    # written before the next step so that a restart resumes instead of sending again.
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # While `sending`: the worker (one per process) holding the row, until the lease runs
    # out. The holder renews it; a row whose lease ran out lost its worker (killed), and
    # any replica takes it back, resuming from `progress`.
    claimed_by: Mapped[str | None] = mapped_column(String(36), default=None)
    lease_until: Mapped[Moment | None]
    # The trace of the post.published event that made it (W3C traceparent), so that its
    # delivery and the outcome event continue the same trace.
    traceparent: Mapped[str | None] = mapped_column(
        String(55), default=lambda: current_traceparent()
    )
    # After success, the platform is checked again until this time (deleted or banned?).
    watch_until: Mapped[Moment | None]
    next_check_at: Mapped[Moment | None]
    checks: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class ReplicaMixin:
    """The columns of a row copied from another service's events (see `replicas/`)."""

    if TYPE_CHECKING:  # the declarative base supplies the keyword constructor

        def __init__(self, **kwargs: Any) -> None: ...

    # The other service's id.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The newest change applied; an older event arriving late changes nothing.
    changed_at: Mapped[Moment]


class Wordlist(ReplicaMixin, Base):
    """A workspace's word list, copied from content-svc's `wordlist.changed` events."""

    __tablename__ = "wordlists"

    # [{"word": ..., "category": ...}]
    words: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class Campaign(ReplicaMixin, Base):
    """A workspace's campaign, copied from content-svc's `campaign.changed` events: its
    name goes into `utm_campaign`, and a deleted campaign's links stop redirecting."""

    __tablename__ = "campaigns"

    status: Mapped[str] = mapped_column(String(20))


class TrackedLink(Base):
    """A link of a post, replaced for one channel by the short link `/l/{code}`."""

    __tablename__ = "tracked_links"
    __table_args__ = (
        # One code per target of a post on a channel: a retry reuses it.
        UniqueConstraint("post_id", "channel_id", "target_hash"),
        Index("ix_tracked_links_workspace_id_created_at", "workspace_id", "created_at"),
    )

    id: Mapped[RowId]
    code: Mapped[str] = mapped_column(String(16), unique=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    post_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    campaign_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    target_url: Mapped[str] = mapped_column(Text)
    # sha256 of the target: URLs may be longer than an index entry allows.
    target_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Timestamp]


class Click(Base):
    """One follow of a tracked link (nothing about the reader is kept)."""

    __tablename__ = "clicks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    link_id: Mapped[str] = mapped_column(String(36), index=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    clicked_at: Mapped[Moment]


class SendWindow(Base):
    """The sends of the last minute under one rate limit (`platform:<key>` or
    `channel:<id>`), shared by every replica (see `distributions.limits`)."""

    __tablename__ = "send_windows"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    # Unix times of the sends within the last minute, oldest first; at most the limit's
    # rate of them, so the row stays small.
    sent: Mapped[list[float]] = mapped_column(JSON, default=list)


class ChannelSync(Base):
    """The figures collector of one channel (WeChat official account, Weibo): when it ran,
    when it runs next, what went wrong last. Made when the channel is connected, with a
    first run due at once (the backfill of the last days)."""

    __tablename__ = "channel_syncs"

    channel_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    next_run_at: Mapped[Moment] = mapped_column(index=True)
    last_run_at: Mapped[Moment | None]
    last_success_at: Mapped[Moment | None]
    # The last run's failure in words, and its code (`wechat_45009`); None after a success.
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    # Runs failed in a row (transient failures back off on it).
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # The latest day (the platform's, Beijing for WeChat) whose figures were collected.
    collected_through: Mapped[date | None] = mapped_column(Date, default=None)
    figures_last_run: Mapped[int] = mapped_column(Integer, default=0)
    # Weibo: every readers' comment up to this id was pulled; a burst more than a run reads
    # goes on below `comments_backlog_max_id`, and its newest then becomes the `since`.
    comments_since_id: Mapped[str | None] = mapped_column(String(32), default=None)
    comments_backlog_max_id: Mapped[str | None] = mapped_column(String(32), default=None)
    comments_backlog_newest_id: Mapped[str | None] = mapped_column(String(32), default=None)
    comments_last_run: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # WeChat: the days of a backfill an operator asked for still to pull, newest first
    # (None: none pending), and the Beijing day its last portion was pulled (one a day).
    backfill_from: Mapped[date | None] = mapped_column(Date, default=None)
    backfill_until: Mapped[date | None] = mapped_column(Date, default=None)
    backfill_portion_on: Mapped[date | None] = mapped_column(Date, default=None)
    # A replica running the collection holds it until then (a killed one lets it go).
    lease_until: Mapped[Moment | None]
    created_at: Mapped[Timestamp]


class AnswerSend(Base):
    """The ledger of inbox answers sent for user-svc: one row per answer and attempt,
    written before the platform is asked, so a redelivered request sends nothing and an
    answer once sent is never sent again (a retry of a failed one is its next attempt)."""

    __tablename__ = "answer_sends"

    answer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    attempt: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(36))
    # sending (being asked now), sent or failed
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    platform_message_id: Mapped[str | None] = mapped_column(String(100), default=None)
    created_at: Mapped[Timestamp]


# -- WeChat's message callback and keyword auto-replies ------------------------------------


class CallbackMode(StrEnum):
    PLAIN = "plain"  # WeChat's 明文模式: signed, not encrypted
    SAFE = "safe"  # 安全模式: AES-encrypted, signed with `msg_signature`


class CallbackSettings(Base):
    """Where WeChat pushes one channel's messages (`/callbacks/wechat/{token}`) and the
    server configuration they are signed and sealed with."""

    __tablename__ = "callback_settings"
    __table_args__ = (CheckConstraint(one_of("mode", CallbackMode), name="mode"),)

    channel_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    # The unguessable part of the public URL.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    mode: Mapped[str] = mapped_column(String(8))
    # The account's original id (`gh_...`): the sender of passive replies.
    original_id: Mapped[str] = mapped_column(String(64))
    # The account's AppID (the end of every sealed message); not secret.
    appid: Mapped[str] = mapped_column(String(64))
    # Fernet token of {"token", "encoding_aes_key"}; never leaves the service.
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class CallbackMessage(Base):
    """One message or event WeChat pushed, kept once: WeChat sends it again when it gets
    no answer within 5 s, and the unique key makes the retry change nothing (it is written
    in the same transaction as the message's effects)."""

    __tablename__ = "callback_messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "dedupe_key"),
        Index("ix_callback_messages_workspace_id_received_at", "workspace_id", "received_at"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(36))
    # `MsgId` for messages; events: `FromUserName` + `CreateTime` (+ the event's name).
    dedupe_key: Mapped[str] = mapped_column(String(300))
    msg_type: Mapped[str] = mapped_column(String(32))
    event: Mapped[str | None] = mapped_column(String(64), default=None)
    from_user: Mapped[str] = mapped_column(String(200))
    # The message's fields as WeChat sent them (MASSSENDJOBFINISH's counts, for instance).
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[Timestamp]


class CallbackNonce(Base):
    """A signed request already accepted: the same timestamp, nonce and signature again
    is a replay. Rows older than the accepted clock skew can go (nothing that old passes)."""

    __tablename__ = "callback_nonces"

    channel_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    timestamp: Mapped[int] = mapped_column(Integer, primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    signature: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[Timestamp] = mapped_column(index=True)


class AutoReplyTrigger(StrEnum):
    KEYWORD = "keyword"
    SUBSCRIBE = "subscribe"  # the greeting of a new follower
    DEFAULT = "default"  # a message no keyword matched


class AutoReply(Base):
    """A passive reply WeChat gets within its 5 s: to a keyword, a subscription, or any
    other message."""

    __tablename__ = "autoreplies"
    __table_args__ = (
        CheckConstraint(one_of("trigger", AutoReplyTrigger), name="trigger"),
        Index("ix_autoreplies_channel_id_trigger", "channel_id", "trigger"),
        Index("ix_autoreplies_workspace_id_created_at", "workspace_id", "created_at", "id"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(36))
    trigger: Mapped[str] = mapped_column(String(16))
    # Keyword rules: `exact` or `contains`, and the keyword.
    match: Mapped[str | None] = mapped_column(String(16), default=None)
    keyword: Mapped[str | None] = mapped_column(String(60), default=None)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # {"kind": "text", "text"} | {"kind": "image", "media_id"} | {"kind": "article", ...}
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class WechatTag(Base):
    """A user-svc segment made a tag of a WeChat account: a mass send to the segment goes
    to this tag. Created once per (channel, segment); a resync tags the new members."""

    __tablename__ = "wechat_tags"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    segment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    segment_name: Mapped[str] = mapped_column(String(200))
    tag_name: Mapped[str] = mapped_column(String(64))
    # WeChat's id of the tag, once it was created.
    tag_id: Mapped[int | None] = mapped_column(Integer, default=None)
    members_tagged: Mapped[int] = mapped_column(Integer, default=0)
    last_synced_at: Mapped[Moment | None] = mapped_column(default=None)
    # The last sync's failure in words, and its code (e.g. wechat_45059); None when it went.
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class WechatTagMember(Base):
    """A follower tagged with a segment's tag (so that a resync skips them)."""

    __tablename__ = "wechat_tag_members"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    segment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    openid: Mapped[str] = mapped_column(String(200), primary_key=True)
    tagged_at: Mapped[Timestamp]


class OutboxMessage(OutboxMessageMixin, Base): ...


class ProcessedEvent(ProcessedEventMixin, Base): ...


class IdempotencyKey(IdempotencyKeyMixin, Base): ...
