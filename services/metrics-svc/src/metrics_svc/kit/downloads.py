"""Reports as CSV downloads: UTF-8 with a BOM, so that spreadsheet software reads Chinese;
every cell through servicekit.spreadsheets, so that a spreadsheet never runs a title or a
name as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Query
from fastapi.responses import Response
from servicekit.spreadsheets import safe_row

Rows = tuple[Sequence[str], Iterable[Sequence[Any]]]
"""A header and the rows under it."""

# The query parameter of a report that can be downloaded.
Format = Annotated[Literal["json", "csv"], Query(description="csv downloads the report")]

R = TypeVar("R")


def csv_response(name: str, rows: Rows) -> Response:
    header, body = rows
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(safe_row(header))
    for row in body:
        writer.writerow(safe_row(row))
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def report_or_csv(report: R, format: str, name: str, rows: Callable[[R], Rows]) -> R | Response:
    """The report as it is (answered as JSON), or its rows as the CSV download `name`."""
    if format == "csv":
        return csv_response(name, rows(report))
    return report
