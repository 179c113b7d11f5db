"""Editing with versions and revisions, the review workflow, and scheduled publishing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from content_svc.posts.publishing import publish_due
from event_contracts import PostPublishedV1
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import (
    ChannelFactory,
    PostFactory,
    Workspace,
    media_library,
    outbox_events,
)

POSTS = "/api/v1/posts"


def member(ws: Workspace) -> Workspace:
    """Another member of the same workspace."""
    return Workspace(id=ws.id, signer=ws.signer, user_id=str(uuid.uuid4()))


async def _post(client: httpx.AsyncClient, ws: Workspace, post_id: str) -> dict[str, Any]:
    response = await client.get(f"{POSTS}/{post_id}", headers=ws.headers("analyst"))
    result: dict[str, Any] = response.json()
    return result


async def test_edits_make_revisions_and_a_stale_edit_never_overwrites(
    client: httpx.AsyncClient, workspace: Workspace, create_post: PostFactory
) -> None:
    post = await create_post(title="初稿", body_markdown="第一版")
    alice, bob = workspace, member(workspace)
    url = f"{POSTS}/{post['id']}"

    edited = await client.patch(
        url, json={"version": 1, "body_markdown": "第二版 **加粗**"}, headers=alice.headers()
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2
    assert "<strong>加粗</strong>" in edited.json()["body_html"]

    stale = await client.patch(
        url, json={"version": 1, "title": "Bob 的标题"}, headers=bob.headers()
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert (await _post(client, workspace, post["id"]))["title"] == "初稿"

    listed = await client.get(f"{url}/revisions", headers=alice.headers("analyst"))
    revisions = listed.json()["items"]
    assert [(r["version"], r["body_markdown"]) for r in revisions] == [
        (2, "第二版 **加粗**"),
        (1, "第一版"),
    ]

    restored = await client.post(
        f"{url}/revisions/1/restore", json={"version": 2}, headers=bob.headers()
    )
    assert restored.status_code == 200, restored.text
    assert (restored.json()["version"], restored.json()["body_markdown"]) == (3, "第一版")
    [newest, *_] = (await client.get(f"{url}/revisions", headers=alice.headers())).json()["items"]
    assert (newest["editor_id"], newest["note"]) == (bob.user_id, "restored from version 1")
    first = (await client.get(f"{url}/revisions?limit=2", headers=alice.headers())).json()
    after = {"limit": 2, "cursor": first["next_cursor"]}
    rest = await client.get(f"{url}/revisions", params=after, headers=alice.headers())
    assert [r["version"] for r in first["items"] + rest.json()["items"]] == [3, 2, 1]
    assert rest.json()["next_cursor"] is None
    history = await client.get(
        f"{url}/history", params={"cursor": first["next_cursor"]}, headers=alice.headers()
    )
    assert history.status_code == 422  # a cursor of another list
    missing = await client.post(
        f"{url}/revisions/9/restore", json={"version": 3}, headers=bob.headers()
    )
    assert missing.status_code == 404


async def test_the_review_path_with_history(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    editor, reviewer = workspace, member(workspace)
    post = await create_post()
    url = f"{POSTS}/{post['id']}"
    channel = await known_channel()

    # An editor cannot publish a draft: it needs approval, and the 409 says what is allowed.
    direct = await client.post(
        f"{url}/publish", json={"channel_ids": [channel]}, headers=editor.headers("editor")
    )
    assert direct.status_code == 409
    assert direct.json()["allowed_actions"] == ["edit", "submit", "publish", "archive"]
    assert "approval" in direct.json()["detail"]

    early = await client.post(
        f"{url}/approve", json={"version": 1}, headers=reviewer.headers("reviewer")
    )
    assert early.status_code == 409
    assert "submit" in early.json()["detail"]

    assert (await client.post(f"{url}/submit", headers=editor.headers())).json()["status"] == (
        "in_review"
    )
    analyst = await client.post(
        f"{url}/approve", json={"version": 1}, headers=reviewer.headers("analyst")
    )
    assert analyst.status_code == 403
    own = await client.post(
        f"{url}/approve", json={"version": 1}, headers=editor.headers("reviewer", "editor")
    )
    assert own.status_code == 403  # nobody approves their own post by default

    back = await client.post(
        f"{url}/request-changes",
        json={"comment": "标题再短一些"},
        headers=reviewer.headers("reviewer"),
    )
    assert back.json()["status"] == "draft"
    await client.patch(url, json={"version": 1, "title": "短标题"}, headers=editor.headers())
    await client.post(f"{url}/submit", headers=editor.headers())
    approved = await client.post(
        f"{url}/approve",
        json={"version": 2, "comment": "可以"},
        headers=reviewer.headers("reviewer"),
    )
    assert approved.json()["status"] == "approved"

    # Editing an approved post sends it back to review.
    edited = await client.patch(
        url, json={"version": 2, "summary": "新摘要"}, headers=editor.headers()
    )
    assert edited.json()["status"] == "in_review"
    await client.post(f"{url}/approve", json={"version": 3}, headers=reviewer.headers("reviewer"))
    published = await client.post(
        f"{url}/publish", json={"channel_ids": [channel]}, headers=editor.headers("editor")
    )
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"

    steps = await client.get(f"{url}/history", headers=editor.headers("analyst"))
    history = steps.json()["items"]
    assert [(h["action"], h["from_status"], h["to_status"]) for h in history] == [
        ("submit", "draft", "in_review"),
        ("request-changes", "in_review", "draft"),
        ("submit", "draft", "in_review"),
        ("approve", "in_review", "approved"),
        ("edit", "approved", "in_review"),
        ("approve", "in_review", "approved"),
        ("publish", "approved", "published"),
    ]
    assert history[1]["comment"] == "标题再短一些"
    assert history[3]["actor_id"] == reviewer.user_id
    assert all(h["at"] for h in history)

    late_edit = await client.patch(url, json={"version": 3, "title": "x"}, headers=editor.headers())
    assert late_edit.status_code == 409
    assert late_edit.json()["allowed_actions"] == ["publish", "archive"]


async def test_an_approval_names_the_version_the_reviewer_read(
    client: httpx.AsyncClient, workspace: Workspace, create_post: PostFactory
) -> None:
    editor, reviewer = workspace, member(workspace)
    post = await create_post(title="初稿")
    url = f"{POSTS}/{post['id']}"
    await client.post(f"{url}/submit", headers=editor.headers())
    # The reviewer reads version 1; meanwhile the author changes the post in review.
    edited = await client.patch(
        url, json={"version": 1, "title": "评审中改过的标题"}, headers=editor.headers()
    )
    assert (edited.json()["version"], edited.json()["status"]) == (2, "in_review")

    stale = await client.post(
        f"{url}/approve", json={"version": 1}, headers=reviewer.headers("reviewer")
    )
    assert stale.status_code == 409, stale.text
    assert stale.json()["current_version"] == 2
    assert stale.json()["errors"][0]["field"] == "version"
    unnamed = await client.post(f"{url}/approve", json={}, headers=reviewer.headers("reviewer"))
    assert unnamed.status_code == 422, unnamed.text
    assert unnamed.json()["errors"][0]["field"] == "version"
    assert (await _post(client, workspace, post["id"]))["status"] == "in_review"

    approved = await client.post(
        f"{url}/approve", json={"version": 2}, headers=reviewer.headers("reviewer")
    )
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["version"]) == ("approved", 2)


async def test_a_reviewer_who_edited_the_post_does_not_approve_it(
    client: httpx.AsyncClient, workspace: Workspace, create_post: PostFactory
) -> None:
    author, fixer, other = workspace, member(workspace), member(workspace)
    post = await create_post()
    url = f"{POSTS}/{post['id']}"
    await client.post(f"{url}/submit", headers=author.headers())
    # A reviewer fixes the post while it is in review, then tries to approve the result.
    fixed = await client.patch(
        url,
        json={"version": 1, "summary": "评审人补的摘要"},
        headers=fixer.headers("editor", "reviewer"),
    )
    assert fixed.status_code == 200, fixed.text
    own_edit = await client.post(
        f"{url}/approve", json={"version": 2}, headers=fixer.headers("editor", "reviewer")
    )
    assert own_edit.status_code == 403, own_edit.text
    assert "edited" in own_edit.json()["detail"]

    # Someone whose hands are not in the text approves it.
    approved = await client.post(
        f"{url}/approve", json={"version": 2}, headers=other.headers("reviewer")
    )
    assert approved.status_code == 200, approved.text


async def test_with_self_approval_allowed_an_editor_may_approve_their_version(
    client: httpx.AsyncClient, workspace: Workspace, create_post: PostFactory
) -> None:
    owner, fixer = workspace, member(workspace)
    allowed = await client.patch(
        f"{POSTS}/settings", json={"allow_self_approval": True}, headers=owner.headers("owner")
    )
    assert allowed.status_code == 200, allowed.text
    post = await create_post()
    url = f"{POSTS}/{post['id']}"
    await client.post(f"{url}/submit", headers=owner.headers())
    await client.patch(
        url, json={"version": 1, "summary": "补充"}, headers=fixer.headers("editor", "reviewer")
    )
    approved = await client.post(
        f"{url}/approve", json={"version": 2}, headers=fixer.headers("editor", "reviewer")
    )
    assert approved.status_code == 200, approved.text


async def test_review_settings_are_the_owners(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    settings = f"{POSTS}/settings"
    assert (await client.get(settings, headers=workspace.headers())).json() == {
        "require_review": True,
        "owners_may_skip_review": True,
        "allow_self_approval": False,
        "time_zone": "Asia/Shanghai",
    }
    refused = await client.patch(
        settings, json={"require_review": False}, headers=workspace.headers()
    )
    assert refused.status_code == 403
    changed = await client.patch(
        settings,
        json={"require_review": False, "allow_self_approval": True},
        headers=workspace.headers("owner"),
    )
    assert changed.json()["require_review"] is False
    post = await create_post()
    channel = await known_channel()
    direct = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [channel]},
        headers=workspace.headers(),
    )
    assert direct.status_code == 200
    history = await client.get(f"{POSTS}/{post['id']}/history", headers=workspace.headers())
    [step] = history.json()["items"]
    assert "without review" in step["comment"]


async def test_a_scheduled_post_is_published_once_when_due(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post(title="定时发布", keywords=["定时"])
    channel = await known_channel(platform="weibo")
    when = datetime.now(UTC) + timedelta(hours=2)
    url = f"{POSTS}/{post['id']}"

    scheduled = await client.post(
        f"{url}/publish",
        json={"channel_ids": [channel], "scheduled_at": when.isoformat()},
        headers=workspace.headers("owner"),
    )
    assert scheduled.status_code == 200, scheduled.text
    body = scheduled.json()
    assert (body["status"], body["scheduled_channel_ids"], body["channels"]) == (
        "scheduled",
        [channel],
        [],
    )
    assert datetime.fromisoformat(body["scheduled_at"]) == when
    assert await outbox_events(runtime) == []

    # Not yet due: nothing happens. Due: published once, even if the worker runs again
    # (as after a restart).
    async with runtime.db.transaction() as session:
        assert (
            await publish_due(session, media_library(runtime), now=when - timedelta(minutes=1)) == 0
        )
    for _ in range(2):
        async with runtime.db.transaction() as session:
            await publish_due(session, media_library(runtime), now=when + timedelta(seconds=1))
    [event] = await outbox_events(runtime)
    snapshot = event.payload()
    assert isinstance(snapshot, PostPublishedV1)
    assert (snapshot.post_id, snapshot.channel_ids, snapshot.keywords) == (
        post["id"],
        [channel],
        ["定时"],
    )
    after = await _post(client, workspace, post["id"])
    assert after["status"] == "published"
    assert [(c["channel_id"], c["platform"]) for c in after["channels"]] == [(channel, "weibo")]
    history = (await client.get(f"{url}/history", headers=workspace.headers())).json()["items"]
    assert history[-1]["actor_id"] == "scheduler"


async def test_bad_schedules_are_422(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    channel = await known_channel()
    too_late = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    for scheduled_at in ("2030-01-01T10:00:00", "not a time", too_late):
        response = await client.post(
            f"{POSTS}/{post['id']}/publish",
            json={"channel_ids": [channel], "scheduled_at": scheduled_at},
            headers=workspace.headers("owner"),
        )
        assert response.status_code == 422, scheduled_at
        assert "scheduled_at" in response.json()["errors"][0]["field"]
    assert (await _post(client, workspace, post["id"]))["status"] == "draft"
