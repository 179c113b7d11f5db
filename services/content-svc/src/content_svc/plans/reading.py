"""Reading a content plan: the header's columns, and each row into the fields of one post
or the problems of its line (which column, why). Nothing here touches the database: names
of channels and campaigns are matched by `plans.service`.

Columns (English or the Chinese a planning sheet uses): `title` (标题), `body` (正文),
`channels` (渠道; names or ids, `;`-separated), `time` (时间; `YYYY-MM-DD HH:MM`, local to
the import's zone unless it carries an offset), `tags` (标签; `;`-separated), `campaign`
(活动; a name or an id). Only `title` is required; `channels` and `time` go together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from servicekit.csv_upload import UnreadableCsv
from servicekit.problems import FieldError

from content_svc.plans.schemas import PlanProblem
from content_svc.posts.schemas import PostCreate

COLUMNS = {
    "title": "title",
    "标题": "title",
    "body": "body",
    "正文": "body",
    "channels": "channels",
    "渠道": "channels",
    "time": "time",
    "时间": "time",
    "tags": "tags",
    "标签": "tags",
    "campaign": "campaign",
    "活动": "campaign",
}
# A post's field -> the plan's column, to name the column of a validation error.
COLUMN_OF_FIELD = {"title": "title", "body_markdown": "body", "tags": "tags"}
_LIST_SEPARATORS = re.compile(r"[;；]")


@dataclass
class PlanRow:
    line: int
    post: PostCreate
    channel_refs: list[str] = field(default_factory=list)
    scheduled_at: datetime | None = None
    campaign_ref: str | None = None


def read_header(header: list[str]) -> dict[str, int]:
    """Column -> index; a 422 naming line 1 for an unknown, repeated or missing column."""
    columns: dict[str, int] = {}
    errors: list[FieldError] = []
    for index, raw in enumerate(header):
        name = raw.strip()
        column = COLUMNS.get(name.lower())
        if column is None:
            if name:
                errors.append(FieldError(field="line.1", message=f"unknown column {name!r}"))
        elif column in columns:
            errors.append(FieldError(field="line.1", message=f"column {name!r} appears twice"))
        else:
            columns[column] = index
    if "title" not in columns:
        errors.append(FieldError(field="line.1", message="no title (标题) column"))
    if ("channels" in columns) != ("time" in columns):
        errors.append(FieldError(field="line.1", message="channels and time go together"))
    if errors:
        raise UnreadableCsv(
            "The CSV header is not usable: " + "; ".join(e.message for e in errors),
            errors=errors,
        )
    return columns


def split_list(cell: str) -> list[str]:
    """`a; b;c` (or with the full-width `；`) as ['a', 'b', 'c']."""
    return [part.strip() for part in _LIST_SEPARATORS.split(cell) if part.strip()]


def parse_time(raw: str, zone: ZoneInfo) -> datetime | str:
    """A moment, or why `raw` is not one; a time without an offset is read in `zone`."""
    try:
        moment = datetime.fromisoformat(raw.strip().replace("/", "-"))
    except ValueError:
        return f"not a time (write YYYY-MM-DD HH:MM): {raw!r}"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def read_rows(
    rows: Iterator[tuple[int, list[str]]], columns: dict[str, int], zone: ZoneInfo
) -> Iterator[PlanRow | PlanProblem]:
    """Each non-blank row as the post it plans, or as the problems of its line."""
    width = max(columns.values()) + 1

    def cell(row: list[str], column: str) -> str:
        index = columns.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    for line, row in rows:
        if not any(value.strip() for value in row):
            continue
        if len(row) < width:
            yield PlanProblem(line=line, column="row", reason=f"{len(row)} columns, {width} needed")
            continue
        problems: list[PlanProblem] = []
        post: PostCreate | None = None
        try:
            post = PostCreate(
                title=cell(row, "title"),
                body_markdown=row[columns["body"]] if "body" in columns else "",
                tags=split_list(cell(row, "tags")),
            )
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else "row"
                problems.append(
                    PlanProblem(
                        line=line, column=COLUMN_OF_FIELD.get(name, name), reason=error["msg"]
                    )
                )
        channel_refs = split_list(cell(row, "channels"))
        raw_time = cell(row, "time")
        scheduled_at: datetime | None = None
        if raw_time:
            parsed = parse_time(raw_time, zone)
            if isinstance(parsed, str):
                problems.append(PlanProblem(line=line, column="time", reason=parsed))
            else:
                scheduled_at = parsed
        if channel_refs and not raw_time:
            problems.append(PlanProblem(line=line, column="time", reason="channels need a time"))
        if raw_time and not channel_refs:
            problems.append(
                PlanProblem(line=line, column="channels", reason="a time needs channels")
            )
        if problems or post is None:
            yield from problems
            continue
        yield PlanRow(
            line=line,
            post=post,
            channel_refs=channel_refs,
            scheduled_at=scheduled_at,
            campaign_ref=cell(row, "campaign") or None,
        )
