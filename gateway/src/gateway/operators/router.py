"""`/api/v1/operators`: the workspace's team, managed by its owners."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Response, status
from servicekit.db import call_after_commit
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from gateway.access import Owner
from gateway.identity.addresses import normalise_email
from gateway.kit.paging import Paging
from gateway.operators import service
from gateway.operators.schemas import (
    InvitationCreate,
    InvitationCreated,
    InvitationRead,
    OperatorRead,
    OperatorUpdate,
)
from gateway.runtime import Runtime

router = APIRouter(prefix="/operators", tags=["operators"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422, 429),
    summary="Invite an operator: a link to accept is mailed to them (the token is shown once)",
    description=(
        "The address is mailed a link to accept within `GATEWAY_INVITATION_TTL_SECONDS`; "
        "the token in the answer is the same, for handing over another way. Each invitation "
        "mails someone, so they are limited per workspace "
        "(`GATEWAY_INVITATION_LIMIT_PER_WORKSPACE`) and per address "
        "(`GATEWAY_INVITATION_LIMIT_PER_ADDRESS`)."
    ),
)
async def invite(
    body: InvitationCreate, caller: Owner, session: DbSession, runtime: Runtime
) -> InvitationCreated:
    settings, limiter = runtime.settings, runtime.limiter
    # Anyone can sign up and invite: these bound what one workspace can make us mail, and
    # what any number of them can send to one inbox.
    await limiter.enforce(
        settings.invitation_limit_per_address,
        "invite-address",
        normalise_email(body.email),
        what="invitations to this address",
    )
    await limiter.enforce(
        settings.invitation_limit_per_workspace,
        "invite-workspace",
        caller.workspace_id,
        what="invitations",
    )
    invitation, token = await service.invite(
        session,
        runtime.mailer,
        caller,
        email=body.email,
        role=body.role,
        ttl=timedelta(seconds=settings.invitation_ttl_seconds),
        public_url=settings.public_url,
    )
    return InvitationCreated(**InvitationRead.model_validate(invitation).model_dump(), token=token)


@router.get("", responses=problem_responses(401, 403), summary="List the workspace's operators")
async def list_operators(caller: Owner, session: DbSession, paging: Paging) -> Page[OperatorRead]:
    operators, next_cursor = await service.list_operators(
        session, caller, cursor=paging.cursor, limit=paging.limit
    )
    return Page[OperatorRead].model_validate({"items": operators, "next_cursor": next_cursor})


@router.get(
    "/invitations",
    responses=problem_responses(401, 403),
    summary="List pending invitations",
)
async def list_invitations(
    caller: Owner, session: DbSession, paging: Paging
) -> Page[InvitationRead]:
    pending, next_cursor = await service.pending_invitations(
        session, caller, cursor=paging.cursor, limit=paging.limit
    )
    return Page[InvitationRead].model_validate({"items": pending, "next_cursor": next_cursor})


@router.delete(
    "/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
    summary="Withdraw an invitation",
)
async def withdraw_invitation(invitation_id: str, caller: Owner, session: DbSession) -> Response:
    await service.withdraw_invitation(session, caller, invitation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{operator_id}", responses=problem_responses(401, 403, 404), summary="Get an operator")
async def get_operator(operator_id: str, caller: Owner, session: DbSession) -> OperatorRead:
    return OperatorRead.model_validate(await service.get_operator(session, caller, operator_id))


@router.patch(
    "/{operator_id}",
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Change an operator's role, name, or disable them (their tokens stop at once)",
    operation_id="operators-update",
    description=(
        "Disabling an operator ends their sessions and stops the API keys they created, at "
        "the gateway at once and at the services within `GATEWAY_UPSTREAM_TOKEN_TTL_SECONDS`;"
        " enabling them again restores those keys (not the sessions). A workspace keeps at "
        "least one active owner."
    ),
)
async def change_operator(
    operator_id: str, body: OperatorUpdate, caller: Owner, session: DbSession, runtime: Runtime
) -> OperatorRead:
    operator = await service.change(
        session,
        caller,
        operator_id,
        role=body.role,
        disabled=body.disabled,
        display_name=body.display_name,
    )
    call_after_commit(session, lambda: runtime.gate.forget(operator_id))
    return OperatorRead.model_validate(operator)
