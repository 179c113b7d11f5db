"""One version of a post per channel: written with its own version, shown on the post,
carried by `post.published` for its channel only, used by the analysis."""

from __future__ import annotations

from typing import Any

import httpx
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace
from tests.content_svc.posts.outbox import published_events

POSTS = "/api/v1/posts"
NOTE_TITLE = "发布会三大亮点"  # fits Xiaohongshu's 20 characters
ARTICLE_TITLE = "春季新品发布会回顾：三大亮点、现场花絮与下一季的路线图全解读"  # 30: too long there


def _variant_url(post_id: str, channel_id: str) -> str:
    return f"{POSTS}/{post_id}/variants/{channel_id}"


async def _put(
    client: httpx.AsyncClient, ws: Workspace, post_id: str, channel_id: str, **body: Any
) -> httpx.Response:
    return await client.put(
        _variant_url(post_id, channel_id), json=body, headers=ws.headers("editor")
    )


async def test_a_variant_is_shown_on_the_post_and_sent_to_its_channel_only(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post(title=ARTICLE_TITLE, summary="一文看懂", tags=["新品", "发布会"])
    wechat = await known_channel(platform="wechat_oa")
    xiaohongshu = await known_channel(platform="xiaohongshu")

    written = await _put(
        client, workspace, post["id"], xiaohongshu, title=NOTE_TITLE, body_markdown="**一图看懂**"
    )

    assert written.status_code == 200, written.text
    variant = written.json()
    assert variant["version"] == 1
    assert variant["title"] == NOTE_TITLE
    assert variant["body_html"] == "<p><strong>一图看懂</strong></p>\n"
    assert variant["summary"] is None
    assert variant["tags"] is None
    fetched = await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers("analyst"))
    assert [(v["channel_id"], v["version"]) for v in fetched.json()["variants"]] == [
        (xiaohongshu, 1)
    ]
    assert fetched.json()["version"] == post["version"]  # the post itself did not change
    listed = await client.get(POSTS, headers=workspace.headers("analyst"))
    assert [v["channel_id"] for v in listed.json()["items"][0]["variants"]] == [xiaohongshu]

    published = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [wechat, xiaohongshu]},
        headers=workspace.headers("owner"),
    )
    assert published.status_code == 200, published.text

    [event] = await published_events(runtime)
    assert list(event.variants) == [xiaohongshu]
    note = event.for_channel(xiaohongshu)
    assert (note.title, note.body_markdown, note.summary, note.tags) == (
        NOTE_TITLE,
        "**一图看懂**",
        "一文看懂",
        ["新品", "发布会"],
    )
    article = event.for_channel(wechat)
    assert (article.title, article.body_markdown) == (ARTICLE_TITLE, post["body_markdown"])
    assert note.variants == {}
    assert article.variants == {}


