"""content-svc tables: sources and ideas (collection), posts with their revisions, history
and review settings (production), campaigns, word lists, the media library, the posting
queue, and the local copies of other services' data. One module per area; every table is
imported here, so that `Base.metadata` (migrations, tests) holds them all."""

from content_svc.models.base import (
    BODY_MAX,
    DEFAULT_TIME_ZONE,
    SUMMARY_MAX,
    TITLE_MAX,
    URL_MAX,
    Base,
    DeliveryStatus,
    PostStatus,
)
from content_svc.models.collection import (
    Campaign,
    ErasedMember,
    Idea,
    MemberQuestion,
    Source,
    Wordlist,
)
from content_svc.models.events import IdempotencyKey, OutboxMessage, ProcessedEvent
from content_svc.models.media import MediaItem, PostMedia
from content_svc.models.posts import (
    KnownChannel,
    Post,
    PostChannel,
    PostRecurrence,
    PostRevision,
    PostTransition,
    PostVariant,
    PostVariantMedia,
    ReviewSettings,
)
from content_svc.models.queue import QueuedPost, QueueSlot

__all__ = [
    "TITLE_MAX",
    "BODY_MAX",
    "SUMMARY_MAX",
    "URL_MAX",
    "DEFAULT_TIME_ZONE",
    "Base",
    "PostStatus",
    "DeliveryStatus",
    "Post",
    "PostChannel",
    "KnownChannel",
    "PostRevision",
    "PostTransition",
    "ReviewSettings",
    "PostVariant",
    "PostVariantMedia",
    "PostRecurrence",
    "Source",
    "Idea",
    "Campaign",
    "MemberQuestion",
    "ErasedMember",
    "Wordlist",
    "QueueSlot",
    "QueuedPost",
    "MediaItem",
    "PostMedia",
    "IdempotencyKey",
    "OutboxMessage",
    "ProcessedEvent",
]
