"""What content-svc publishes, and as whom: every event it sends goes out through `emit`,
in the caller's transaction (topic, key and workspace come from the registry)."""

from __future__ import annotations

from event_contracts import (
    CampaignChangedV1,
    PostChannelRevisedV1,
    PostPublishedV1,
    PostReviewChangedV1,
    WordlistChangedV1,
)
from servicekit.events import Emitter

from content_svc.models import OutboxMessage

emit = Emitter(
    OutboxMessage,
    source="/content-svc",
    emits=(
        PostPublishedV1,
        PostChannelRevisedV1,
        WordlistChangedV1,
        CampaignChangedV1,
        PostReviewChangedV1,
    ),
)
