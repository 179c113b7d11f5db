"""`interaction.received`: questions members ask become user-need ideas."""

from __future__ import annotations

from event_contracts import InteractionReceivedV1
from servicekit.events import PayloadHandler, handles
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.ideas.needs import record_question


def question_recorder(min_askers: int) -> PayloadHandler[InteractionReceivedV1]:
    """The handler, with the number of members who must ask before a need is an idea."""

    @handles(InteractionReceivedV1)
    async def record_member_question(
        session: AsyncSession, interaction: InteractionReceivedV1
    ) -> None:
        await record_question(session, interaction, min_askers=min_askers)

    return record_member_question
