"""Reading a CSV import: detect the encoding, read row by row, each row into points or the
problem of its line (the ingestion service validates and stores them, all or none).

Two layouts are read:
- long: `metric` and `value` columns, one figure per row;
- wide: every column that is not a key column is a metric (ours, a platform's name, or the
  Chinese name consoles export), one figure per non-empty cell.
Key columns: `observed_at` (or `date`, `time`, `日期`, `时间`), `post_id`, `channel_id`,
`external_id`, `source`, `platform`, and for history (earlier posts, named by `channel_id`
and `external_id`) `published_at` (or `发布时间`, `发表时间`), `title` (or `标题`) and `url`
(or `链接`). A date without a time is the end of that day for `observed_at` and its start
for `published_at`; times without an offset are read in the import's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time
from typing import IO
from zoneinfo import ZoneInfo

from servicekit.csv_upload import UnreadableCsv, csv_rows
from servicekit.problems import FieldError

from metrics_svc.ingestion.validation import Problem, SubmittedPoint
from metrics_svc.vocabulary import CHINESE_NAMES, METRICS, PLATFORM_VOCABULARIES

KEY_ALIASES = {
    "observed_at": "observed_at",
    "date": "observed_at",
    "time": "observed_at",
    "日期": "observed_at",
    "时间": "observed_at",
    "统计时间": "observed_at",
    "post_id": "post_id",
    "channel_id": "channel_id",
    "external_id": "external_id",
    "source": "source",
    "platform": "platform",
    "metric": "metric",
    "value": "value",
    "published_at": "published_at",
    "发布时间": "published_at",
    "发表时间": "published_at",
    "title": "title",
    "标题": "title",
    "url": "url",
    "链接": "url",
}
TITLE_MAX, URL_MAX = 500, 2048  # as the API takes them
_ANY_METRIC = (
    set(METRICS)
    | {name for names in PLATFORM_VOCABULARIES.values() for name in names}
    | set(CHINESE_NAMES)
)
_NUMBER = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(万|亿)?$")


def parse_value(raw: str) -> int | str:
    """An integer cell ('1,234', '1.2万'), or the reason it is not one."""
    text = raw.strip().replace(",", "").replace("，", "")
    negative = text.startswith("-")
    match = _NUMBER.match(text.lstrip("-"))
    if not match:
        return f"not a number: {raw!r}"
    number = float(match.group(1)) * {"万": 10_000, "亿": 100_000_000, None: 1}[match.group(2)]
    if number != int(number):
        return f"not a whole number: {raw!r}"
    return -int(number) if negative else int(number)


def parse_time(raw: str, zone: ZoneInfo, *, date_alone: time = time(23, 59, 59)) -> datetime | str:
    """A time; a date alone is `date_alone` on that day (a figure as of the end of the day,
    a publication at its start)."""
    text = raw.strip()
    if not text:
        return "empty"
    try:
        if len(text) == 10:
            day = datetime.strptime(text.replace("/", "-"), "%Y-%m-%d")
            moment = datetime.combine(day.date(), date_alone)
        else:
            moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        return f"not a date or time: {raw!r}"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


@dataclass
class _Layout:
    keys: dict[str, int]  # key column -> index
    metrics: dict[int, str]  # wide layout: index -> column name
    width: int


def read_header(header: list[str]) -> _Layout:
    keys: dict[str, int] = {}
    metrics: dict[int, str] = {}
    errors: list[FieldError] = []
    for index, raw in enumerate(header):
        name = raw.strip()
        key = KEY_ALIASES.get(name.lower())
        if key is not None:
            if key in keys:
                errors.append(FieldError(field="line.1", message=f"column {name!r} appears twice"))
            keys[key] = index
        elif name.lower() in _ANY_METRIC or name in _ANY_METRIC:
            metrics[index] = name
        elif name:
            errors.append(
                FieldError(
                    field="line.1",
                    message=f"unknown column {name!r}: not a key column nor a metric name",
                )
            )
    long_layout = "metric" in keys or "value" in keys
    if "observed_at" not in keys:
        errors.append(FieldError(field="line.1", message="no observed_at (or date) column"))
    if long_layout and not ("metric" in keys and "value" in keys):
        errors.append(FieldError(field="line.1", message="metric and value go together"))
    if long_layout and metrics:
        errors.append(
            FieldError(
                field="line.1",
                message="use either metric/value columns or one column per metric, not both",
            )
        )
    if not long_layout and not metrics:
        errors.append(FieldError(field="line.1", message="no metric column"))
    if not any(k in keys for k in ("post_id", "channel_id")):
        errors.append(FieldError(field="line.1", message="no post_id or channel_id column"))
    if errors:
        raise UnreadableCsv(
            "The CSV header is not usable: " + "; ".join(e.message for e in errors),
            errors=errors,
        )
    return _Layout(keys, metrics, len(header))


def rows_to_points(
    rows: Iterator[tuple[int, list[str]]],
    layout: _Layout,
    zone: ZoneInfo,
    default_source: str,
    default_platform: str | None,
) -> Iterator[SubmittedPoint | Problem]:
    def cell(row: list[str], key: str) -> str | None:
        index = layout.keys.get(key)
        if index is None or index >= len(row):
            return None
        return row[index].strip() or None

    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        if len(row) != layout.width:
            yield Problem(line, "row", f"{len(row)} columns where the header has {layout.width}")
            continue
        observed = parse_time(cell(row, "observed_at") or "", zone)
        if isinstance(observed, str):
            yield Problem(line, "observed_at", observed)
            continue
        published: datetime | None = None
        if raw_published := cell(row, "published_at"):
            parsed = parse_time(raw_published, zone, date_alone=time(0, 0))
            if isinstance(parsed, str):
                yield Problem(line, "published_at", parsed)
                continue
            published = parsed
        title, url = cell(row, "title"), cell(row, "url")
        if title is not None and len(title) > TITLE_MAX:
            yield Problem(line, "title", f"longer than {TITLE_MAX} characters")
            continue
        if url is not None and len(url) > URL_MAX:
            yield Problem(line, "url", f"longer than {URL_MAX} characters")
            continue
        source = cell(row, "source")
        base = {
            "post_id": cell(row, "post_id"),
            "channel_id": cell(row, "channel_id"),
            "external_id": cell(row, "external_id"),
            "platform": cell(row, "platform") or default_platform,
        }
        if layout.metrics:
            cells = [
                (name, row[index]) for index, name in layout.metrics.items() if row[index].strip()
            ]
        else:
            cells = [(cell(row, "metric") or "", row[layout.keys["value"]])]
        for metric, raw in cells:
            if not metric:
                yield Problem(line, "metric", "empty")
                continue
            value = parse_value(raw)
            if isinstance(value, str):
                yield Problem(line, metric if layout.metrics else "value", value)
                continue
            yield SubmittedPoint(
                where=line,
                metric=metric,
                value=value,
                observed_at=observed,
                source=source or default_source,
                post_id=base["post_id"],
                channel_id=base["channel_id"],
                external_id=base["external_id"],
                platform=base["platform"],
                published_at=published,
                title=title,
                url=url,
            )


@contextmanager
def points_of(
    spool: IO[bytes], *, zone: ZoneInfo, source: str, platform: str | None
) -> Iterator[tuple[str, Iterator[SubmittedPoint | Problem]]]:
    """The file's encoding, and its rows as points (or the problems of bad lines), read
    as they are taken; the file's header is checked first."""
    with csv_rows(spool) as (encoding, header, rows):
        layout = read_header(header)
        yield encoding, rows_to_points(rows, layout, zone, source, platform)
