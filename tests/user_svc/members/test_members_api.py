"""Members: identities unique per workspace, tags, attributes, search and pages."""

from __future__ import annotations

from typing import Any

import httpx

from tests.user_svc.conftest import Ingest, Workspace, interaction


async def create(client: httpx.AsyncClient, workspace: Workspace, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/members", json=body, headers=workspace.headers())
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_identities_are_unique_per_workspace(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    member = await create(
        client,
        workspace,
        display_name="小鱼",
        identities=[{"platform": "WeChat", "external_id": "o-1", "handle": "小鱼"}],
        tags=["VIP", "北京"],
        attributes={"city": "北京", "level": 3},
    )
    assert member["identities"][0]["platform"] == "wechat"
    assert member["tags"] == ["vip", "北京"]
    assert member["attributes"] == {"city": "北京", "level": 3}

    taken = await client.post(
        "/api/v1/members",
        json={
            "identities": [
                {"platform": "weibo", "external_id": "w"},
                {"platform": "wechat", "external_id": "o-1"},
            ]
        },
        headers=workspace.headers(),
    )
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["field"] == "identities.1"
    assert taken.json()["member_ids"] == [member["id"]]

    twice = await client.post(
        "/api/v1/members",
        json={"identities": [{"platform": "qq", "external_id": "1"}] * 2},
        headers=workspace.headers(),
    )
    assert twice.status_code == 422
    assert twice.json()["errors"][0]["field"] == "identities.1"

    await create(client, other_workspace, identities=[{"platform": "wechat", "external_id": "o-1"}])


async def test_update_tags_attributes_and_identities(
    client: httpx.AsyncClient, workspace: Workspace
) -> None:
    member = await create(client, workspace, tags=["a"], attributes={"city": "上海", "age": 30})
    path = f"/api/v1/members/{member['id']}"
    patched = await client.patch(
        path,
        json={"display_name": "阿明", "attributes": {"age": None, "vip": True}},
        headers=workspace.headers(),
    )
    assert patched.json()["attributes"] == {"city": "上海", "vip": True}
    assert patched.json()["display_name"] == "阿明"
    tagged = await client.post(
        f"{path}/tags", json={"tags": ["b", "A"]}, headers=workspace.headers()
    )
    assert tagged.json()["tags"] == ["a", "b"]
    untagged = await client.delete(f"{path}/tags/a", headers=workspace.headers())
    assert untagged.json()["tags"] == ["b"]
    assert (await client.delete(f"{path}/tags/a", headers=workspace.headers())).status_code == 404
    added = await client.post(
        f"{path}/identities",
        json={"platform": "douyin", "external_id": "d-1"},
        headers=workspace.headers(),
    )
    identity = added.json()["identities"][0]
    removed = await client.delete(
        f"{path}/identities/{identity['id']}", headers=workspace.headers()
    )
    assert removed.json()["identities"] == []
    unknown = await client.patch(path, json={"nickname": "x"}, headers=workspace.headers())
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "nickname"
    analyst = await client.patch(
        path, json={"display_name": "x"}, headers=workspace.headers("analyst")
    )
    assert analyst.status_code == 403


async def test_search_and_cursor_pages(
    client: httpx.AsyncClient, workspace: Workspace, ingest: Ingest
) -> None:
    ids = [
        (
            await create(
                client, workspace, display_name=f"Reader {i}", tags=["vip"] if i % 2 else []
            )
        )["id"]
        for i in range(5)
    ]
    await create(
        client,
        workspace,
        display_name="张三",
        identities=[{"platform": "zhihu", "external_id": "z", "handle": "zhang_100%"}],
    )
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, "q": "reader"}
        if cursor:
            params["cursor"] = cursor
        page = (
            await client.get("/api/v1/members", params=params, headers=workspace.headers())
        ).json()
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))

    async def search(**params: Any) -> list[str | None]:
        response = await client.get("/api/v1/members", params=params, headers=workspace.headers())
        assert response.status_code == 200, response.text
        return [m["display_name"] for m in response.json()["items"]]

    assert await search(tag="VIP") == ["Reader 3", "Reader 1"]
    assert await search(platform="zhihu") == ["张三"]
    assert await search(q="%") == ["张三"]
    assert await search(q="_") == ["张三"]
    result = await ingest(interaction("c-1", "fan", text="hi"))
    assert await search(active_within_days=1) == ["@fan"]
    assert await search(sort="engagement", limit=1) == ["@fan"]
    assert result["members_created"] == 1
    bad = await client.get(
        "/api/v1/members", params={"cursor": "nope"}, headers=workspace.headers()
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"
