"""Request and response bodies of `/api/v1/operators`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import EmailStr, Field
from servicekit.schemas import RequestModel, ResponseModel

Role = Literal["owner", "editor", "reviewer", "analyst"]


class InvitationCreate(RequestModel):
    email: EmailStr
    role: Role


class InvitationRead(ResponseModel):
    id: str
    email: str
    role: str
    expires_at: datetime
    created_at: datetime


class InvitationCreated(InvitationRead):
    # Shown once (and mailed to the invitee): they accept with it at
    # POST /api/v1/auth/invitations/accept, or on the mailed link's page.
    token: str


class OperatorRead(ResponseModel):
    id: str
    email: str
    role: str
    display_name: str
    disabled: bool
    created_at: datetime


class OperatorUpdate(RequestModel):
    role: Role | None = None
    disabled: bool | None = None
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
