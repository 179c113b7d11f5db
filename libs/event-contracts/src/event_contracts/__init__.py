"""Mediaops event contracts: CloudEvents envelope, payload models and the topic registry.

Internal subscribers can install this package on its own; it depends only on pydantic.
"""

from event_contracts.envelope import MAX_EVENT_BYTES, CloudEvent
from event_contracts.errors import InvalidEvent
from event_contracts.payloads import (
    CampaignChangedV1,
    ChannelChangedV1,
    DistributionFailedV1,
    DistributionSucceededV1,
    FailureReason,
    InteractionKind,
    InteractionReceivedV1,
    LinkClickedV1,
    LinkCreatedV1,
    ListedWord,
    MemberErasedV1,
    Payload,
    PlatformFollowerChangedV1,
    PlatformMessageReceivedV1,
    PostPublishedV1,
    PostTotals,
    StatsIngestedV1,
    UtcDatetime,
    WordlistChangedV1,
)
from event_contracts.registry import (
    TOPICS,
    Topic,
    all_topic_names,
    dlq_topic,
    get_topic,
    message_key,
    topic_of,
    topics_consumed_by,
)
from event_contracts.schemas import asyncapi_document, json_schema_for

__all__ = [
    "MAX_EVENT_BYTES",
    "TOPICS",
    "CampaignChangedV1",
    "ChannelChangedV1",
    "CloudEvent",
    "DistributionFailedV1",
    "DistributionSucceededV1",
    "FailureReason",
    "InteractionKind",
    "InteractionReceivedV1",
    "LinkClickedV1",
    "LinkCreatedV1",
    "InvalidEvent",
    "ListedWord",
    "MemberErasedV1",
    "Payload",
    "PlatformFollowerChangedV1",
    "PlatformMessageReceivedV1",
    "PostPublishedV1",
    "PostTotals",
    "StatsIngestedV1",
    "Topic",
    "UtcDatetime",
    "WordlistChangedV1",
    "all_topic_names",
    "asyncapi_document",
    "dlq_topic",
    "get_topic",
    "topic_of",
    "json_schema_for",
    "message_key",
    "topics_consumed_by",
]
