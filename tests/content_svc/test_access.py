"""Internal systems call content-svc with API keys: what a key's scopes let it do."""

from __future__ import annotations

from typing import Any

import httpx

from tests.content_svc.factories import Workspace


def key(workspace: Workspace, *scopes: str) -> dict[str, str]:
    token = workspace.signer.token(workspace_id=workspace.id, roles=(), scopes=list(scopes))
    return {"Authorization": f"Bearer {token}"}


async def test_keys_read_and_write_only_within_their_scopes(
    client: httpx.AsyncClient, workspace: Workspace, signer: Any
) -> None:
    body = {"title": "由系统写入", "body_markdown": "正文"}
    written = await client.post("/api/v1/posts", json=body, headers=key(workspace, "content:write"))
    assert written.status_code == 201, written.text
    post_id = written.json()["id"]

    reader = key(workspace, "content:read")
    for path in ("/api/v1/posts", f"/api/v1/posts/{post_id}", "/api/v1/ideas", "/api/v1/campaigns"):
        assert (await client.get(path, headers=reader)).status_code == 200, path
    assert (await client.post("/api/v1/posts", json=body, headers=reader)).status_code == 403

    stranger = key(workspace, "stats:write")
    for path in ("/api/v1/posts", f"/api/v1/posts/{post_id}", "/api/v1/sources", "/api/v1/trends"):
        assert (await client.get(path, headers=stranger)).status_code == 403, path
    # Approving is a person's decision: no key may do it.
    approve = await client.post(
        f"/api/v1/posts/{post_id}/approve",
        json={"version": 1},
        headers=key(workspace, "content:read", "content:write"),
    )
    assert approve.status_code == 403
