"""Request and response bodies of the identity endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, EmailStr, Field
from servicekit.schemas import RequestModel, ResponseModel

from gateway.identity.service import MAX_WORKSPACE_NAME_LENGTH


class SignupRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "workspace_name": "星辰咖啡",
                    "email": "ada@example.com",
                    "password": "correct horse battery 9",
                }
            ]
        }
    )

    workspace_name: str = Field(min_length=1, max_length=MAX_WORKSPACE_NAME_LENGTH)
    email: EmailStr
    # The strength rules live in the service; the cap keeps hashing cheap.
    password: str = Field(max_length=1024)


class SignupAccepted(ResponseModel):
    """The one answer to every sign-up, whether the address is new or already has an
    account: the mail sent to the address says which."""

    status: Literal["confirmation_sent"] = "confirmation_sent"
    detail: str


class ConfirmSignupRequest(RequestModel):
    token: str = Field(min_length=1, max_length=200)


class ForgotPasswordRequest(RequestModel):
    email: EmailStr


class ResetRequested(ResponseModel):
    """The one answer to every request, whether the address has an account or not."""

    status: Literal["reset_link_sent"] = "reset_link_sent"
    detail: str


class ResetPasswordRequest(RequestModel):
    token: str = Field(min_length=1, max_length=200)
    # The strength rules live in the service; the cap keeps hashing cheap.
    password: str = Field(max_length=1024)


class LoginRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "ada@example.com", "password": "s3cret-Passw0rd"}]
        }
    )

    email: EmailStr
    password: str = Field(max_length=1024)


class WorkspaceRead(ResponseModel):
    id: str
    name: str


# An operator as sign-up and invitations answer it. (No docstrings on these models: they
# would become descriptions in the OpenAPI document.)
class OperatorSummary(ResponseModel):
    id: str
    email: str
    role: str


class OperatorProfile(OperatorSummary):
    display_name: str


# A confirmed sign-up: the new workspace and its owner.
class SignupRead(ResponseModel):
    workspace: WorkspaceRead
    operator: OperatorSummary


# The signed-in operator and their workspace.
class MeRead(ResponseModel):
    operator: OperatorProfile
    workspace: WorkspaceRead


class RefreshRequest(RequestModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class SessionTokens(ResponseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class AcceptInvitationRequest(RequestModel):
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=1024)
    display_name: str | None = Field(default=None, min_length=1, max_length=200)


# The operator an accepted invitation made, and the workspace they joined.
class AcceptedInvitationRead(ResponseModel):
    operator: OperatorSummary
    workspace: WorkspaceRead
