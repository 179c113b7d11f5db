"""`interaction.received`: questions members ask become user-need ideas."""

from __future__ import annotations

from event_contracts import CloudEvent, InteractionReceivedV1
from servicekit.consumer import Handler
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.consumers.payloads import payload_of
from content_svc.ideas.needs import record_question


def interaction_handler(min_askers: int) -> Handler:
    async def on_interaction_received(session: AsyncSession, event: CloudEvent) -> None:
        interaction = payload_of(event, InteractionReceivedV1)
        await record_question(session, interaction, min_askers=min_askers)

    return on_interaction_received
