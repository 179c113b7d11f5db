"""Merging two records of one person: everything moves, the old id redirects."""

from __future__ import annotations

import httpx

from tests.user_svc.conftest import Ingest, Workspace, interaction


async def test_merging_moves_everything_and_the_old_id_redirects(
    client: httpx.AsyncClient, workspace: Workspace, ingest: Ingest
) -> None:
    result = await ingest(
        interaction("w-1", "weibo-user", platform="weibo", text="价格多少？"),
        interaction("z-1", "zhihu-user", platform="zhihu", kind="share", text=None),
    )
    survivor, other = result["items"][0]["member_id"], result["items"][1]["member_id"]
    await client.post(
        f"/api/v1/members/{survivor}/tags", json={"tags": ["a"]}, headers=workspace.headers()
    )
    await client.post(
        f"/api/v1/members/{other}/tags", json={"tags": ["a", "b"]}, headers=workspace.headers()
    )

    self_merge = await client.post(
        f"/api/v1/members/{survivor}/merge",
        json={"other_member_id": survivor},
        headers=workspace.headers(),
    )
    assert self_merge.status_code == 422
    assert self_merge.json()["errors"][0]["field"] == "other_member_id"

    merged = await client.post(
        f"/api/v1/members/{survivor}/merge",
        json={"other_member_id": other},
        headers=workspace.headers(),
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert sorted(i["platform"] for i in body["identities"]) == ["weibo", "zhihu"]
    assert body["tags"] == ["a", "b"]
    assert body["interaction_count"] == 2
    assert 7.9 < body["engagement_score"] <= 8.0

    redirect = await client.get(f"/api/v1/members/{other}", headers=workspace.headers())
    assert redirect.status_code == 308
    assert redirect.headers["location"] == f"/api/v1/members/{survivor}"
    assert redirect.json()["merged_into"] == survivor
    timeline = await client.get(
        "/api/v1/interactions", params={"member_id": survivor}, headers=workspace.headers()
    )
    assert len(timeline.json()["items"]) == 2
    listed = await client.get("/api/v1/members", headers=workspace.headers())
    assert [m["id"] for m in listed.json()["items"]] == [survivor]
    # A new interaction from the merged identity lands on the survivor.
    later = await ingest(interaction("z-2", "zhihu-user", platform="zhihu"))
    assert later["items"][0]["member_id"] == survivor
    again = await client.post(
        f"/api/v1/members/{survivor}/merge",
        json={"other_member_id": other},
        headers=workspace.headers(),
    )
    assert again.status_code == 409
