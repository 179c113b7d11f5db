"""The subscribed topics: followers' messages and (un)subscriptions that channel-svc
received from the platforms' callbacks, and readers' comments it pulled, recorded as
interactions of members; and the outcome of each inbox answer channel-svc sent
(`inbox.answer.settled`).

The runner records each applied event id in the same transaction, so a redelivered event
changes nothing (and the interactions are idempotent by the platform's id besides);
`@handles` checks the payload (a wrong one is dead-lettered at once).
"""

from __future__ import annotations

from event_contracts import (
    CommentsCollectedV1,
    InboxAnswerSettledV1,
    PlatformFollowerChangedV1,
    PlatformMessageReceivedV1,
)
from servicekit.events import handler_map, handles, handles_many

from user_svc.inbox import service as inbox
from user_svc.interactions import comments, followers

HANDLERS = handler_map(
    handles_many(PlatformMessageReceivedV1)(followers.record_messages),
    handles(PlatformFollowerChangedV1)(followers.record_follow),
    handles(CommentsCollectedV1)(comments.record_comments),
    handles(InboxAnswerSettledV1)(inbox.settle),
)
