"""`/api/v1/api-keys`: keys for internal systems, managed by the workspace's owners.

A key is listed and revoked by any owner of the workspace, but it works for its creator:
only they were shown it, so it stops while they are disabled (gateway.access).
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from servicekit.db import call_after_commit
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from gateway.access import Owner
from gateway.apikeys import service
from gateway.apikeys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from gateway.kit.paging import Paging
from gateway.runtime import Runtime

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
    summary="Create an API key (the key is shown once)",
    description=(
        "The key is shown once, to you, and only its hash is stored (sent with an "
        "`Idempotency-Key`, the answer is also kept, encrypted, for 24 hours, to answer a "
        "retry with it again). It works until it is "
        "revoked, and only while you remain an active operator of the workspace: if you are "
        "disabled, every key you created is refused (at the gateway at once, at the services "
        "within `GATEWAY_UPSTREAM_TOKEN_TTL_SECONDS`) and works again if you are enabled "
        "again. For an integration that must outlive one person, have the owner who will "
        "look after it create the key, and revoke keys nobody looks after."
    ),
)
async def create_key(body: ApiKeyCreate, caller: Owner, session: DbSession) -> ApiKeyCreated:
    stored, key = await service.create(
        session, caller, name=body.name, scopes=[str(s) for s in body.scopes]
    )
    return ApiKeyCreated(**ApiKeyRead.model_validate(stored).model_dump(), key=key)


@router.get(
    "",
    responses=problem_responses(401, 403),
    summary="List API keys",
    description="Every key of the workspace, whoever created it (`created_by`): a key stops "
    "working while its creator is disabled.",
)
async def list_keys(caller: Owner, session: DbSession, paging: Paging) -> Page[ApiKeyRead]:
    keys, next_cursor = await service.list_keys(
        session, caller, cursor=paging.cursor, limit=paging.limit
    )
    return Page[ApiKeyRead].model_validate({"items": keys, "next_cursor": next_cursor})


@router.get("/{key_id}", responses=problem_responses(401, 403, 404), summary="Get an API key")
async def get_key(key_id: str, caller: Owner, session: DbSession) -> ApiKeyRead:
    return ApiKeyRead.model_validate(await service.get_key(session, caller, key_id))


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
    summary="Revoke an API key (it stops working at once)",
)
async def revoke_key(key_id: str, caller: Owner, session: DbSession, runtime: Runtime) -> Response:
    await service.revoke(session, caller, key_id)
    call_after_commit(session, lambda: runtime.gate.forget(key_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
