"""One cell-escaping rule for every CSV export (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from servicekit.spreadsheets import csv_line, spreadsheet_cell


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-40, 0, 3.5, -0.25, Decimal("-1.5"), True])
def test_numbers_stay_numbers(value: object) -> None:
    assert spreadsheet_cell(value) is value


def test_plain_text_and_none() -> None:
    assert spreadsheet_cell("新品发布会 = 成功") == "新品发布会 = 成功"
    assert spreadsheet_cell(None) == ""


def test_a_line_reads_back_as_text_cells() -> None:
    line = csv_line(["id", '=HYPERLINK("http://x","点我")', -3, None])
    assert line.endswith("\r\n")
    assert next(csv.reader(io.StringIO(line))) == [
        "id",
        '\'=HYPERLINK("http://x","点我")',
        "-3",
        "",
    ]
