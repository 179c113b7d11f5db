"""The subscribed topics: each event keeps a local copy up to date (`replicas/`).

The runner records each applied event id in the same transaction, so a redelivered event
changes nothing; `@handles` checks the payload (a wrong one is dead-lettered at once).
"""

from __future__ import annotations

from event_contracts import (
    CampaignChangedV1,
    ChannelChangedV1,
    DistributionSucceededV1,
    FiguresCollectedV1,
    InteractionReceivedV1,
    LinkClickedV1,
    LinkCreatedV1,
    PlatformFollowerChangedV1,
    PostPublishedV1,
)
from servicekit.events import handler_map, handles

from metrics_svc.ingestion.collected import apply_collected
from metrics_svc.ingestion.follows import count_follow
from metrics_svc.replicas import campaigns, channels, links, posts

HANDLERS = handler_map(
    handles(PostPublishedV1)(posts.record_post),
    handles(DistributionSucceededV1)(posts.record_distribution),
    handles(InteractionReceivedV1)(posts.count_interaction),
    handles(ChannelChangedV1)(channels.record_channel),
    handles(CampaignChangedV1)(campaigns.record_campaign),
    handles(LinkCreatedV1)(links.record_link),
    handles(LinkClickedV1)(links.count_click),
    handles(FiguresCollectedV1)(apply_collected),
    handles(PlatformFollowerChangedV1)(count_follow),
)
