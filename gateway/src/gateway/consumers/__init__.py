"""The events the gateway applies: each may notify operators (`notifications`) and be shown
on the live stream (`stream`), in the transaction that records the event as applied; the
live streams of this process are woken once it commits."""

from __future__ import annotations

from collections.abc import Callable

from event_contracts import (
    CloudEvent,
    InteractionReceivedV1,
    Payload,
    WebhookSubscriptionDisabledV1,
    topic_of,
)
from servicekit.consumer import Handler
from servicekit.db import call_after_commit
from servicekit.events import payload_of
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.notifications import service as notifications
from gateway.notifications.kinds import notice_for
from gateway.stream import service as stream

# What is streamed, the interactions (some open an inbox item, streamed as such) and the
# notices only operators hear of.
APPLIED = (*stream.STREAMED, InteractionReceivedV1, WebhookSubscriptionDisabledV1)


def handlers(wake: Callable[[], None], public_url: str) -> dict[str, Handler]:
    """{topic: handler} for the consumer runner; `wake` is called after each commit that
    stored an event for the live stream; notices link to pages under `public_url`."""

    async def apply(session: AsyncSession, event: CloudEvent) -> None:
        payload = payload_of(event, Payload)  # the registry's model of the event's topic
        notice = notice_for(payload)
        if notice is not None:
            await notifications.record(
                session,
                event_id=event.id,
                workspace_id=event.workspaceid,
                notice=notice,
                public_url=public_url,
            )
        if stream.streamed(payload):
            await stream.remember(session, event)  # last: see stream.service
            call_after_commit(session, wake)

    return {topic_of(model).name: apply for model in APPLIED}
