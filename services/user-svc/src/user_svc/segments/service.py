"""The rules of segments: saved member filters, counted and listed live, exported as CSV.

A segment's rules compile to one SQL query over `members` (members.repository), so a count
over a million members is one indexed query, not a scan in Python.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from servicekit.db import Database, new_id, utcnow
from servicekit.spreadsheets import csv_line
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.kit.engagement import score_at
from user_svc.kit.rows import apply_patch, scoped_one
from user_svc.members.repository import count_members, load_views, members_after
from user_svc.members.schemas import MemberSort, MemberView
from user_svc.members.service import list_members
from user_svc.models import Segment
from user_svc.segments import repository
from user_svc.segments.schemas import SegmentCreate, SegmentRules, SegmentUpdate

EXPORT_CHUNK = 1000
CSV_COLUMNS = [
    "member_id",
    "display_name",
    "identities",
    "tags",
    "engagement_score",
    "interaction_count",
    "question_count",
    "first_seen_at",
    "last_seen_at",
]


def rules_of(segment: Segment) -> SegmentRules:
    return SegmentRules.model_validate(segment.rules)


async def create_segment(
    session: AsyncSession, workspace_id: str, user_id: str, data: SegmentCreate
) -> Segment:
    now = utcnow()
    segment = Segment(
        id=new_id(),
        workspace_id=workspace_id,
        **data.model_dump(exclude={"rules"}),
        rules=data.rules.stored(),
        created_by=user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(segment)
    await session.flush()
    return segment


async def get_segment(session: AsyncSession, workspace_id: str, segment_id: str) -> Segment:
    return await scoped_one(session, Segment, workspace_id, segment_id)


async def update_segment(
    session: AsyncSession, workspace_id: str, segment_id: str, data: SegmentUpdate
) -> Segment:
    segment = await get_segment(session, workspace_id, segment_id)
    apply_patch(segment, data, clearable={"description"}, skip={"rules"})
    if data.rules is not None:
        segment.rules = data.rules.stored()
    segment.updated_at = utcnow()
    await session.flush()
    return segment


async def delete_segment(session: AsyncSession, workspace_id: str, segment_id: str) -> None:
    await session.delete(await get_segment(session, workspace_id, segment_id))
    await session.flush()


async def segments_page(
    session: AsyncSession, workspace_id: str, *, cursor: str | None, limit: int
) -> tuple[list[Segment], str | None]:
    return await repository.segments_page(session, workspace_id, cursor=cursor, limit=limit)


async def count_rules(
    session: AsyncSession, workspace_id: str, rules: SegmentRules, now: datetime
) -> int:
    """How many of the workspace's members `rules` match at `now`: one indexed query."""
    return await count_members(session, workspace_id, rules.to_filter(), now=now)


async def count(session: AsyncSession, segment: Segment, now: datetime) -> int:
    """How many members the segment holds at `now`."""
    return await count_rules(session, segment.workspace_id, rules_of(segment), now)


async def members(
    session: AsyncSession,
    segment: Segment,
    *,
    sort: MemberSort,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> tuple[list[MemberView], str | None]:
    return await list_members(
        session,
        segment.workspace_id,
        rules_of(segment).to_filter(),
        sort=sort,
        cursor=cursor,
        limit=limit,
        now=now,
    )


def _row(view: MemberView, now: datetime) -> list[object]:
    member = view.member
    return [
        member.id,
        member.display_name,
        " ".join(f"{i.platform}:{i.external_id}" for i in view.identities),
        " ".join(view.tags),
        score_at(member.engagement_raw, now),
        member.interaction_count,
        member.question_count,
        member.first_seen_at.isoformat() if member.first_seen_at else None,
        member.last_seen_at.isoformat() if member.last_seen_at else None,
    ]


async def export_csv(
    db: Database, workspace_id: str, rules: SegmentRules, now: datetime
) -> AsyncIterator[str]:
    """The segment's members as CSV (UTF-8 with a BOM, so spreadsheet apps read Chinese),
    read in keyset chunks, each in its own short transaction."""
    yield "\ufeff" + csv_line(list(CSV_COLUMNS))
    member_filter = rules.to_filter()
    after: str | None = None
    while True:
        async with db.transaction() as session:
            chunk = await members_after(
                session, workspace_id, member_filter, after=after, limit=EXPORT_CHUNK, now=now
            )
            views = await load_views(session, chunk)
        if not views:
            return
        yield "".join(csv_line(_row(v, now)) for v in views)
        after = views[-1].member.id
