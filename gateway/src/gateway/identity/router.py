"""Sign-up, sign-in, the caller's profile and the public keys: HTTP in, service call, HTTP out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Response, status
from servicekit.auth import CurrentCaller
from servicekit.problems import problem_responses

from gateway.dependencies import AppSettings, DbSession, Keys
from gateway.identity import service
from gateway.identity.schemas import (
    LoginRequest,
    MeResponse,
    OperatorOut,
    OperatorProfile,
    SignupRequest,
    SignupResponse,
    TokenResponse,
    WorkspaceOut,
)

router = APIRouter(prefix="/auth", tags=["auth"])
well_known = APIRouter(tags=["auth"])


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, 422),
)
async def signup(body: SignupRequest, session: DbSession) -> SignupResponse:
    workspace, operator = await service.signup(
        session, workspace_name=body.workspace_name, email=body.email, password=body.password
    )
    return SignupResponse(
        workspace=WorkspaceOut.model_validate(workspace),
        operator=OperatorOut.model_validate(operator),
    )


@router.post("/login", responses=problem_responses(401, 422))
async def login(
    body: LoginRequest, session: DbSession, settings: AppSettings, keys: Keys, response: Response
) -> TokenResponse:
    operator = await service.authenticate(session, email=body.email, password=body.password)
    ttl = settings.access_token_ttl_seconds
    token = service.issue_access_token(
        keys.current,
        operator,
        ttl=timedelta(seconds=ttl),
        audience=settings.shared.jwt_audience,
        issuer=settings.shared.jwt_issuer,
    )
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(access_token=token, expires_in=ttl)


@router.get("/me", responses=problem_responses(401))
async def me(caller: CurrentCaller, session: DbSession) -> MeResponse:
    operator, workspace = await service.profile(session, caller)
    return MeResponse(
        operator=OperatorProfile.model_validate(operator),
        workspace=WorkspaceOut.model_validate(workspace),
    )


@well_known.get("/.well-known/jwks.json")
async def jwks(keys: Keys, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = "public, max-age=300"
    return keys.jwks()
