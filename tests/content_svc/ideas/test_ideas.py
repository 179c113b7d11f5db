"""Ideas: the backlog, its filters and pages, starting a post, and what members keep asking."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from content_svc.consumers import HANDLERS
from event_contracts import CloudEvent, InteractionReceivedV1
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import Workspace

IDEAS = "/api/v1/ideas"


async def add_idea(client: httpx.AsyncClient, ws: Workspace, **fields: Any) -> dict[str, Any]:
    body = {"title": "秋季咖啡新品", **fields}
    response = await client.post(IDEAS, json=body, headers=ws.headers("editor"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def titles(client: httpx.AsyncClient, ws: Workspace, **params: Any) -> list[str]:
    response = await client.get(IDEAS, params=params, headers=ws.headers("analyst"))
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_ideas_filter_by_status_tag_origin_and_text(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    latte = await add_idea(client, workspace, title="拿铁的十种做法", tags=["咖啡", "Recipe"])
    await add_idea(client, workspace, title="Cold brew at home", summary="A latte alternative")
    await add_idea(client, workspace, title="门店开业", tags=["门店"], notes="100% 确定")
    await add_idea(client, other_workspace, title="拿铁 elsewhere", tags=["咖啡"])
    shortlisted = await client.patch(
        f"{IDEAS}/{latte['id']}", json={"status": "shortlisted"}, headers=workspace.headers()
    )
    assert shortlisted.json()["status"] == "shortlisted"

    assert await titles(client, workspace, status="shortlisted") == ["拿铁的十种做法"]
    assert await titles(client, workspace, tag="咖啡") == ["拿铁的十种做法"]
    assert await titles(client, workspace, tag="recipe") == ["拿铁的十种做法"]
    assert await titles(client, workspace, q="LATTE") == ["Cold brew at home"]
    assert await titles(client, workspace, q="拿铁") == ["拿铁的十种做法"]
    assert await titles(client, workspace, q="100%") == ["门店开业"]
    assert await titles(client, workspace, q="%") == ["门店开业"]
    assert len(await titles(client, workspace, origin="manual")) == 3
    assert await titles(client, workspace, origin="user_need") == []


async def test_ideas_page_through_once(client: httpx.AsyncClient, workspace: Workspace) -> None:
    made = [(await add_idea(client, workspace, title=f"idea {n}"))["title"] for n in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(IDEAS, params=params, headers=workspace.headers())).json()
        seen += [item["title"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))


async def test_a_post_started_from_an_idea_marks_it_used_and_keeps_the_link(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    idea = await add_idea(
        client,
        workspace,
        title="咖啡豆如何保存",
        summary="很多人问咖啡豆怎么保存",
        link="https://news.example.cn/beans",
        tags=["咖啡"],
    )
    stranger = await client.post(f"{IDEAS}/{idea['id']}/post", headers=other_workspace.headers())
    assert stranger.status_code == 404

    started = await client.post(
        f"{IDEAS}/{idea['id']}/post", json={"keywords": ["咖啡豆"]}, headers=workspace.headers()
    )
    assert started.status_code == 201, started.text
    post = started.json()
    assert post["title"] == "咖啡豆如何保存"
    assert post["idea_id"] == idea["id"]
    assert post["keywords"] == ["咖啡豆"]
    assert post["tags"] == ["咖啡"]
    assert "https://news.example.cn/beans" in post["body_markdown"]
    used = (await client.get(f"{IDEAS}/{idea['id']}", headers=workspace.headers())).json()
    assert (used["status"], used["post_id"]) == ("used", post["id"])

    again = await client.post(f"{IDEAS}/{idea['id']}/post", headers=workspace.headers())
    assert again.status_code == 409
    reopen = await client.patch(
        f"{IDEAS}/{idea['id']}", json={"status": "new"}, headers=workspace.headers()
    )
    assert reopen.status_code == 409


BAD_IDEAS = [
    ({"title": ""}, "title"),
    ({"title": "x", "link": "javascript:alert(1)"}, "link"),
    ({"title": "x", "tags": ["a" * 51]}, "tags.0"),
    ({"title": "x", "origin": "user_need"}, "origin"),
]


async def test_bad_ideas_are_422(client: httpx.AsyncClient, workspace: Workspace) -> None:
    for body, field in BAD_IDEAS:
        response = await client.post(IDEAS, json=body, headers=workspace.headers("editor"))
        assert response.status_code == 422, body
        assert field in [error["field"] for error in response.json()["errors"]]
    bad_filter = await client.get(IDEAS, params={"status": "maybe"}, headers=workspace.headers())
    assert bad_filter.status_code == 422


def question(workspace_id: str, member_id: str, text: str, *, kind: str = "comment") -> CloudEvent:
    interaction_id = str(uuid.uuid4())
    return CloudEvent.create(
        "interaction.received",
        "/user-svc",
        interaction_id,
        workspace_id,
        InteractionReceivedV1(
            interaction_id=interaction_id,
            workspace_id=workspace_id,
            member_id=member_id,
            platform="wechat_oa",
            kind=kind,
            text=text,
            external_id=f"ext-{interaction_id}",
            is_question=True,
            occurred_at=datetime.now(UTC),
        ),
    )


async def needs(client: httpx.AsyncClient, ws: Workspace) -> list[dict[str, Any]]:
    response = await client.get(IDEAS, params={"origin": "user_need"}, headers=ws.headers())
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_question_asked_by_three_members_becomes_a_user_need(
    client: httpx.AsyncClient, runtime: ServiceRuntime, workspace: Workspace
) -> None:
    handler = HANDLERS["interaction.received"]
    ws = workspace.id
    asks = [
        ("m1", "咖啡豆开封后怎么保存？"),
        ("m1", "咖啡豆放冰箱可以吗？"),  # the same member again does not count twice
        ("m2", "请问咖啡豆保存多久？"),
        ("m3", "不相关：门店几点开门？"),
    ]
    for member, text in asks:
        assert await runtime.consumer.apply(question(ws, member, text), handler)
    assert await needs(client, workspace) == []

    assert await runtime.consumer.apply(question(ws, "m4", "咖啡豆要密封保存吗"), handler)
    [need] = await needs(client, workspace)
    assert need["keyword"] == "咖啡豆"
    assert need["asker_count"] == 3
    assert "咖啡豆开封后怎么保存？" in need["sample_questions"]
    assert "咖啡豆" in need["title"]

    # A fourth member's question grows the same idea; a repeated event changes nothing.
    event = question(ws, "m5", "咖啡豆哪里买？")
    assert await runtime.consumer.apply(event, handler)
    assert not await runtime.consumer.apply(event, handler)
    [need] = await needs(client, workspace)
    assert need["asker_count"] == 4


async def test_likes_and_statements_are_not_questions(
    client: httpx.AsyncClient, runtime: ServiceRuntime, workspace: Workspace
) -> None:
    handler = HANDLERS["interaction.received"]
    for member in ("a", "b", "c", "d"):
        await runtime.consumer.apply(
            question(workspace.id, member, "咖啡豆 like", kind="like"), handler
        )
    assert await needs(client, workspace) == []
