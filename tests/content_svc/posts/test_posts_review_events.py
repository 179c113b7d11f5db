"""Each step of a review that someone waits on is told (`post.review.changed`), so that the
gateway can notify the reviewers or the author."""

from __future__ import annotations

import uuid

import httpx
from event_contracts import PostReviewChangedV1
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import PostFactory, Workspace, outbox_events

POSTS = "/api/v1/posts"


async def _review_steps(runtime: ServiceRuntime) -> list[PostReviewChangedV1]:
    payloads = [event.payload() for event in await outbox_events(runtime)]
    return [p for p in payloads if isinstance(p, PostReviewChangedV1)]


async def test_submit_request_changes_and_approve_are_each_told_once(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    runtime: ServiceRuntime,
) -> None:
    author = workspace
    reviewer = Workspace(id=workspace.id, signer=workspace.signer, user_id=str(uuid.uuid4()))
    post = await create_post(title="新品")
    url = f"{POSTS}/{post['id']}"

    await client.post(f"{url}/submit", headers=author.headers())
    sent_back = await client.post(
        f"{url}/request-changes",
        json={"comment": "标题再短一些"},
        headers=reviewer.headers("reviewer"),
    )
    await client.post(f"{url}/submit", headers=author.headers())
    approved = await client.post(
        f"{url}/approve", json={"version": 1}, headers=reviewer.headers("reviewer")
    )

    assert sent_back.status_code == 200, sent_back.text
    assert approved.status_code == 200, approved.text
    steps = await _review_steps(runtime)
    assert [(s.action, s.actor_id, s.comment) for s in steps] == [
        ("submitted", author.user_id, None),
        ("changes_requested", reviewer.user_id, "标题再短一些"),
        ("submitted", author.user_id, None),
        ("approved", reviewer.user_id, None),
    ]
    assert {(s.post_id, s.title, s.author_id, s.workspace_id) for s in steps} == {
        (post["id"], "新品", post["author_id"], workspace.id)
    }
