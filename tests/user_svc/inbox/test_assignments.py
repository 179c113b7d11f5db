"""Giving an inbox item to someone tells them (`inbox.item.assigned`); assigning it again to
the same operator, or to nobody, says nothing."""

from __future__ import annotations

import uuid

import httpx
from event_contracts import InboxItemAssignedV1
from servicekit.runtime import ServiceRuntime

from tests.user_svc.conftest import Ingest, Workspace, interaction
from tests.user_svc.interactions.test_interactions import outbox_events


async def test_an_assignment_is_told_once_to_the_new_assignee(
    client: httpx.AsyncClient, workspace: Workspace, ingest: Ingest, runtime: ServiceRuntime
) -> None:
    await ingest(interaction("q-1", "a", text="如何退款？"))
    (item,) = (await client.get("/api/v1/inbox", headers=workspace.headers())).json()["items"]
    colleague = str(uuid.uuid4())
    url = f"/api/v1/inbox/{item['id']}/assign"

    for assignee in (colleague, colleague, None, "me"):
        answer = await client.post(url, json={"assignee_id": assignee}, headers=workspace.headers())
        assert answer.status_code == 200, answer.text

    told = [
        payload
        for payload in (event.payload() for event in await outbox_events(runtime))
        if isinstance(payload, InboxItemAssignedV1)
    ]
    assert [(t.assignee_id, t.assigned_by) for t in told] == [
        (colleague, workspace.user_id),
        (workspace.user_id, workspace.user_id),
    ]
    assert {(t.item_id, t.excerpt, t.workspace_id) for t in told} == {
        (item["id"], "如何退款？", workspace.id)
    }
