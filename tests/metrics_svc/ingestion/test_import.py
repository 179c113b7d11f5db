"""POST /api/v1/stats/import: encodings, dry runs with line numbers, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metrics_svc.ingestion.csv_import import parse_value
from metrics_svc.models import StatPoint
from metrics_svc.runtime import MetricsRuntime
from servicekit.settings import SharedSettings

from tests.metrics_svc.conftest import Seeder
from tests.metrics_svc.helpers import count

NOW = datetime.now(UTC).replace(microsecond=0)


def csv_headers(editor: dict[str, str]) -> dict[str, str]:
    return {**editor, "Content-Type": "text/csv"}


async def test_gb18030_wide_export_with_chinese_columns(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: MetricsRuntime
) -> None:
    channel = await seed.channel()
    published = NOW - timedelta(days=3)
    post = await seed.post([channel], published, external_ids={channel: "2247483650_1"})
    day = (published + timedelta(days=1)).date().isoformat()
    text = (
        "日期,channel_id,external_id,阅读量,点赞数,分享数\n"
        f'{day},{channel},2247483650_1,"1,200",35,1.2万\n'
    )
    response = await client.post(
        "/api/v1/stats/import", content=text.encode("gb18030"), headers=csv_headers(editor)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["encoding"] == "gb18030"
    assert body["batch"]["post_totals"][0]["totals"] == {
        "likes": 35,
        "reads": 1200,
        "shares": 12000,
    }
    assert body["batch"]["post_ids"] == [post]
    assert await count(runtime, StatPoint) == 3


async def test_utf8_with_bom_long_layout(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    channel = await seed.channel()
    post = await seed.post([channel], NOW - timedelta(days=2))
    at = (NOW - timedelta(days=1)).isoformat()
    text = f"post_id,metric,value,observed_at\n{post},int_page_read_count,900,{at}\n"
    response = await client.post(
        "/api/v1/stats/import",
        content=b"\xef\xbb\xbf" + text.encode(),
        headers=csv_headers(editor),
    )
    assert response.status_code == 200, response.text
    assert response.json()["encoding"] == "utf-8-sig"
    assert response.json()["batch"]["points_stored"] == 1


async def test_a_form_upload_works_like_a_plain_body(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    channel = await seed.channel()
    post = await seed.post([channel], NOW - timedelta(days=2))
    at = (NOW - timedelta(days=1)).isoformat()
    text = f"post_id,metric,value,observed_at\n{post},reads,700,{at}\n"
    response = await client.post(
        "/api/v1/stats/import",
        files={"file": ("export.csv", text.encode("gb18030"), "text/csv")},
        headers=editor,
    )
    assert response.status_code == 200, response.text
    assert response.json()["batch"]["points_stored"] == 1
    missing = await client.post(
        "/api/v1/stats/import", files={"other": ("x.csv", b"a,b\n", "text/csv")}, headers=editor
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "file"


async def test_a_file_larger_than_the_request_body_limit_is_imported(
    client: httpx.AsyncClient,
    seed: Seeder,
    editor: dict[str, str],
    shared_settings: SharedSettings,
) -> None:
    """Every other route refuses bodies over MEDIAOPS_MAX_REQUEST_BODY_BYTES; the import has
    an allowance of its own (METRICS_IMPORT_MAX_BYTES), plain body or form upload."""
    channel = await seed.channel()
    post = await seed.post([channel], NOW - timedelta(days=30))
    start = NOW - timedelta(days=29)
    lines = ["post_id,metric,value,observed_at"]
    limit = shared_settings.max_request_body_bytes
    size, minute = 0, 0
    while size <= 2 * limit:
        line = f"{post},reads,{minute},{(start + timedelta(minutes=minute)).isoformat()}"
        lines.append(line)
        size += len(line) + 1
        minute += 1
    text = "\n".join(lines).encode()
    assert len(text) > 2 * limit

    plain = await client.post(
        "/api/v1/stats/import?dry_run=true", content=text, headers=csv_headers(editor)
    )
    form = await client.post(
        "/api/v1/stats/import?dry_run=true",
        files={"file": ("export.csv", text, "text/csv")},
        headers=editor,
    )
    elsewhere = await client.post(  # any route without an allowance: the small limit
        "/api/v1/conversions", content=text, headers=csv_headers(editor)
    )

    for answer in (plain, form):
        assert answer.status_code == 200, answer.text[:500]
        assert answer.json()["valid_rows"] == minute
    assert elsewhere.status_code == 413


async def test_dry_run_lists_every_bad_row_and_a_real_run_stores_nothing(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: MetricsRuntime
) -> None:
    channel = await seed.channel()
    post = await seed.post([channel], NOW - timedelta(days=2))
    at = (NOW - timedelta(days=1)).isoformat()
    future = (NOW + timedelta(days=2)).isoformat()
    text = "\n".join(
        [
            "post_id,metric,value,observed_at",
            f"{post},reads,100,{at}",  # line 2: fine
            f"{post},reads,abc,{at}",  # line 3
            f"{post},views,5,{at}",  # line 4
            f"{post},likes,-1,{at}",  # line 5
            f"{post},likes,3,yesterday",  # line 6
            f"{post},likes,3,{future}",  # line 7
            f"nope,likes,3,{at}",  # line 8
            f"{post},likes,3",  # line 9
            "",
        ]
    )
    dry = await client.post(
        "/api/v1/stats/import?dry_run=true", content=text.encode(), headers=csv_headers(editor)
    )
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["rows"] == 8
    assert report["valid_rows"] == 1
    assert [(p["line"], p["field"]) for p in report["problems"]] == [
        (3, "value"),
        (4, "metric"),
        (5, "value"),
        (6, "observed_at"),
        (7, "observed_at"),
        (8, "post_id"),
        (9, "row"),
    ]
    assert await count(runtime, StatPoint) == 0
    real = await client.post(
        "/api/v1/stats/import", content=text.encode(), headers=csv_headers(editor)
    )
    assert real.status_code == 422
    assert "7 of 8 rows are invalid" in real.json()["detail"]
    assert real.json()["errors"][0]["field"] == "line.3.value"
    assert await count(runtime, StatPoint) == 0


async def test_wrong_columns_and_encodings_are_refused(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    bad_header = await client.post(
        "/api/v1/stats/import", content=b"post,when,how_many\nx,y,z\n", headers=csv_headers(editor)
    )
    assert bad_header.status_code == 422
    assert "unknown column 'post'" in bad_header.json()["detail"]
    binary = await client.post(
        "/api/v1/stats/import", content=b"\xff\xfe\x00\x81\x30" * 10, headers=csv_headers(editor)
    )
    assert binary.status_code == 422
    assert "UTF-8" in binary.json()["detail"]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10**12))
def test_numbers_read_back_whatever_the_spelling(value: int) -> None:
    assert parse_value(str(value)) == value
    assert parse_value(f"{value:,}") == value
    if value % 10_000 == 0:
        assert parse_value(f"{value // 10_000}万") == value


@given(st.text(max_size=20))
def test_any_cell_is_a_number_or_a_reason(cell: str) -> None:
    result = parse_value(cell)
    assert isinstance(result, int | str)
