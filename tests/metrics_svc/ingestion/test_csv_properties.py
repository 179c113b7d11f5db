"""The CSV reader, for any mix of good and bad rows in any accepted encoding (hypothesis).

Every bad row is reported with its own line number, every good row becomes its points
with the right values, and the encoding never changes the answer.
"""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from metrics_svc.ingestion.csv_import import read_header, rows_to_points
from metrics_svc.ingestion.validation import Problem, SubmittedPoint
from servicekit.csv_upload import detect_encoding, numbered_rows

HEADER = ["日期", "channel_id", "external_id", "阅读量", "点赞数"]
UTC = ZoneInfo("UTC")

good_row = st.tuples(
    st.dates(min_value=__import__("datetime").date(2024, 1, 1)).map(lambda d: d.isoformat()),
    st.integers(0, 10_000_000),
    st.integers(0, 100_000),
).map(lambda r: ("good", [r[0], "ch-1", "2247483650_1", f"{r[1]:,}", str(r[2])], (r[1], r[2])))
bad_row = st.sampled_from(
    [
        ["not-a-date", "ch-1", "x", "10", "1"],
        ["2025-01-01", "ch-1", "x", "很多", "1"],
        ["2025-01-01", "ch-1", "x", "1.5", "1"],
        ["2025-01-01", "ch-1", "x", "10"],  # a column short
    ]
).map(lambda row: ("bad", row, None))
rows = st.lists(st.one_of(good_row, bad_row), min_size=1, max_size=30)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])


def read(data: bytes) -> list[SubmittedPoint | Problem]:
    spool = io.BytesIO(data)
    encoding = detect_encoding(spool)
    reader = csv.reader(io.TextIOWrapper(spool, encoding=encoding, newline=""))
    layout = read_header(next(reader))
    return list(rows_to_points(numbered_rows(reader), layout, UTC, "csv", "wechat_oa"))


@settings(max_examples=200, deadline=None)
@given(rows=rows, encoding=encodings)
def test_bad_rows_are_named_by_line_and_good_rows_become_points(
    rows: list[tuple[str, list[str], tuple[int, int] | None]], encoding: str
) -> None:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    for _, row, _ in rows:
        writer.writerow(row)
    items = read(text.getvalue().encode(encoding))

    bad_lines = {item.where for item in items if isinstance(item, Problem)}
    expected_bad = {line for line, (kind, _, _) in enumerate(rows, start=2) if kind == "bad"}
    assert bad_lines == expected_bad
    points = [item for item in items if isinstance(item, SubmittedPoint)]
    for line, (kind, _, values) in enumerate(rows, start=2):
        at_line = {p.metric: p.value for p in points if p.where == line}
        if kind == "good":
            assert values is not None
            assert at_line == {"阅读量": values[0], "点赞数": values[1]}
        # (A bad row's other cells may still parse; the whole import then stores nothing.)
    # The same file in another accepted encoding reads the same.
    again = read(text.getvalue().encode("gb18030" if encoding != "gb18030" else "utf-8"))
    assert again == items
