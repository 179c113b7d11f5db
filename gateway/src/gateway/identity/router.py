"""Sign-up and its confirmation, sign-in, sessions, the caller's profile and the public
keys: HTTP in, service call, HTTP out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response, status
from servicekit.auth import bearer_token
from servicekit.problems import Unauthorized, problem_response, problem_responses
from servicekit.runtime import DbSession

from gateway.access import SignedIn, session_id_of
from gateway.identity import passwords, service, sessions
from gateway.identity.addresses import normalise_email
from gateway.identity.schemas import (
    AcceptedInvitationRead,
    AcceptInvitationRequest,
    ConfirmSignupRequest,
    ForgotPasswordRequest,
    LoginRequest,
    MeRead,
    OperatorProfile,
    OperatorSummary,
    RefreshRequest,
    ResetPasswordRequest,
    ResetRequested,
    SessionTokens,
    SignupAccepted,
    SignupRead,
    SignupRequest,
    WorkspaceRead,
)
from gateway.ratelimit import client_address
from gateway.runtime import GatewayRuntime, Runtime

router = APIRouter(prefix="/auth", tags=["auth"])
well_known = APIRouter(tags=["auth"])

PUBLIC: dict[str, Any] = {"openapi_extra": {"security": []}}


async def _limit_per_client_and_address(
    request: Request,
    runtime: GatewayRuntime,
    limits: tuple[str, str],
    name: str,
    *,
    email: str,
    what: str,
) -> None:
    """Requests about one address (sign-ins, and those that mail it): limited per client
    (`limits[0]`), and per address (`limits[1]`: for a request that mails it, this bounds
    what anyone can send to one inbox). The address is counted whether or not it has an
    account, so a 429 says nothing about that."""
    per_ip, per_address = limits
    await runtime.limiter.enforce(per_ip, f"{name}-ip", client_address(request), what=what)
    await runtime.limiter.enforce(per_address, f"{name}-account", normalise_email(email), what=what)


def _tokens(runtime: GatewayRuntime, started: sessions.Session) -> SessionTokens:
    settings = runtime.settings
    ttl = settings.access_token_ttl_seconds
    token = sessions.issue_access_token(
        runtime.signing_keys().current,
        started.operator,
        ttl=timedelta(seconds=ttl),
        audience=settings.shared.jwt_audience,
        issuer=settings.shared.jwt_issuer,
        session_id=started.family_id,
    )
    return SessionTokens(
        access_token=token,
        expires_in=ttl,
        refresh_token=started.refresh_token,
        refresh_expires_in=settings.refresh_token_ttl_seconds,
    )


@router.post(
    "/signup",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(422, 429),
    summary="Start a sign-up: a link to confirm it is mailed to the address",
    description=(
        "Answers the same whether the address is new or already has an account, so it "
        "tells no one which. A new address gets a link (and token) to confirm within "
        "`GATEWAY_SIGNUP_CONFIRMATION_TTL_SECONDS`; one that has an account gets word that "
        "someone tried. Nothing is created before the confirmation."
    ),
    **PUBLIC,
)
async def signup(
    body: SignupRequest, request: Request, session: DbSession, runtime: Runtime
) -> SignupAccepted:
    settings = runtime.settings
    await _limit_per_client_and_address(
        request,
        runtime,
        (settings.signup_limit_per_ip, settings.signup_limit_per_account),
        "signup",
        email=body.email,
        what="sign-ups",
    )
    await service.request_signup(
        session,
        runtime.mailer,
        workspace_name=body.workspace_name,
        email=body.email,
        password=body.password,
        valid_for=timedelta(seconds=settings.signup_confirmation_ttl_seconds),
        public_url=settings.public_url,
    )
    return SignupAccepted(detail=service.SIGNUP_ACCEPTED)


@router.post(
    "/signup/confirm",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 422),
    summary="Confirm a sign-up with the mailed token: creates the workspace and its owner",
    description=(
        "The token works once, until it expires. Every refusal (unknown, used or expired "
        "token, or an address that got an account meanwhile) is the same 400."
    ),
    **PUBLIC,
)
async def confirm_signup(body: ConfirmSignupRequest, session: DbSession) -> SignupRead:
    workspace, operator = await service.confirm_signup(session, body.token)
    return SignupRead(
        workspace=WorkspaceRead.model_validate(workspace),
        operator=OperatorSummary.model_validate(operator),
    )


@router.post(
    "/password/forgot",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(422, 429),
    summary="Forgotten password: a link to choose a new one is mailed to the address",
    description=(
        "Answers the same whether the address has an account or not. An account's address "
        "gets a link (and token) that works once, within "
        "`GATEWAY_PASSWORD_RESET_TTL_SECONDS`; any other address gets nothing."
    ),
    **PUBLIC,
)
async def forgot_password(
    body: ForgotPasswordRequest, request: Request, session: DbSession, runtime: Runtime
) -> ResetRequested:
    settings = runtime.settings
    await _limit_per_client_and_address(
        request,
        runtime,
        (settings.password_reset_limit_per_ip, settings.password_reset_limit_per_account),
        "reset",
        email=body.email,
        what="password reset requests",
    )
    await passwords.request_password_reset(
        session,
        runtime.mailer,
        email=body.email,
        valid_for=timedelta(seconds=settings.password_reset_ttl_seconds),
        public_url=settings.public_url,
    )
    return ResetRequested(detail=passwords.RESET_REQUESTED)


@router.post(
    "/password/reset",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(400, 422),
    summary="Choose a new password with the mailed token; every session of the account ends",
    description=(
        "The token works once, until it expires, and the account's other reset links stop "
        "working. Every refusal of the token is the same 400; a weak password is a 422 "
        "naming `password`."
    ),
    **PUBLIC,
)
async def reset_password(
    body: ResetPasswordRequest, session: DbSession, runtime: Runtime
) -> Response:
    await passwords.reset_password(
        session,
        runtime.mailer,
        token=body.token,
        password=body.password,
        public_url=runtime.settings.public_url,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/login",
    responses=problem_responses(401, 422, 429),
    summary="Sign in: an access token (15 min) and a refresh token",
    **PUBLIC,
)
async def login(
    body: LoginRequest,
    request: Request,
    session: DbSession,
    runtime: Runtime,
    response: Response,
) -> SessionTokens:
    settings = runtime.settings
    # Both limits count every attempt; the per-account one stops guessing one password from
    # many addresses, the per-address one stops trying many accounts from one.
    await _limit_per_client_and_address(
        request,
        runtime,
        (settings.login_limit_per_ip, settings.login_limit_per_account),
        "login",
        email=body.email,
        what="sign-in attempts",
    )
    operator = await sessions.authenticate(session, email=body.email, password=body.password)
    started = await sessions.start_session(
        session, operator, ttl=timedelta(seconds=settings.refresh_token_ttl_seconds)
    )
    response.headers["Cache-Control"] = "no-store"
    return _tokens(runtime, started)


@router.post(
    "/refresh",
    response_model=SessionTokens,
    responses=problem_responses(401, 422),
    summary="Exchange a refresh token for new tokens (the old one stops working)",
    **PUBLIC,
)
async def refresh(
    body: RefreshRequest, session: DbSession, runtime: Runtime, response: Response
) -> Any:
    outcome = await sessions.refresh(
        session,
        body.refresh_token,
        ttl=timedelta(seconds=runtime.settings.refresh_token_ttl_seconds),
    )
    if isinstance(outcome, sessions.Reused):
        # Answer 401 without raising, so that the transaction commits the revocation.
        runtime.gate.forget(outcome.operator_id)
        problem = Unauthorized(
            "This refresh token was already used: every session token of it is revoked."
        ).to_problem()
        return problem_response(problem)
    response.headers["Cache-Control"] = "no-store"
    return _tokens(runtime, outcome)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401),
    summary="Sign out: the session's access and refresh tokens stop working",
)
async def logout(
    request: Request, caller: SignedIn, session: DbSession, runtime: Runtime
) -> Response:
    sid = session_id_of(bearer_token(request))
    if sid is not None:
        await sessions.log_out(session, sid)
    runtime.gate.forget(caller.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/invitations/accept",
    status_code=status.HTTP_201_CREATED,
    response_model=AcceptedInvitationRead,
    responses=problem_responses(409, 422),
    summary="Accept an invitation with a password",
    **PUBLIC,
)
async def accept_invitation(body: AcceptInvitationRequest, session: DbSession) -> Any:
    operator, workspace = await service.accept_invitation(
        session, token=body.token, password=body.password, display_name=body.display_name
    )
    return AcceptedInvitationRead(
        operator=OperatorSummary.model_validate(operator),
        workspace=WorkspaceRead.model_validate(workspace),
    )


@router.get("/me", responses=problem_responses(401, 403), summary="The signed-in operator")
async def me(caller: SignedIn, session: DbSession) -> MeRead:
    operator, workspace = await service.profile(session, caller)
    return MeRead(
        operator=OperatorProfile.model_validate(operator),
        workspace=WorkspaceRead.model_validate(workspace),
    )


@well_known.get("/.well-known/jwks.json", summary="The public keys of access tokens", **PUBLIC)
async def jwks(runtime: Runtime, response: Response) -> dict[str, Any]:
    # Services keep the set this long, then fetch it again (servicekit.auth.KeySet): a key
    # removed here (a compromised one) stops verifying anywhere within a minute. One small
    # fetch a minute per service process costs nothing; new keys are pre-published anyway.
    response.headers["Cache-Control"] = "public, max-age=60"
    return runtime.signing_keys().jwks()
