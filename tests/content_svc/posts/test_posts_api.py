"""Writing, listing and reading posts over HTTP, inside one workspace."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.content_svc.factories import PostFactory, Workspace

POSTS = "/api/v1/posts"


def _fields(problem: dict[str, Any]) -> list[str]:
    return [error["field"] for error in problem["errors"]]


async def test_an_editor_writes_a_draft_and_reads_it_back(
    client: httpx.AsyncClient, workspace: Workspace
) -> None:
    body = {
        "title": "  春季新品发布会回顾  ",
        "body_markdown": "# 回顾\n\n感谢大家的参与！<script>alert(1)</script>",
        "summary": "一文看懂三大亮点",
        "cover_url": "https://cdn.example.com/covers/spring.jpg",
        "tags": ["新品", "发布会", "新品"],
        "keywords": ["春季"],
    }
    response = await client.post(POSTS, json=body, headers=workspace.headers("editor"))

    assert response.status_code == 201, response.text
    post = response.json()
    assert post["title"] == "春季新品发布会回顾"
    assert post["body_markdown"] == body["body_markdown"]
    assert post["body_html"] == "<h1>回顾</h1>\n<p>感谢大家的参与！</p>\n"
    assert post["summary"] == "一文看懂三大亮点"
    assert post["cover_url"] == "https://cdn.example.com/covers/spring.jpg"
    assert post["tags"] == ["新品", "发布会"]
    assert post["keywords"] == ["春季"]
    assert post["status"] == "draft"
    assert post["version"] == 1
    assert post["author_id"] == workspace.user_id
    assert post["published_at"] is None
    assert post["channels"] == []
    assert post["created_at"] == post["updated_at"]

    fetched = await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers("analyst"))
    assert fetched.status_code == 200
    assert fetched.json() == post


async def test_markdown_keeps_its_whitespace(
    client: httpx.AsyncClient, create_post: PostFactory
) -> None:
    post = await create_post(body_markdown="    indented code\n\nline  \nbreak")
    assert post["body_markdown"] == "    indented code\n\nline  \nbreak"
    assert post["body_html"].startswith("<pre><code>indented code")
    assert "line<br>" in post["body_html"] or "line<br />" in post["body_html"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "   ", "body_markdown": "x"}, "title"),
        ({"title": "", "body_markdown": "x"}, "title"),
        ({"title": "t" * 201, "body_markdown": "x"}, "title"),
        ({"body_markdown": "x"}, "title"),
        ({"title": "t"}, "body_markdown"),
        ({"title": "t", "body_markdown": "x" * 200_001}, "body_markdown"),
        ({"title": "t", "body_markdown": "x", "summary": "s" * 501}, "summary"),
        (
            {"title": "t", "body_markdown": "x", "cover_url": "javascript:alert(1)"},
            "cover_url",
        ),
        (
            {"title": "t", "body_markdown": "x", "cover_url": "ftp://example.com/a"},
            "cover_url",
        ),
        ({"title": "t", "body_markdown": "x", "tags": ["ok", "  "]}, "tags.1"),
        ({"title": "t", "body_markdown": "x", "status": "published"}, "status"),
        ({"title": "t", "body_markdown": "x", "author_id": "someone"}, "author_id"),
    ],
)
async def test_bad_drafts_are_refused_naming_the_field(
    client: httpx.AsyncClient, workspace: Workspace, body: dict[str, Any], field: str
) -> None:
    response = await client.post(POSTS, json=body, headers=workspace.headers("editor"))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in _fields(response.json())
    listed = await client.get(POSTS, headers=workspace.headers("editor"))
    assert listed.json()["items"] == []


@pytest.mark.parametrize("role", ["analyst", "reviewer"])
async def test_readers_cannot_write(
    client: httpx.AsyncClient, workspace: Workspace, role: str
) -> None:
    response = await client.post(
        POSTS, json={"title": "t", "body_markdown": "x"}, headers=workspace.headers(role)
    )
    assert response.status_code == 403
    assert response.json()["status"] == 403
    listed = await client.get(POSTS, headers=workspace.headers(role))
    assert listed.status_code == 200
    assert listed.json()["items"] == []


async def test_owners_can_write(client: httpx.AsyncClient, workspace: Workspace) -> None:
    response = await client.post(
        POSTS, json={"title": "t", "body_markdown": "x"}, headers=workspace.headers("owner")
    )
    assert response.status_code == 201


async def test_no_token_no_access(client: httpx.AsyncClient, create_post: PostFactory) -> None:
    post = await create_post()
    for response in [
        await client.get(POSTS),
        await client.get(f"{POSTS}/{post['id']}"),
        await client.post(POSTS, json={"title": "t", "body_markdown": "x"}),
        await client.post(f"{POSTS}/{post['id']}/publish", json={"channel_ids": [post["id"]]}),
        await client.get(POSTS, headers={"Authorization": "Bearer not-a-token"}),
    ]:
        assert response.status_code == 401
        assert post["title"] not in response.text


async def test_another_workspace_sees_nothing(
    client: httpx.AsyncClient,
    create_post: PostFactory,
    other_workspace: Workspace,
) -> None:
    post = await create_post(title="机密选题")
    outsider = other_workspace.headers("owner")

    fetched = await client.get(f"{POSTS}/{post['id']}", headers=outsider)
    assert fetched.status_code == 404
    assert "机密选题" not in fetched.text

    published = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [str(uuid.uuid4())]},
        headers=outsider,
    )
    assert published.status_code == 404

    listed = await client.get(POSTS, headers=outsider)
    assert listed.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    "post_id", ["not-a-uuid", "1", "x" * 300, "2f1c9a1e-0000-4000-8000-000000000000"]
)
async def test_missing_or_malformed_ids_are_404(
    client: httpx.AsyncClient, workspace: Workspace, post_id: str
) -> None:
    response = await client.get(f"{POSTS}/{post_id}", headers=workspace.headers())
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"


async def test_the_list_pages_through_every_post_once_newest_first(
    client: httpx.AsyncClient,
    workspace: Workspace,
    other_workspace: Workspace,
    create_post: PostFactory,
) -> None:
    created = [(await create_post(title=f"post {n}"))["id"] for n in range(7)]
    await create_post(other_workspace, title="someone else's")

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(POSTS, params=params, headers=workspace.headers("analyst"))
        assert response.status_code == 200
        page = response.json()
        assert len(page["items"]) <= 3
        assert all("body_markdown" not in item for item in page["items"])
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == list(reversed(created))


async def test_the_default_page_is_twenty(
    client: httpx.AsyncClient, workspace: Workspace, create_post: PostFactory
) -> None:
    for n in range(21):
        await create_post(title=f"post {n}")
    page = (await client.get(POSTS, headers=workspace.headers())).json()
    assert len(page["items"]) == 20
    assert page["next_cursor"] is not None
    rest = (
        await client.get(POSTS, params={"cursor": page["next_cursor"]}, headers=workspace.headers())
    ).json()
    assert [item["title"] for item in rest["items"]] == ["post 0"]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "WyJ4Il0"}, "cursor"),  # base64 of '["x"]'
        ({"cursor": "eyJhIjoxfQ"}, "cursor"),  # base64 of '{"a":1}'
        ({"limit": 0}, "query.limit"),
        ({"limit": 101}, "query.limit"),
        ({"limit": "many"}, "query.limit"),
    ],
)
async def test_bad_list_parameters_are_422_naming_them(
    client: httpx.AsyncClient, workspace: Workspace, params: dict[str, Any], field: str
) -> None:
    response = await client.get(POSTS, params=params, headers=workspace.headers())
    assert response.status_code == 422
    assert field in _fields(response.json())
