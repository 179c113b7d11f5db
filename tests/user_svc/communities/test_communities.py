"""Communities: groups with members and roles, joins and leaves over time, a summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.user_svc.conftest import Ingest, Workspace, interaction


async def test_a_group_with_roles_joins_leaves_and_summary(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace, ingest: Ingest
) -> None:
    result = await ingest(
        interaction("c-1", "owner"), interaction("c-2", "admin"), interaction("c-3", "fan")
    )
    owner, admin, fan = (item["member_id"] for item in result["items"])
    created = await client.post(
        "/api/v1/communities",
        json={"name": "读者交流 1 群", "kind": "wechat_group", "external_id": "g-1"},
        headers=workspace.headers(),
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["summary"]["size"] == 0
    path = f"/api/v1/communities/{group['id']}"

    now = datetime.now(UTC)
    long_ago = (now - timedelta(days=60)).isoformat()
    for member_id, role, joined_at in (
        (owner, "owner", long_ago),
        (admin, "admin", None),
        (fan, "member", None),
    ):
        body = {"member_id": member_id, "role": role}
        if joined_at:
            body["joined_at"] = joined_at
        joined = await client.post(f"{path}/members", json=body, headers=workspace.headers())
        assert joined.status_code == 201, joined.text

    twice = await client.post(
        f"{path}/members", json={"member_id": fan}, headers=workspace.headers()
    )
    assert twice.status_code == 409
    second_owner = await client.patch(
        f"{path}/members/{admin}", json={"role": "owner"}, headers=workspace.headers()
    )
    assert second_owner.status_code == 409
    bad_role = await client.patch(
        f"{path}/members/{admin}", json={"role": "king"}, headers=workspace.headers()
    )
    assert bad_role.status_code == 422
    stranger = await client.post(
        f"{path}/members", json={"member_id": "no-such-member"}, headers=workspace.headers()
    )
    assert stranger.status_code == 422
    assert stranger.json()["errors"][0]["field"] == "member_id"

    left = await client.delete(f"{path}/members/{fan}", headers=workspace.headers())
    assert left.status_code == 204
    summary = (await client.get(path, headers=workspace.headers("analyst"))).json()["summary"]
    assert summary == {
        "size": 2,
        "owners": 1,
        "admins": 1,
        "joined_last_30_days": 2,
        "left_last_30_days": 1,
        "active_last_7_days": 2,
    }
    current = (await client.get(f"{path}/members", headers=workspace.headers())).json()["items"]
    assert [m["member_id"] for m in current] == [admin, owner]
    history = await client.get(
        f"{path}/members", params={"include_former": "true"}, headers=workspace.headers()
    )
    assert len(history.json()["items"]) == 3

    rejoined = await client.post(
        f"{path}/members", json={"member_id": fan}, headers=workspace.headers()
    )
    assert rejoined.status_code == 201
    activity = (
        await client.get(f"{path}/activity", params={"days": 7}, headers=workspace.headers())
    ).json()
    assert activity["next_cursor"] is None  # the days asked for, on one page
    activity = activity["items"]
    assert len(activity) == 7
    today = activity[-1]
    assert (today["joins"], today["leaves"], today["size"]) == (3, 1, 3)
    assert activity[0]["size"] == 1  # the owner, who joined two months ago

    assert (await client.get(path, headers=other_workspace.headers())).status_code == 404
    foreign = await client.post(
        f"{path}/members", json={"member_id": fan}, headers=other_workspace.headers()
    )
    assert foreign.status_code == 404
    assert (await client.delete(path, headers=workspace.headers("analyst"))).status_code == 403
    assert (await client.delete(path, headers=workspace.headers())).status_code == 204
    assert (await client.get("/api/v1/communities", headers=workspace.headers())).json()[
        "items"
    ] == []


async def test_unknown_group_kinds_are_refused(
    client: httpx.AsyncClient, workspace: Workspace
) -> None:
    response = await client.post(
        "/api/v1/communities", json={"name": "x", "kind": "myspace"}, headers=workspace.headers()
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"
