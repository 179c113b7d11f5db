"""The topics of Mediaops: who produces them, who consumes them, and what they carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from event_contracts.errors import InvalidEvent
from event_contracts.payloads import (
    CampaignChangedV1,
    ChannelChangedV1,
    CommentsCollectedV1,
    DistributionFailedV1,
    DistributionSucceededV1,
    FiguresCollectedV1,
    InboxAnswerRequestedV1,
    InboxAnswerSettledV1,
    InteractionReceivedV1,
    LinkClickedV1,
    LinkCreatedV1,
    MemberErasedV1,
    PlatformFollowerChangedV1,
    PlatformMessageReceivedV1,
    PostChannelRevisedV1,
    PostPublishedV1,
    SegmentTagRequestedV1,
    StatsIngestedV1,
    WordlistChangedV1,
)
from event_contracts.webhooks import WebhookSubscriptionDisabledV1
from event_contracts.workflow import (
    AlertRaisedV1,
    DistributionManualWaitingV1,
    InboxItemAssignedV1,
    PostReviewChangedV1,
)

if TYPE_CHECKING:
    from event_contracts.envelope import CloudEvent

PARTITIONS = 3


@dataclass(frozen=True)
class Topic:
    """One Kafka topic and its contract.

    `key` names the payload field whose value is the message key, so that the events of one
    aggregate (a post, a member, a batch) stay in order on one partition.
    """

    name: str
    version: int
    payload_model: type[BaseModel]
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    partitions: int
    key: str
    description: str
    example: dict[str, Any] = field(compare=False)


TOPICS: tuple[Topic, ...] = (
    Topic(
        name="post.published",
        version=1,
        payload_model=PostPublishedV1,
        producers=("content-svc",),
        consumers=("channel-svc", "metrics-svc"),
        partitions=PARTITIONS,
        key="post_id",
        description=(
            "A post was released (now or at its scheduled time) to a set of channels; "
            "carries the post snapshot, and its variant for each channel that has one. A "
            "published post sent to more channels later makes one more event, of the same "
            "version, naming only the new channels (`published_at`: when they were added)."
        ),
        example={
            "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "version": 3,
            "title": "春季新品发布会回顾",
            "body_markdown": "# 春季新品发布会回顾\n\n感谢大家的参与！",
            "body_html": "<h1>春季新品发布会回顾</h1>\n<p>感谢大家的参与！</p>",
            "summary": "一文看懂本次发布会的三大亮点。",
            "cover_url": "https://cdn.example.com/covers/spring-launch.jpg",
            "media": [
                {
                    "media_id": "0b6f3a52-5a8e-4c1e-9d0e-2f4d9b1c7a11",
                    "kind": "image",
                    "content_type": "image/jpeg",
                    "width": 1080,
                    "height": 1440,
                    "duration_seconds": None,
                    "size_bytes": 482113,
                    "sha256": "9f2c4be1a0d35e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f",
                    "url": "https://mediaops.example.com/api/v1/media/"
                    "0b6f3a52-5a8e-4c1e-9d0e-2f4d9b1c7a11/file?variant=original"
                    "&expires=1742522400&signature=5c1d...",
                    "url_expires_at": "2025-03-21T02:00:00Z",
                }
            ],
            "tags": ["新品", "发布会"],
            "keywords": ["春季", "新品"],
            "channel_ids": [
                "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
                "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
            ],
            "author_id": "7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f",
            "published_at": "2025-03-18T02:00:00Z",
            "channel_options": {
                "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d": {"mode": "mass_send", "segment_id": None}
            },
            "variants": {
                "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9": {
                    "title": "发布会三大亮点",
                    "summary": None,
                    "body_markdown": "三大亮点，一图看懂！",
                    "body_html": "<p>三大亮点，一图看懂！</p>",
                    "tags": ["新品"],
                    "media": [],
                }
            },
        },
    ),
    Topic(
        name="distribution.succeeded",
        version=1,
        payload_model=DistributionSucceededV1,
        producers=("channel-svc",),
        consumers=("content-svc", "metrics-svc", "gateway"),
        partitions=PARTITIONS,
        key="post_id",
        description="One post reached one channel; carries the platform's id and url (and, "
        "for a copy an operator posted by hand earlier, when it went live).",
        example={
            "distribution_id": "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7",
            "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
            "channel_id": "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "platform": "wechat",
            "external_id": "2247483921_1",
            "url": "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOp",
            "attempts": 1,
            "succeeded_at": "2025-03-18T02:00:07Z",
        },
    ),
    Topic(
        name="distribution.failed",
        version=1,
        payload_model=DistributionFailedV1,
        producers=("channel-svc",),
        # metrics-svc needs only where a post did reach (distribution.succeeded); the
        # gateway notifies operators and streams it live.
        consumers=("content-svc", "gateway"),
        partitions=PARTITIONS,
        key="post_id",
        description="One post could not reach one channel; carries the reasons, and "
        "whether the channel needs new credentials first (`needs_reauth`).",
        example={
            "distribution_id": "4f5a6b7c-8d9e-4f0a-b1c2-d3e4f5a6b7c8",
            "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
            "channel_id": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "platform": "weibo",
            "reasons": [
                {
                    "code": "sensitive_word",
                    "message": "正文包含敏感词“内幕”",
                    "position": 42,
                },
                {"code": "too_long", "message": "正文超过 2000 字限制", "position": None},
            ],
            "attempts": 1,
            "failed_at": "2025-03-18T02:00:05Z",
            "retryable": False,
            "needs_reauth": False,
        },
    ),
    Topic(
        name="interaction.received",
        version=1,
        payload_model=InteractionReceivedV1,
        producers=("user-svc",),
        # channel-svc: for the workspace's webhook subscriptions.
        consumers=("content-svc", "metrics-svc", "gateway", "channel-svc"),
        partitions=PARTITIONS,
        key="member_id",
        description=(
            "A community member commented, replied, messaged, mentioned, liked, shared, "
            "followed or unfollowed; a text carries its sentiment."
        ),
        example={
            "interaction_id": "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "member_id": "8d9e0f1a-2b3c-4d4e-8f5a-6b7c8d9e0f1a",
            "platform": "weibo",
            "kind": "comment",
            "text": "请问新品什么时候在线上开售？",
            "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
            "external_id": "4987654321098765",
            "is_question": True,
            "occurred_at": "2025-03-18T03:12:45Z",
            "sentiment": "neutral",
        },
    ),
    Topic(
        name="member.erased",
        version=1,
        payload_model=MemberErasedV1,
        producers=("user-svc",),
        # metrics-svc keeps only per-post counts of comments, nothing of a member.
        # channel-svc: forwards it to webhook subscriptions, and deletes the member's
        # interactions from their delivery logs.
        consumers=("content-svc", "channel-svc"),
        partitions=PARTITIONS,
        key="member_id",
        description=(
            "A community member's personal data was erased on request (PIPL); carries the "
            "member's ids (never the data), and every subscriber deletes what it holds of "
            "them: content-svc their questions and their share of user-need ideas."
        ),
        example={
            "member_id": "8d9e0f1a-2b3c-4d4e-8f5a-6b7c8d9e0f1a",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "merged_member_ids": ["2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"],
            "erased_at": "2025-03-20T08:00:00Z",
        },
    ),
    Topic(
        name="stats.ingested",
        version=1,
        payload_model=StatsIngestedV1,
        producers=("metrics-svc",),
        # channel-svc: for the workspace's webhook subscriptions.
        consumers=("content-svc", "channel-svc"),
        partitions=PARTITIONS,
        key="batch_id",
        description=(
            "A batch of platform figures was stored; carries the batch summary and the "
            "posts it touched."
        ),
        example={
            "batch_id": "a0b1c2d3-e4f5-4a6b-8c7d-8e9f0a1b2c3d",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "points_received": 120,
            "points_stored": 118,
            "period_start": "2025-03-18T00:00:00Z",
            "period_end": "2025-03-19T00:00:00Z",
            "post_ids": ["0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01"],
            "channel_ids": ["9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d"],
            "post_totals": [
                {
                    "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
                    "totals": {"reads": 15230, "likes": 842, "comments": 96, "shares": 57},
                    "verdict": "outperforming",
                }
            ],
        },
    ),
    Topic(
        name="platform.figures.collected",
        version=1,
        payload_model=FiguresCollectedV1,
        producers=("channel-svc",),
        consumers=("metrics-svc",),
        partitions=PARTITIONS,
        key="channel_id",
        description=(
            "channel-svc pulled a channel's figures from its platform (WeChat datacube, "
            "Weibo counts): per post and for the account; metrics-svc stores them as "
            "`POST /stats` would, so that pulling again changes nothing."
        ),
        example={
            "collection_id": "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f70",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "channel_id": "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            "platform": "wechat",
            "source": "wechat_datacube",
            "collected_at": "2025-03-20T01:00:00Z",
            "figures": [
                {
                    "metric": "int_page_read_count",
                    "value": 15230,
                    "observed_at": "2025-03-19T15:59:59Z",
                    "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
                    "external_id": "2247483921_1",
                    "daily": False,
                    "went_out_day_start": "2025-03-17T16:00:00Z",
                },
                {
                    "metric": "cumulate_user",
                    "value": 48210,
                    "observed_at": "2025-03-19T15:59:59Z",
                    "post_id": None,
                    "external_id": None,
                    "daily": False,
                },
                {
                    "metric": "new_user",
                    "value": 132,
                    "observed_at": "2025-03-19T15:59:59Z",
                    "post_id": None,
                    "external_id": None,
                    "daily": True,
                },
            ],
            "chunk": 1,
            "chunks": 1,
        },
    ),
    Topic(
        name="channel.changed",
        version=1,
        payload_model=ChannelChangedV1,
        producers=("channel-svc",),
        consumers=("content-svc", "metrics-svc"),
        partitions=PARTITIONS,
        key="channel_id",
        description=(
            "A channel was created, changed or deleted; content-svc keeps a local copy of "
            "a workspace's channels."
        ),
        example={
            "channel_id": "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "platform": "wechat",
            "name": "品牌官方公众号",
            "status": "active",
            "deleted": False,
            "changed_at": "2025-03-01T09:30:00Z",
        },
    ),
    Topic(
        name="wordlist.changed",
        version=1,
        payload_model=WordlistChangedV1,
        producers=("content-svc",),
        consumers=("channel-svc",),
        partitions=PARTITIONS,
        key="wordlist_id",
        description=(
            "A workspace's sensitive-word list was created, changed or deleted; carries "
            "the whole list."
        ),
        example={
            "wordlist_id": "c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "name": "品牌敏感词",
            "deleted": False,
            "words": [
                {"word": "内幕", "category": "rumor"},
                {"word": "最便宜", "category": "advertising_law"},
            ],
            "changed_at": "2025-03-10T06:00:00Z",
        },
    ),
    Topic(
        name="campaign.changed",
        version=1,
        payload_model=CampaignChangedV1,
        producers=("content-svc",),
        consumers=("metrics-svc", "channel-svc"),
        partitions=PARTITIONS,
        key="campaign_id",
        description=(
            "A campaign was created, changed or deleted; carries the whole campaign with "
            "its goals and posts, so metrics-svc can report progress against the goals."
        ),
        example={
            "campaign_id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "name": "双十一新品发布",
            "objective": "conversions",
            "goals": {"reads": 50000, "follows_gained": 2000, "conversions": 300},
            "starts_at": "2025-11-01T00:00:00Z",
            "ends_at": "2025-11-12T00:00:00Z",
            "channel_ids": ["9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d"],
            "post_ids": ["0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01"],
            "budget": 20000.0,
            "currency": "CNY",
            "tags": ["双十一", "新品"],
            "owner_id": "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
            "status": "running",
            "deleted": False,
            "changed_at": "2025-11-01T08:00:00Z",
        },
    ),
    Topic(
        name="link.created",
        version=1,
        payload_model=LinkCreatedV1,
        producers=("channel-svc",),
        consumers=("metrics-svc",),
        partitions=PARTITIONS,
        key="post_id",
        description=(
            "A link in a post was replaced by a tracked short link for one channel; "
            "metrics-svc resolves conversions reported with the code."
        ),
        example={
            "code": "k3J9xQ",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
            "channel_id": "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            "platform": "weibo",
            "campaign_id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
            "target_url": "https://shop.example.com/新品",
            "created_at": "2025-11-01T08:05:00Z",
        },
    ),
    Topic(
        name="link.clicked",
        version=1,
        payload_model=LinkClickedV1,
        producers=("channel-svc",),
        consumers=("metrics-svc",),
        partitions=PARTITIONS,
        key="post_id",
        description="Someone followed a tracked link; metrics-svc counts it as a click.",
        example={
            "click_id": "3f2e1d0c-9b8a-4765-8432-10fedcba9876",
            "code": "k3J9xQ",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
            "channel_id": "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            "platform": "weibo",
            "campaign_id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
            "clicked_at": "2025-11-02T12:30:00Z",
        },
    ),
    Topic(
        name="platform.message.received",
        version=1,
        payload_model=PlatformMessageReceivedV1,
        producers=("channel-svc",),
        consumers=("user-svc",),
        partitions=PARTITIONS,
        key="openid",
        description="A follower wrote to an official account (text, image, voice) or "
        "clicked its menu, as the platform's callback pushed it; user-svc records it as an "
        "interaction of the member with that openid (created on first sight).",
        example={
            "message_id": "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "channel_id": "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            "platform": "wechat",
            "openid": "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
            "msg_type": "text",
            "text": "文案",
            "media_id": None,
            "external_id": "6054768590064713728",
            "occurred_at": "2025-03-18T02:14:28Z",
        },
    ),
    Topic(
        name="platform.follower.changed",
        version=1,
        payload_model=PlatformFollowerChangedV1,
        producers=("channel-svc",),
        consumers=("user-svc", "metrics-svc"),
        partitions=PARTITIONS,
        key="openid",
        description="A follower subscribed to or unsubscribed from an official account; "
        "user-svc records the follow (or unfollow) on the member with that openid, and "
        "metrics-svc moves the account's follower figures by one at once.",
        example={
            "event_id": "7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "channel_id": "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            "platform": "wechat",
            "openid": "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
            "followed": True,
            "scene": "spring_launch",
            "external_id": "subscribe:oyORnuP8q7ou2gfYjqLzSIWZf0rs:1742264068",
            "occurred_at": "2025-03-18T02:14:28Z",
        },
    ),
    Topic(
        name="platform.comments.collected",
        version=1,
        payload_model=CommentsCollectedV1,
        producers=("channel-svc",),
        consumers=("user-svc",),
        partitions=PARTITIONS,
        key="channel_id",
        description="channel-svc pulled readers' comments on a channel's statuses (Weibo, "
        "newer than the last pulled); user-svc records each as an interaction of the "
        "reader's member (created on first sight), answerable from the inbox; pulling "
        "again changes nothing.",
        example={
            "collection_id": "8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "channel_id": "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            "platform": "weibo",
            "collected_at": "2025-03-20T01:00:00Z",
            "comments": [
                {
                    "external_id": "4900000000000123",
                    "status_id": "4900000000000042",
                    "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
                    "author_id": "1900000001",
                    "author_name": "小红",
                    "text": "这款什么时候上市？",
                    "reply_to_id": None,
                    "occurred_at": "2025-03-19T12:30:00Z",
                }
            ],
            "chunk": 1,
            "chunks": 1,
        },
    ),
    Topic(
        name="inbox.answer.requested",
        version=1,
        payload_model=InboxAnswerRequestedV1,
        producers=("user-svc",),
        consumers=("channel-svc",),
        partitions=PARTITIONS,
        key="answer_id",
        description="An operator answered an inbox item (or retried a failed answer); "
        "channel-svc sends it through the channel's credentials at most once per answer "
        "and attempt, and tells the outcome on inbox.answer.settled.",
        example={
            "answer_id": "8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f",
            "attempt": 1,
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "item_id": "1f2a3b4c-5d6e-4f7a-8b9c-0d1e2f3a4b5c",
            "channel_id": "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            "platform": "wechat",
            "recipient_id": "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
            "status_id": None,
            "text": "资料包已发送到您的邮箱，请查收。",
            "requested_at": "2025-03-18T02:20:00Z",
        },
    ),
    Topic(
        name="inbox.answer.settled",
        version=1,
        payload_model=InboxAnswerSettledV1,
        producers=("channel-svc",),
        consumers=("user-svc",),
        partitions=PARTITIONS,
        key="answer_id",
        description="channel-svc sent an inbox answer to the platform or could not (with "
        "a plain reason); user-svc shows the answer as sent or failed.",
        example={
            "answer_id": "8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f",
            "attempt": 1,
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "outcome": "failed",
            "reason": "WeChat allows answers only within 48 hours of the follower's last "
            "message (or the follower unsubscribed).",
            "error_code": "45015",
            "platform_message_id": None,
            "settled_at": "2025-03-18T02:20:01Z",
        },
    ),
    Topic(
        name="segment.tag.requested",
        version=1,
        payload_model=SegmentTagRequestedV1,
        producers=("user-svc",),
        consumers=("channel-svc",),
        partitions=PARTITIONS,
        key="segment_id",
        description="A segment's members with an openid on a WeChat account, in chunks of "
        "at most 500, to be tagged there (the tag a mass send to the segment goes to).",
        example={
            "request_id": "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "segment_id": "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e",
            "segment_name": "活跃粉丝",
            "channel_id": "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            "openids": ["oyORnuP8q7ou2gfYjqLzSIWZf0rs"],
            "chunk": 1,
            "chunks": 1,
            "requested_at": "2025-03-18T02:30:00Z",
        },
    ),
    Topic(
        name="post.channel.revised",
        version=1,
        payload_model=PostChannelRevisedV1,
        producers=("content-svc",),
        consumers=("channel-svc",),
        partitions=PARTITIONS,
        key="post_id",
        description=(
            "A published post changed on a channel still waiting for its posting-queue "
            "slot (its variant there written or removed): channel-svc replaces the content "
            "of that channel's distribution, unless it has reached the platform."
        ),
        example={
            "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "channel_id": "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            "occurrence": 0,
            "content": {
                "title": "春季新品发布会回顾（微博版）",
                "summary": None,
                "body_markdown": "发布会**三大亮点**",
                "body_html": "<p>发布会<strong>三大亮点</strong></p>",
                "tags": ["新品"],
                "media": [],
            },
            "revised_at": "2025-03-18T04:00:00Z",
        },
    ),
    Topic(
        name="post.review.changed",
        version=1,
        payload_model=PostReviewChangedV1,
        producers=("content-svc",),
        consumers=("gateway", "channel-svc"),  # channel-svc: for webhook subscriptions
        partitions=PARTITIONS,
        key="post_id",
        description=(
            "A post arrived in review (submitted, or edited after approval), was sent back "
            "with changes requested, or was approved; the gateway tells the reviewers or "
            "the author."
        ),
        example={
            "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "title": "春季新品发布会回顾",
            "version": 3,
            "author_id": "7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f",
            "actor_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
            "action": "changes_requested",
            "comment": "标题再短一些",
            "changed_at": "2025-03-17T09:30:00Z",
        },
    ),
    Topic(
        name="distribution.manual.waiting",
        version=1,
        payload_model=DistributionManualWaitingV1,
        producers=("channel-svc",),
        consumers=("gateway",),
        partitions=PARTITIONS,
        key="post_id",
        description=(
            "A post is for a channel channel-svc does not post to itself (a manual "
            "platform): its copy-ready package waits for an operator to post it by hand "
            "and complete the distribution."
        ),
        example={
            "distribution_id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
            "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
            "channel_id": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "platform": "xiaohongshu",
            "title": "春季新品发布会回顾",
            "waiting_since": "2025-03-18T02:00:01Z",
        },
    ),
    Topic(
        name="inbox.item.assigned",
        version=1,
        payload_model=InboxItemAssignedV1,
        producers=("user-svc",),
        consumers=("gateway", "channel-svc"),  # channel-svc: for webhook subscriptions
        partitions=PARTITIONS,
        key="item_id",
        description="An open inbox item (a member's question or message) was given to an "
        "operator; the gateway tells them.",
        example={
            "item_id": "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "assignee_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
            "assigned_by": "7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f",
            "platform": "weibo",
            "excerpt": "请问新品什么时候在线上开售？",
            "assigned_at": "2025-03-18T03:15:00Z",
        },
    ),
    Topic(
        name="alert.raised",
        version=1,
        payload_model=AlertRaisedV1,
        producers=("metrics-svc",),
        consumers=("gateway", "channel-svc"),  # channel-svc: for webhook subscriptions
        partitions=PARTITIONS,
        key="alert_id",
        description=(
            "A new alert, found when figures came in (the alerts `GET /alerts` shows); a "
            "lasting alert is raised once, and again only after it cleared."
        ),
        example={
            "alert_id": "underperforming:9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d:0b6f3c1e",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "kind": "underperforming",
            "channel_id": "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            "channel_name": "品牌官方公众号",
            "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
            "title": "春季新品发布会回顾",
            "campaign_id": None,
            "message": "reads 3,000 at 48 h against a median of 6,000: 0.5, underperforming",
            "detected_at": "2025-03-20T02:00:00Z",
        },
    ),
    Topic(
        name="webhook.subscription.disabled",
        version=1,
        payload_model=WebhookSubscriptionDisabledV1,
        producers=("channel-svc",),
        # The gateway tells the workspace's owners; internal systems hear of it through
        # their own webhook subscriptions.
        consumers=("gateway",),
        partitions=PARTITIONS,
        key="subscription_id",
        description="channel-svc turned a webhook subscription off: a delivery to its URL "
        "used up its retries (about a day) with no success since the failures began. The "
        "notice for whoever watches the workspace's integrations.",
        example={
            "subscription_id": "3f2e1d0c-9b8a-4766-8554-433221100fed",
            "workspace_id": "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40",
            "url": "https://shop.example.com/hooks/mediaops",
            "reason": "8 attempts over 27 hours failed; the last: webhook answered 503 "
            "Service Unavailable",
            "failing_since": "2025-03-17T01:00:00Z",
            "delivery_id": "6e5d4c3b-2a19-4807-b6f5-e4d3c2b1a098",
            "disabled_at": "2025-03-18T04:00:05Z",
        },
    ),
)

_BY_NAME: dict[str, Topic] = {topic.name: topic for topic in TOPICS}
_BY_PAYLOAD: dict[type[BaseModel], Topic] = {topic.payload_model: topic for topic in TOPICS}


def topic_of(payload_model: type[BaseModel]) -> Topic:
    """The registered topic whose payload is `payload_model`; KeyError if there is none."""
    try:
        return _BY_PAYLOAD[payload_model]
    except KeyError:
        raise KeyError(f"no topic carries {payload_model.__name__}") from None


def get_topic(name: str) -> Topic:
    """The registered topic called `name`; KeyError if there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        raise KeyError(f"unknown topic {name!r}; known topics: {known}") from None


def dlq_topic(name: str) -> str:
    """The dead-letter topic of `name`: where consumers put messages they cannot apply."""
    return f"{name}.dlq"


def all_topic_names(include_dlq: bool = True) -> list[str]:
    """Every topic to create on the broker, optionally with the dead-letter topics."""
    names = [topic.name for topic in TOPICS]
    if include_dlq:
        names += [dlq_topic(name) for name in names]
    return names


def topics_consumed_by(service: str) -> list[Topic]:
    """The topics `service` (e.g. ``"content-svc"``) subscribes to."""
    return [topic for topic in TOPICS if service in topic.consumers]


def message_key(event: CloudEvent) -> bytes:
    """The Kafka message key of `event`: its topic's key field in `data`, UTF-8 encoded."""
    try:
        topic = get_topic(event.type)
    except KeyError as exc:
        raise InvalidEvent(str(exc.args[0])) from None
    value = event.data.get(topic.key)
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f"{event.type} event {event.id} has no {topic.key!r} to key it by")
    return value.encode("utf-8")
