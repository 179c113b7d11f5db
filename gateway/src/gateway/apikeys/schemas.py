"""Request and response bodies of `/api/v1/api-keys`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field
from servicekit.schemas import RequestModel, ResponseModel

# servicekit.auth.SCOPES, spelled out so that the OpenAPI document lists them.
Scope = Literal[
    "content:read",
    "content:write",
    "channels:read",
    "channels:write",
    "webhooks:manage",
    "community:read",
    "interactions:write",
    "stats:read",
    "stats:write",
    "conversions:write",
]


class ApiKeyCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope.__args__))  # type: ignore[attr-defined]


class ApiKeyRead(ResponseModel):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_by: str = Field(
        description="The operator who created the key (and the only one shown it): the key "
        "works only while they are an active operator of the workspace."
    )
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    # Shown once; only its hash is stored. Send it as `X-API-Key` or `Bearer`.
    key: str
