"""Segments: rules compiled to one query, live counts, member lists and CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.user_svc.conftest import Ingest, Workspace, interaction


async def community(
    client: httpx.AsyncClient, workspace: Workspace, ingest: Ingest
) -> dict[str, str]:
    """Four members: ids by name."""
    now = datetime.now(UTC)
    result = await ingest(
        interaction("a-1", "alice", text="这个课程的价格是多少？", post_id="p-1"),
        interaction("a-2", "alice", kind="share", text=None, post_id="p-1"),
        interaction(
            "b-1",
            "bob",
            platform="zhihu",
            text="=SUM(A1) great post",
            occurred_at=now - timedelta(days=40),
        ),
        interaction(
            "c-1",
            "carol",
            kind="like",
            text=None,
            post_id="p-2",
            occurred_at=now - timedelta(days=3),
        ),
        interaction(
            "d-1",
            "dave",
            platform="wechat",
            kind="follow",
            text=None,
            occurred_at=now - timedelta(days=100),
        ),
    )
    ids = {
        name: result["items"][i]["member_id"]
        for name, i in (("alice", 0), ("bob", 2), ("carol", 3), ("dave", 4))
    }
    for name, tags in (("alice", ["vip", "beijing"]), ("bob", ["vip"]), ("carol", ["beijing"])):
        response = await client.post(
            f"/api/v1/members/{ids[name]}/tags", json={"tags": tags}, headers=workspace.headers()
        )
        assert response.status_code == 200
    return ids


async def matches(client: httpx.AsyncClient, workspace: Workspace, rules: dict[str, Any]) -> int:
    response = await client.post(
        "/api/v1/segments/preview", json={"rules": rules}, headers=workspace.headers("analyst")
    )
    assert response.status_code == 200, response.text
    count: int = response.json()["count"]
    return count


async def test_each_rule_narrows_the_members(
    client: httpx.AsyncClient, workspace: Workspace, ingest: Ingest
) -> None:
    await community(client, workspace, ingest)
    assert await matches(client, workspace, {}) == 4
    assert await matches(client, workspace, {"tags_any": ["vip", "beijing"]}) == 3
    assert await matches(client, workspace, {"tags_all": ["vip", "beijing"]}) == 1
    assert await matches(client, workspace, {"tags_none": ["vip"]}) == 2
    assert await matches(client, workspace, {"platforms_any": ["zhihu", "wechat"]}) == 2
    assert await matches(client, workspace, {"interests_any": ["价格"]}) == 1
    assert await matches(client, workspace, {"active_within_days": 30}) == 2
    assert await matches(client, workspace, {"inactive_for_days": 30}) == 2
    assert await matches(client, workspace, {"interacted_with_post": "p-1"}) == 1
    assert await matches(client, workspace, {"asked_question_within_days": 7}) == 1
    # Scores: alice ~8 (comment 3 + share 5), bob ~1.2 (a comment 40 days ago),
    # carol ~0.9 (a like 3 days ago), dave ~0.2 (a follow 100 days ago).
    assert await matches(client, workspace, {"min_score": 5}) == 1
    assert await matches(client, workspace, {"min_score": 0.5, "max_score": 5}) == 2
    assert (
        await matches(
            client,
            workspace,
            {"tags_any": ["vip"], "active_within_days": 30, "interests_any": ["价格"]},
        )
        == 1
    )


async def test_unknown_or_inconsistent_rules_are_refused_by_name(
    client: httpx.AsyncClient, workspace: Workspace
) -> None:
    response = await client.post(
        "/api/v1/segments",
        json={"name": "x", "rules": {"tags_any": ["a"], "city": "北京", "vip_only": True}},
        headers=workspace.headers(),
    )
    assert response.status_code == 422
    assert sorted(e["field"] for e in response.json()["errors"]) == ["rules.city", "rules.vip_only"]
    response = await client.post(
        "/api/v1/segments",
        json={"name": "x", "rules": {"min_score": 5, "max_score": 1}},
        headers=workspace.headers(),
    )
    assert response.status_code == 422
    assert "min_score" in response.json()["detail"]


async def test_saved_segment_counts_lists_and_exports_live(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace, ingest: Ingest
) -> None:
    ids = await community(client, workspace, ingest)
    created = await client.post(
        "/api/v1/segments",
        json={"name": "VIP 粉丝", "rules": {"tags_any": ["vip"]}},
        headers=workspace.headers(),
    )
    assert created.status_code == 201, created.text
    segment = created.json()
    assert segment["count"] == 2
    assert segment["rules"] == {"tags_any": ["vip"]}
    path = f"/api/v1/segments/{segment['id']}"

    await client.post(
        f"/api/v1/members/{ids['carol']}/tags", json={"tags": ["vip"]}, headers=workspace.headers()
    )
    assert (await client.get(path, headers=workspace.headers("analyst"))).json()["count"] == 3

    members = (
        await client.get(f"{path}/members", params={"limit": 2}, headers=workspace.headers())
    ).json()
    assert [m["id"] for m in members["items"]] == [ids["alice"], ids["bob"]]  # most engaged first
    rest = await client.get(
        f"{path}/members",
        params={"limit": 2, "cursor": members["next_cursor"]},
        headers=workspace.headers(),
    )
    assert [m["id"] for m in rest.json()["items"]] == [ids["carol"]]

    export = await client.get(f"{path}/export.csv", headers=workspace.headers("analyst"))
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    text = export.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["member_id"] for r in rows) == sorted([ids["alice"], ids["bob"], ids["carol"]])
    alice = next(r for r in rows if r["member_id"] == ids["alice"])
    assert alice["identities"] == "weibo:alice"
    assert alice["tags"] == "beijing vip"
    assert alice["display_name"] == "'@alice"  # a leading @ could start a formula

    renamed = await client.patch(
        path, json={"rules": {"tags_all": ["vip", "beijing"]}}, headers=workspace.headers()
    )
    assert renamed.json()["count"] == 2
    listed = await client.get(
        "/api/v1/segments", params={"with_counts": "true"}, headers=workspace.headers()
    )
    assert [(s["name"], s["count"]) for s in listed.json()["items"]] == [("VIP 粉丝", 2)]

    for url in (path, f"{path}/members", f"{path}/export.csv"):
        assert (await client.get(url, headers=other_workspace.headers())).status_code == 404
    assert (await client.delete(path, headers=workspace.headers("analyst"))).status_code == 403
    assert (await client.delete(path, headers=workspace.headers())).status_code == 204
    assert (await client.get(path, headers=workspace.headers())).status_code == 404


async def test_csv_cells_cannot_run_as_formulas(
    client: httpx.AsyncClient, workspace: Workspace, ingest: Ingest
) -> None:
    await client.post(
        "/api/v1/members",
        json={"display_name": '=HYPERLINK("http://x")', "tags": ["t"]},
        headers=workspace.headers(),
    )
    segment = (
        await client.post(
            "/api/v1/segments",
            json={"name": "t", "rules": {"tags_any": ["t"]}},
            headers=workspace.headers(),
        )
    ).json()
    export = await client.get(
        f"/api/v1/segments/{segment['id']}/export.csv", headers=workspace.headers()
    )
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0]["display_name"] == '\'=HYPERLINK("http://x")'


async def test_segments_come_in_pages_newest_first(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    names = ["一", "二", "三"]
    for name in names:
        created = await client.post(
            "/api/v1/segments",
            json={"name": name, "rules": {"tags_any": ["vip"]}},
            headers=workspace.headers(),
        )
        assert created.status_code == 201, created.text

    path = "/api/v1/segments"
    first = (await client.get(path, params={"limit": 2}, headers=workspace.headers())).json()
    rest = await client.get(
        path, params={"limit": 2, "cursor": first["next_cursor"]}, headers=workspace.headers()
    )
    theirs = await client.get(path, headers=other_workspace.headers())

    assert [s["name"] for s in first["items"]] == ["三", "二"]
    assert [s["name"] for s in rest.json()["items"]] == ["一"]
    assert rest.json()["next_cursor"] is None
    assert first["items"][0]["count"] is None  # counted only when asked (with_counts)
    assert theirs.json() == {"items": [], "next_cursor": None}
