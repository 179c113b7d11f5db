"""The library once files are in: listing and search, links that expire, the ordered media
of a post, and deletion refused while a scheduled or published post uses an item."""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace
from tests.content_svc.media.conftest import MEDIA, Uploader, fetch, fields
from tests.content_svc.media.files import image_bytes

POSTS = "/api/v1/posts"


async def _item(upload: Uploader, color: str, name: str, **kwargs: Any) -> dict[str, Any]:
    response = await upload(image_bytes("PNG", (64, 48), color), name, **kwargs)
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


async def _names(client: httpx.AsyncClient, workspace: Workspace, **query: str) -> list[str]:
    response = await client.get(MEDIA, params=query, headers=workspace.headers("analyst"))
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


async def test_search_by_name_or_tag_and_page_through(
    client: httpx.AsyncClient, upload: Uploader, workspace: Workspace, other_workspace: Workspace
) -> None:
    await _item(upload, "red", "春季新品.png", tags=("launch", "spring"))
    await _item(upload, "green", "team.png", tags=("office",))
    await _item(upload, "blue", "launch-stage.png")
    await _item(upload, "red", "theirs.png", tags=("launch",), ws=other_workspace)

    assert await _names(client, workspace) == ["launch-stage.png", "team.png", "春季新品.png"]
    assert await _names(client, workspace, tag="LAUNCH") == ["春季新品.png"]
    assert await _names(client, workspace, q="launch") == ["launch-stage.png", "春季新品.png"]
    assert await _names(client, workspace, q="春季") == ["春季新品.png"]
    assert await _names(client, workspace, kind="video") == []

    first = await client.get(MEDIA, params={"limit": 2}, headers=workspace.headers("analyst"))
    cursor = first.json()["next_cursor"]
    rest = await client.get(
        MEDIA, params={"limit": 2, "cursor": cursor}, headers=workspace.headers("analyst")
    )
    assert [item["name"] for item in rest.json()["items"]] == ["春季新品.png"]
    assert rest.json()["next_cursor"] is None


async def test_an_item_is_changed_and_read_back_within_its_workspace_only(
    client: httpx.AsyncClient, upload: Uploader, workspace: Workspace, other_workspace: Workspace
) -> None:
    item = await _item(upload, "red", "cover.png")
    url = f"{MEDIA}/{item['id']}"

    changed = await client.patch(
        url, json={"name": "封面.png", "tags": ["cover", "Cover"]}, headers=workspace.headers()
    )
    assert changed.status_code == 200, changed.text
    read = await client.get(url, headers=workspace.headers("analyst"))
    assert (read.json()["name"], read.json()["tags"]) == ("封面.png", ["cover"])
    assert (await client.get(url, headers=other_workspace.headers("owner"))).status_code == 404
    deleted = await client.delete(url, headers=other_workspace.headers("owner"))
    assert deleted.status_code == 404
    assert (await client.get(url, headers=workspace.headers("analyst"))).status_code == 200


async def test_a_file_link_works_only_as_signed_and_until_it_expires(
    client: httpx.AsyncClient, upload: Uploader
) -> None:
    item = await _item(upload, "red", "a.png")
    assert (await fetch(client, item["url"])).status_code == 200
    parts = urlsplit(item["url"])
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}

    def link(**changes: str) -> str:
        return f"{parts.path}?{urlencode({**query, **changes})}"

    tampered = link(signature="0" * 64)
    thumbnail_with_file_signature = link(variant="thumbnail")
    longer = link(expires=str(int(query["expires"]) + 3600))
    expired = link(expires=str(int(time.time()) - 1))
    for url in (tampered, thumbnail_with_file_signature, longer, expired):
        response = await client.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/problem+json"


async def test_a_post_lists_its_media_in_order(
    client: httpx.AsyncClient,
    upload: Uploader,
    create_post: PostFactory,
    workspace: Workspace,
    other_workspace: Workspace,
) -> None:
    cover = (await _item(upload, "red", "cover.png"))["id"]
    inside = (await _item(upload, "green", "inside.png"))["id"]
    theirs = (await _item(upload, "blue", "theirs.png", ws=other_workspace))["id"]

    post = await create_post(media_ids=[cover, inside.upper()])
    assert post["media_ids"] == [cover, inside]
    edited = await client.patch(
        f"{POSTS}/{post['id']}",
        json={"version": post["version"], "media_ids": [inside, cover]},
        headers=workspace.headers(),
    )
    assert edited.status_code == 200, edited.text
    read = await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers())
    assert read.json()["media_ids"] == [inside, cover]

    refused = await client.post(
        POSTS,
        json={
            "title": "t",
            "body_markdown": "b",
            "media_ids": [cover, theirs, str(uuid.uuid4()), cover, "not-an-id"],
        },
        headers=workspace.headers(),
    )
    assert refused.status_code == 422, refused.text
    assert fields(refused.json()) == ["media_ids.1", "media_ids.2", "media_ids.3", "media_ids.4"]


async def test_deletion_waits_until_no_scheduled_or_published_post_uses_the_item(
    client: httpx.AsyncClient,
    upload: Uploader,
    create_post: PostFactory,
    known_channel: ChannelFactory,
    workspace: Workspace,
) -> None:
    used = await _item(upload, "red", "used.png")
    drafted = await _item(upload, "green", "drafted.png")
    published = await create_post(media_ids=[used["id"], drafted["id"]])
    draft = await create_post(media_ids=[drafted["id"]])
    response = await client.post(
        f"{POSTS}/{published['id']}/publish",
        json={"channel_ids": [await known_channel()]},
        headers=workspace.headers("owner"),
    )
    assert response.status_code == 200, response.text
    # Editing a published post is not allowed, so the published post keeps both items...
    refused = await client.delete(f"{MEDIA}/{used['id']}", headers=workspace.headers())
    assert refused.status_code == 409
    assert refused.json()["post_ids"] == [published["id"]]
    assert (await fetch(client, used["url"])).status_code == 200

    # ...and `drafted`, listed by the published post too, stays as well.
    assert (
        await client.delete(f"{MEDIA}/{drafted['id']}", headers=workspace.headers())
    ).status_code == 409

    free = await _item(upload, "blue", "free.png")
    await client.patch(
        f"{POSTS}/{draft['id']}",
        json={"version": draft["version"], "media_ids": [free["id"]]},
        headers=workspace.headers(),
    )
    deleted = await client.delete(f"{MEDIA}/{free['id']}", headers=workspace.headers())
    assert deleted.status_code == 204
    assert (await fetch(client, free["url"])).status_code == 404
    assert (await fetch(client, free["thumbnail_url"])).status_code == 404
    draft_now = await client.get(f"{POSTS}/{draft['id']}", headers=workspace.headers())
    assert draft_now.json()["media_ids"] == []
