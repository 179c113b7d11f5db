"""The rules of ideas: the backlog an operator shortlists from and starts posts with."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.pagination import split_page
from servicekit.problems import Conflict
from sqlalchemy.ext.asyncio import AsyncSession
from textkit import tokens

from content_svc.campaigns.membership import live_campaign
from content_svc.ideas import repository
from content_svc.ideas.schemas import IdeaCreate, IdeaFilter, IdeaUpdate, StartPost
from content_svc.kit.problems import found
from content_svc.models import Idea, Post
from content_svc.posts import service as posts
from content_svc.posts.schemas import PostCreate

ORIGIN_MANUAL = "manual"
USED = "used"


async def create_idea(session: AsyncSession, caller: Caller, data: IdeaCreate) -> Idea:
    campaign_id = None
    if data.campaign_id is not None:
        campaign_id = (await live_campaign(session, caller.workspace_id, data.campaign_id)).id
    now = utcnow()
    idea = Idea(
        id=str(uuid.uuid4()),
        workspace_id=caller.workspace_id,
        origin=ORIGIN_MANUAL,
        status="new",
        title=data.title,
        summary=data.summary or None,
        link=str(data.link) if data.link else None,
        tags=list(data.tags),
        notes=data.notes or None,
        campaign_id=campaign_id,
        terms=list(dict.fromkeys(tokens(f"{data.title}\n{data.summary or ''}")))[:60],
        asker_ids=[],
        asker_count=0,
        sample_questions=[],
        seen_at=now,
        created_by=caller.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(idea)
    await session.flush()
    return idea


async def get_idea(
    session: AsyncSession, caller: Caller, idea_id: str, *, for_update: bool = False
) -> Idea:
    idea = await repository.get_idea(session, caller.workspace_id, idea_id, for_update=for_update)
    return found(idea, "idea", idea_id)


async def list_ideas(
    session: AsyncSession,
    caller: Caller,
    filters: IdeaFilter,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Idea], str | None]:
    rows = await repository.list_ideas(
        session, caller.workspace_id, filters, limit=limit, cursor=cursor
    )
    return split_page(rows, limit)


async def update_idea(
    session: AsyncSession, caller: Caller, idea_id: str, data: IdeaUpdate
) -> Idea:
    idea = await get_idea(session, caller, idea_id, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    if idea.status == USED and changes.get("status") not in (None, USED):
        raise Conflict(
            f"This idea was used for post {idea.post_id}; its status stays `used`.",
            post_id=idea.post_id,
        )
    if changes.get("campaign_id") is not None:
        campaign = await live_campaign(session, caller.workspace_id, changes["campaign_id"])
        changes["campaign_id"] = campaign.id
    for name, value in changes.items():
        if name in ("title", "status") and value is None:
            continue
        setattr(idea, name, value if value != "" else None)
    idea.updated_at = utcnow()
    await session.flush()
    return idea


async def start_post(session: AsyncSession, caller: Caller, idea_id: str, data: StartPost) -> Post:
    """A draft from the idea: its title, summary and link; the idea is marked used."""
    idea = await get_idea(session, caller, idea_id, for_update=True)
    if idea.post_id is not None:
        raise Conflict(
            f"A post was already started from this idea: {idea.post_id}.", post_id=idea.post_id
        )
    body = [idea.summary or ""]
    if idea.sample_questions:
        body.append("\n".join(f"> {question}" for question in idea.sample_questions))
    if idea.link:
        body.append(f"来源 / Source: <{idea.link}>")
    draft = PostCreate(
        title=data.title or idea.title,
        body_markdown="\n\n".join(part for part in body if part),
        summary=(idea.summary or "")[:500] or None,
        tags=list(idea.tags),
        keywords=list(data.keywords),
        campaign_id=idea.campaign_id,
    )
    post = await posts.create_post(session, caller, draft, idea_id=idea.id)
    idea.status = USED
    idea.post_id = post.id
    idea.updated_at = utcnow()
    await session.flush()
    return post
