"""Importing a content plan: every line checked, then all of its posts created in the
caller's transaction, or none of them.

A dry run answers, per line, what would be created and names every bad line (its line
number, column and reason), and creates nothing. A real run with any bad line is a 422
listing them, and the request's transaction rolls back whatever was created before it.

A planned line (channels and a time) becomes a scheduled post when the caller may publish
without review (the same rule as `POST /posts/{id}/publish`); otherwise a draft that keeps
the planned time and channels (`scheduled_at`, `scheduled_channel_ids`) for whoever
publishes it after review.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from servicekit.auth import Caller
from servicekit.csv_upload import csv_rows, spool_body
from servicekit.db import utcnow
from servicekit.problems import FieldError, Invalid
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.kit.ids import canonical_id
from content_svc.media.service import Library
from content_svc.models import Campaign, KnownChannel
from content_svc.plans import repository
from content_svc.plans.reading import PlanRow, read_header, read_rows
from content_svc.plans.schemas import PlanImportReport, PlannedPost, PlanProblem
from content_svc.posts import publishing, service
from content_svc.posts.review import workspace_time_zone
from content_svc.replicas.channels import ChannelLookup


class _Names:
    """The workspace's channels and campaigns, by id and by name (case-insensitively)."""

    def __init__(self, channels: Sequence[KnownChannel], campaigns: Sequence[Campaign]) -> None:
        self.channel_ids = {row.channel_id for row in channels}
        self.channels_named: dict[str, list[str]] = {}
        for row in channels:
            self.channels_named.setdefault(row.name.casefold(), []).append(row.channel_id)
        self.campaign_ids = {row.id for row in campaigns}
        self.campaigns_named: dict[str, list[str]] = {}
        for campaign in campaigns:
            self.campaigns_named.setdefault(campaign.name.casefold(), []).append(campaign.id)

    @staticmethod
    def _match(ref: str, ids: set[str], named: dict[str, list[str]], noun: str) -> str:
        canonical = canonical_id(ref)
        if canonical is not None and canonical in ids:
            return canonical
        matches = named.get(ref.casefold(), [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ValueError(f"{len(matches)} {noun}s are named {ref!r}; use the id")
        raise ValueError(f"no live {noun} named {ref!r} in this workspace")

    def channel(self, ref: str) -> str:
        return self._match(ref, self.channel_ids, self.channels_named, "channel")

    def campaign(self, ref: str) -> str:
        return self._match(ref, self.campaign_ids, self.campaigns_named, "campaign")


def _resolve(
    row: PlanRow, names: _Names, now: datetime
) -> tuple[list[str], str | None, list[PlanProblem]]:
    """The row's channel ids and campaign id, or the problems of its references and time."""
    problems: list[PlanProblem] = []
    channel_ids: list[str] = []
    for ref in row.channel_refs:
        try:
            channel_id = names.channel(ref)
        except ValueError as exc:
            problems.append(PlanProblem(line=row.line, column="channels", reason=str(exc)))
            continue
        if channel_id in channel_ids:
            problems.append(
                PlanProblem(line=row.line, column="channels", reason=f"{ref!r} is listed twice")
            )
        channel_ids.append(channel_id)
    campaign_id = None
    if row.campaign_ref is not None:
        try:
            campaign_id = names.campaign(row.campaign_ref)
        except ValueError as exc:
            problems.append(PlanProblem(line=row.line, column="campaign", reason=str(exc)))
    if row.scheduled_at is not None:
        if row.scheduled_at <= now + publishing.SCHEDULE_SLACK:
            problems.append(
                PlanProblem(line=row.line, column="time", reason="is not in the future")
            )
        elif row.scheduled_at > now + publishing.SCHEDULE_HORIZON:
            problems.append(
                PlanProblem(line=row.line, column="time", reason="may be at most a year ahead")
            )
    return channel_ids, campaign_id, problems


async def import_plan(
    session: AsyncSession,
    caller: Caller,
    upload: AsyncIterator[bytes],
    channels: ChannelLookup,
    *,
    library: Library,
    dry_run: bool,
    max_bytes: int,
    max_rows: int,
) -> PlanImportReport:
    zone = await workspace_time_zone(session, caller.workspace_id)
    names = _Names(
        await repository.live_channels(session, caller.workspace_id),
        await repository.live_campaigns(session, caller.workspace_id),
    )
    now = utcnow()
    planned: list[tuple[PlanRow, PlannedPost]] = []
    problems: list[PlanProblem] = []
    lines: set[int] = set()
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
        await spool_body(upload, spool, max_bytes)
        with csv_rows(spool) as (encoding, header, rows):
            columns = read_header(header)
            for item in read_rows(rows, columns, zone):
                lines.add(item.line)
                if len(lines) > max_rows:
                    raise Invalid(
                        f"The plan has more than {max_rows:,} rows; split it. Nothing was created.",
                        errors=[FieldError(field="body", message=f"more than {max_rows} rows")],
                    )
                if isinstance(item, PlanProblem):
                    problems.append(item)
                    continue
                channel_ids, campaign_id, row_problems = _resolve(item, names, now)
                if row_problems:
                    problems.extend(row_problems)
                    continue
                planned.append((item, _planned(item, channel_ids, campaign_id)))
    may_schedule = await publishing.may_skip_review(session, caller) is not None
    for _, post in planned:
        if post.channel_ids and may_schedule:
            post.status = "scheduled"
    bad_lines = {problem.line for problem in problems}
    if problems and not dry_run:
        raise Invalid(
            f"{len(bad_lines)} of {len(lines)} rows are invalid; nothing was created.",
            errors=[
                FieldError(field=f"line.{p.line}.{p.column}", message=p.reason) for p in problems
            ],
        )
    if not dry_run:
        for row, post in planned:
            post.post_id = await _create(session, caller, row, post, channels, library)
    return PlanImportReport(
        dry_run=dry_run,
        encoding=encoding,
        time_zone=zone.key,
        rows=len(lines),
        valid_rows=len(lines) - len(bad_lines),
        posts=[post for _, post in planned],
        problems=problems,
    )


def _planned(row: PlanRow, channel_ids: list[str], campaign_id: str | None) -> PlannedPost:
    return PlannedPost(
        line=row.line,
        title=row.post.title,
        status="draft",
        scheduled_at=row.scheduled_at,
        channel_ids=channel_ids,
        tags=row.post.tags,
        campaign_id=campaign_id,
        post_id=None,
    )


async def _create(
    session: AsyncSession,
    caller: Caller,
    row: PlanRow,
    planned: PlannedPost,
    channels: ChannelLookup,
    library: Library,
) -> str:
    data = row.post.model_copy(update={"campaign_id": planned.campaign_id})
    post = await service.create_post(session, caller, data)
    if planned.status == "scheduled":
        await publishing.publish_post(
            session,
            caller,
            post.id,
            planned.channel_ids,
            channels,
            library=library,
            scheduled_at=row.scheduled_at,
        )
    elif planned.channel_ids:
        # The plan, kept on the draft; the scheduler only releases `scheduled` posts.
        post.scheduled_at = row.scheduled_at
        post.scheduled_channel_ids = sorted(planned.channel_ids)
    return post.id
