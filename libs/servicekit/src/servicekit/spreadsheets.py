"""CSV cells a spreadsheet opens as text, never as a formula (CSV injection).

Operators open our CSV exports in Excel, WPS or LibreOffice, and the cells carry text that
outsiders wrote: post titles, channel and campaign names, members' display names. A cell
that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula
(`=HYPERLINK(...)`, DDE payloads). OWASP's guidance, followed here: prefix such a cell with
a single quote, which spreadsheets show as text and do not run. Numbers are left alone: a
negative figure is a number, not a formula, and must stay one for sums and charts.

Every CSV a service writes goes through `safe_row` (or `csv_line`), so there is one rule.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """`value` as a CSV cell: None is empty, numbers stay numbers, text that a spreadsheet
    would run as a formula gets a leading `'`."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def safe_row(values: Iterable[object]) -> list[object]:
    """A row for `csv.writer.writerow`, every cell through `spreadsheet_cell`."""
    return [spreadsheet_cell(value) for value in values]


def csv_line(values: Iterable[object]) -> str:
    """One CSV record (CRLF-terminated, as RFC 4180 and spreadsheets expect) of safe cells."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(safe_row(values))
    return buffer.getvalue()
