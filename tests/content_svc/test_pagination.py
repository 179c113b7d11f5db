"""Every list pages the same way: a cursor that is not one this list handed out is a 422
naming `cursor`, never a 500, even when it is well formed."""

from __future__ import annotations

import httpx
import pytest
from servicekit.pagination import encode_cursor

from tests.content_svc.factories import Workspace

LISTS = ("/api/v1/posts", "/api/v1/ideas", "/api/v1/sources", "/api/v1/campaigns")
FORGED = (
    encode_cursor("created", 5, "x"),  # a number where a time belongs
    encode_cursor("created", "yesterday", "x"),
    encode_cursor("performance", "best", "x"),
    encode_cursor("performance", 5, "x"),  # another list's order
)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("cursor", FORGED)
async def test_a_forged_cursor_is_a_422_naming_it(
    client: httpx.AsyncClient, workspace: Workspace, path: str, cursor: str
) -> None:
    response = await client.get(path, params={"cursor": cursor}, headers=workspace.headers())
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["cursor"]


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor("performance", "best", "x"),  # a word where a rank belongs
        encode_cursor("performance", 1.5, "x"),
        encode_cursor("created", 5, "x"),  # the newest-first order's cursor
    ],
)
async def test_a_forged_cursor_of_the_performance_order_is_a_422(
    client: httpx.AsyncClient, workspace: Workspace, cursor: str
) -> None:
    response = await client.get(
        "/api/v1/posts",
        params={"sort": "performance", "cursor": cursor},
        headers=workspace.headers(),
    )
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["cursor"]