async def test_a_variant_changes_from_the_version_it_started_at(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    channel = await known_channel(platform="xiaohongshu")
    assert (await _put(client, workspace, post["id"], channel, title="第一版")).status_code == 200

    again = await _put(client, workspace, post["id"], channel, title="另一个编辑")
    stale = await _put(client, workspace, post["id"], channel, version=2, title="过时")
    changed = await _put(client, workspace, post["id"], channel, version=1, tags=["笔记"])

    assert again.status_code == 409
    assert again.json()["current_version"] == 1
    assert stale.status_code == 409
    assert changed.status_code == 200
    assert (changed.json()["version"], changed.json()["title"], changed.json()["tags"]) == (
        2,
        None,  # a PUT replaces the variant: the title is the post's own again
        ["笔记"],
    )
    read = await client.get(_variant_url(post["id"], channel), headers=workspace.headers("analyst"))
    assert read.json() == changed.json()


async def test_deleting_a_variant_sends_the_post_as_it_is(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    channel = await known_channel(platform="xiaohongshu")
    await _put(client, workspace, post["id"], channel, title=NOTE_TITLE)

    deleted = await client.delete(
        _variant_url(post["id"], channel), headers=workspace.headers("editor")
    )

    assert deleted.status_code == 204
    gone = await client.get(_variant_url(post["id"], channel), headers=workspace.headers("editor"))
    assert gone.status_code == 404
    fetched = await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers("editor"))
    assert fetched.json()["variants"] == []


async def test_bad_variants_are_refused_naming_the_field(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    channel = await known_channel(platform="xiaohongshu")
    deleted = await known_channel(platform="weibo", deleted=True)

    empty = await _put(client, workspace, post["id"], channel)
    long_title = await _put(client, workspace, post["id"], channel, title="长" * 201)
    not_an_id = await _put(client, workspace, post["id"], "not-a-channel", title="标题")
    gone = await _put(client, workspace, post["id"], deleted, title="标题")

    assert empty.status_code == 422
    assert long_title.status_code == 422
    assert [e["field"] for e in long_title.json()["errors"]] == ["title"]
    assert not_an_id.status_code == 422
    assert [e["field"] for e in not_an_id.json()["errors"]] == ["channel_id"]
    assert gone.status_code == 422
    assert [e["field"] for e in gone.json()["errors"]] == ["channel_id"]
    fetched = await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers("editor"))
    assert fetched.json()["variants"] == []


async def test_another_workspace_sees_no_variant(
    client: httpx.AsyncClient,
    workspace: Workspace,
    other_workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    channel = await known_channel(platform="xiaohongshu")
    await _put(client, workspace, post["id"], channel, title=NOTE_TITLE)

    read = await client.get(
        _variant_url(post["id"], channel), headers=other_workspace.headers("owner")
    )
    written = await _put(client, other_workspace, post["id"], channel, title="别人的")

    assert read.status_code == 404
    assert written.status_code == 404


async def test_a_changed_variant_sends_an_approved_post_back_to_review(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    channel = await known_channel(platform="xiaohongshu")
    reviewer = Workspace(id=workspace.id, signer=workspace.signer)  # another member
    await client.post(f"{POSTS}/{post['id']}/submit", headers=workspace.headers("editor"))
    approved = await client.post(
        f"{POSTS}/{post['id']}/approve",
        json={"version": post["version"]},
        headers=reviewer.headers("reviewer"),
    )
    assert approved.json()["status"] == "approved", approved.text

    await _put(client, workspace, post["id"], channel, title=NOTE_TITLE)

    fetched = await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers("editor"))
    assert fetched.json()["status"] == "in_review"


async def test_the_analysis_of_a_channel_reads_its_variant(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post(title=ARTICLE_TITLE)
    xiaohongshu = await known_channel(platform="xiaohongshu")
    wechat = await known_channel(platform="wechat_oa")

    async def title_findings(channel_id: str) -> list[str | None]:
        response = await client.get(
            f"{POSTS}/{post['id']}/analysis",
            params={"channel_id": channel_id},
            headers=workspace.headers("analyst"),
        )
        assert response.status_code == 200, response.text
        return [f["platform"] for f in response.json()["findings"] if f["code"] == "title_too_long"]

    assert await title_findings(xiaohongshu) == ["xiaohongshu"]
    await _put(client, workspace, post["id"], xiaohongshu, title=NOTE_TITLE)

    assert await title_findings(xiaohongshu) == []
    assert await title_findings(wechat) == []  # 30 characters fit WeChat's 32
    unknown = await client.get(
        f"{POSTS}/{post['id']}/analysis",
        params={"channel_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01"},
        headers=workspace.headers("analyst"),
    )
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["query.channel_id"]


async def test_a_variant_that_would_not_fit_the_event_is_refused(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    long_body = "发布会" * 16_000  # 48,000 characters: fits alone, not twice in one event
    post = await create_post(body_markdown=long_body)
    channel = await known_channel(platform="xiaohongshu")

    refused = await _put(client, workspace, post["id"], channel, body_markdown=long_body[::-1])

    assert refused.status_code == 413
    assert [e["field"] for e in refused.json()["errors"]] == ["body_markdown"]
    gone = await client.get(_variant_url(post["id"], channel), headers=workspace.headers())
    assert gone.status_code == 404
