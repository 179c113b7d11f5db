"""CSV exports open in a spreadsheet as text: titles and names never run as formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx

from tests.metrics_svc.conftest import Seeder, point
from tests.metrics_svc.helpers import campaign

NOW = datetime.now(UTC).replace(microsecond=0)
EVIL_TITLE = '=HYPERLINK("http://evil")'
EVIL_CHANNEL = "+cmd|' /C calc'!A0"
EVIL_CAMPAIGN = "@SUM(1+1)*cmd"


async def rows_of(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> list[list[str]]:
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def column(rows: list[list[str]], name: str) -> list[str]:
    header, *body = rows
    index = header.index(name)
    return [row[index] for row in body]


async def test_a_formula_title_exports_as_a_harmless_text_cell(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    channel = await seed.channel(name=EVIL_CHANNEL)
    published = NOW - timedelta(days=2)
    post = await seed.post([channel], published, title=EVIL_TITLE)
    await campaign(
        seed,
        name=EVIL_CAMPAIGN,
        starts_at=published - timedelta(days=1),
        ends_at=NOW + timedelta(days=5),
        goals={"reads": 1000},
        post_ids=[post],
        channel_ids=[channel],
    )
    response = await client.post(
        "/api/v1/stats",
        json={
            "points": [
                point("reads", 300, published + timedelta(hours=5), post_id=post),
                point("followers", 1000, published + timedelta(hours=6), channel_id=channel),
                point("followers", 960, published + timedelta(days=1), channel_id=channel),
            ]
        },
        headers=editor,
    )
    assert response.status_code in (200, 201), response.text

    top = await rows_of(client, "/api/v1/reports/top-posts?format=csv", editor)
    assert column(top, "title") == ["'" + EVIL_TITLE]

    report = await rows_of(client, f"/api/v1/reports/posts/{post}?format=csv", editor)
    assert column(report, "channel") == ["'" + EVIL_CHANNEL, "'" + EVIL_TITLE]

    campaigns = await rows_of(client, "/api/v1/reports/campaigns?format=csv", editor)
    assert column(campaigns, "name") == ["'" + EVIL_CAMPAIGN]

    # Figures stay numbers: a loss of followers is a negative number, not escaped text.
    start = published.date()
    overview = await rows_of(
        client,
        f"/api/v1/reports/overview?from={start}&to={start + timedelta(days=1)}&format=csv",
        editor,
    )
    assert "-40" in column(overview, "followers_net")
    assert "'" + EVIL_CHANNEL in column(overview, "channel")
    assert not any(cell.startswith(("=", "+", "@")) for row in overview for cell in row)
