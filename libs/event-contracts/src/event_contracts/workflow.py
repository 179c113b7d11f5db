"""Version 1 payloads of the steps that wait for an operator: a post's review moved, a
distribution waits to be posted by hand, an inbox item was given to someone. The gateway
turns them into notifications (mail, group robots) and live updates; the same
compatibility policy as `payloads` holds (additive changes only)."""

from typing import Literal

from pydantic import Field

from event_contracts.base import Payload, UtcDatetime
from event_contracts.payloads import DistributionOutcome

ReviewAction = Literal["submitted", "changes_requested", "approved"]


class PostReviewChangedV1(Payload):
    """A post was submitted for review, sent back with changes requested, or approved."""

    post_id: str
    workspace_id: str
    title: str
    version: int
    author_id: str
    actor_id: str = Field(description="The operator who submitted, approved or sent it back.")
    action: ReviewAction
    comment: str | None = None
    changed_at: UtcDatetime


class DistributionManualWaitingV1(DistributionOutcome):
    """A post is for a channel that channel-svc does not post to itself: the copy waits
    for an operator to post it by hand and mark the distribution complete."""

    title: str | None = None
    waiting_since: UtcDatetime


class InboxItemAssignedV1(Payload):
    """An open inbox item (a member's question or message) was given to an operator."""

    item_id: str
    workspace_id: str
    assignee_id: str
    assigned_by: str | None = Field(
        default=None, description="Who assigned it; null when the system did."
    )
    platform: str
    excerpt: str | None = Field(
        default=None, description="The start of the member's text (at most 140 characters)."
    )
    assigned_at: UtcDatetime


class AlertRaisedV1(Payload):
    """metrics-svc found a new alert when figures came in (an underperforming or stalled
    post, a follower drop, a campaign behind its goals, a spike of negative comments); an
    alert that lasts is raised once, and again only after it cleared."""

    alert_id: str = Field(description="Stable for one alert: its kind and what it is about.")
    workspace_id: str
    kind: str
    channel_id: str | None = None
    channel_name: str | None = None
    post_id: str | None = None
    title: str | None = None
    campaign_id: str | None = None
    message: str
    detected_at: UtcDatetime
