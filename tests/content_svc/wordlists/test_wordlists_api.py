"""Word lists: categories as textkit knows them, who may change them, and each change sent
as `wordlist.changed` with the whole list."""

from __future__ import annotations

from typing import get_args

import httpx
from content_svc.models import OutboxMessage
from content_svc.wordlists.schemas import Category
from event_contracts import CloudEvent, WordlistChangedV1
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select
from textkit import WORD_CATEGORIES

from tests.content_svc.factories import Workspace

WORDLISTS = "/api/v1/wordlists"


def test_the_api_categories_are_textkits() -> None:
    assert set(get_args(Category)) == set(WORD_CATEGORIES)


async def test_word_lists_validate_categories_and_emit_the_whole_list(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    other_workspace: Workspace,
) -> None:
    unknown = await client.post(
        WORDLISTS,
        json={
            "name": "x",
            "words": [{"word": "a", "category": "political"}, {"word": "b", "category": "rude"}],
        },
        headers=workspace.headers("editor"),
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "words.1.category"

    created = await client.post(
        WORDLISTS,
        json={"name": "广告法", "words": [{"word": "国家级", "category": "advertising_law"}]},
        headers=workspace.headers("editor"),
    )
    wordlist = created.json()
    replaced = await client.put(
        f"{WORDLISTS}/{wordlist['id']}",
        json={
            "name": "广告法",
            "words": [
                {"word": "国家级", "category": "advertising_law"},
                {"word": "特效", "category": "medical_claim"},
            ],
        },
        headers=workspace.headers("editor"),
    )
    assert replaced.json()["version"] == 2
    assert (
        await client.get(f"{WORDLISTS}/{wordlist['id']}", headers=other_workspace.headers())
    ).status_code == 404
    deleted = await client.delete(f"{WORDLISTS}/{wordlist['id']}", headers=workspace.headers())
    assert deleted.status_code == 204

    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    payloads = [CloudEvent.from_bytes(row.value).payload() for row in rows]
    lists = [p for p in payloads if isinstance(p, WordlistChangedV1)]
    assert len(lists) == len(payloads)
    assert [(p.deleted, [w.word for w in p.words]) for p in lists] == [
        (False, ["国家级"]),
        (False, ["国家级", "特效"]),
        (True, []),
    ]


def _key(workspace: Workspace, *scopes: str) -> dict[str, str]:
    token = workspace.signer.token(workspace_id=workspace.id, roles=(), scopes=list(scopes))
    return {"Authorization": f"Bearer {token}"}


async def test_owners_editors_and_reviewers_change_word_lists_and_nobody_else(
    client: httpx.AsyncClient, workspace: Workspace
) -> None:
    body = {"name": "竞品", "words": [{"word": "星巴克", "category": "competitor"}]}
    for role in ("owner", "editor", "reviewer"):
        created = await client.post(WORDLISTS, json=body, headers=workspace.headers(role))
        assert created.status_code == 201, (role, created.text)
    wordlist_id = created.json()["id"]
    refused = {
        "analyst": workspace.headers("analyst"),
        "key with content:write": _key(workspace, "content:read", "content:write"),
    }
    for who, headers in refused.items():
        assert (await client.post(WORDLISTS, json=body, headers=headers)).status_code == 403, who
        path = f"{WORDLISTS}/{wordlist_id}"
        assert (await client.put(path, json=body, headers=headers)).status_code == 403, who
        assert (await client.delete(path, headers=headers)).status_code == 403, who
    # Everyone reads them, and so does a key with `content:read`.
    for headers in (workspace.headers("analyst"), _key(workspace, "content:read")):
        listed = await client.get(WORDLISTS, headers=headers)
        assert listed.status_code == 200
        assert len(listed.json()["items"]) == 3


async def test_a_word_list_change_is_an_event_of_content_svc_keyed_by_the_list(
    client: httpx.AsyncClient, runtime: ServiceRuntime, workspace: Workspace
) -> None:
    body = {"name": "广告法", "words": [{"word": "国家级", "category": "advertising_law"}]}
    created = (await client.post(WORDLISTS, json=body, headers=workspace.headers())).json()
    # The same name and words again change nothing, and say nothing.
    again = await client.put(f"{WORDLISTS}/{created['id']}", json=body, headers=workspace.headers())
    assert again.json()["version"] == 1

    async with runtime.db.transaction() as session:
        [row] = (await session.scalars(select(OutboxMessage))).all()
    event = CloudEvent.from_bytes(row.value)
    assert (event.type, event.source, event.subject) == (
        "wordlist.changed",
        "/content-svc",
        created["id"],
    )
    assert (row.topic, row.key) == ("wordlist.changed", created["id"].encode())
    assert event.workspaceid == workspace.id


async def test_word_lists_come_in_pages_oldest_first(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    names = ["一", "二", "三"]
    for name in names:
        body = {"name": name, "words": [{"word": "星巴克", "category": "competitor"}]}
        created = await client.post(WORDLISTS, json=body, headers=workspace.headers())
        assert created.status_code == 201, created.text

    first = (await client.get(WORDLISTS, params={"limit": 2}, headers=workspace.headers())).json()
    rest = await client.get(
        WORDLISTS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=workspace.headers()
    )
    forged = await client.get(WORDLISTS, params={"cursor": "x"}, headers=workspace.headers())
    theirs = await client.get(WORDLISTS, headers=other_workspace.headers())

    assert [w["name"] for w in first["items"]] == names[:2]
    assert [w["name"] for w in rest.json()["items"]] == names[2:]
    assert rest.json()["next_cursor"] is None
    assert forged.status_code == 422
    assert forged.json()["errors"][0]["field"] == "cursor"
    assert theirs.json() == {"items": [], "next_cursor": None}
