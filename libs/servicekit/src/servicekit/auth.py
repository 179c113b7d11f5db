"""Verifying the gateway's tokens: EdDSA JWTs checked against its JWKS.

Every service sees one kind of caller, a `Caller`, whatever the original credential was.
Keys come from the gateway's JWKS (or an inline JWKS in settings); an unknown key id
triggers one refresh, so a rotated key is picked up without a restart.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from jwt import PyJWK

from servicekit.problems import Forbidden, Unauthorized
from servicekit.settings import SharedSettings

ROLES = ("owner", "editor", "reviewer", "analyst")
ANY_ROLE = ROLES
WRITERS = ("owner", "editor")

# What an API key may be granted. Operators' tokens carry roles and no scopes; the tokens
# the gateway mints for API keys carry scopes and no roles.
SCOPES = (
    "content:read",
    "content:write",
    "channels:read",
    "channels:write",
    "community:read",
    "interactions:write",
    "stats:read",
    "stats:write",
    "conversions:write",
)


@dataclass(frozen=True)
class Caller:
    user_id: str
    workspace_id: str
    roles: frozenset[str]
    scopes: frozenset[str] = field(default_factory=frozenset)
    token_id: str | None = None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_api_key(self) -> bool:
        return not self.roles and bool(self.scopes)


class KeySet:
    """Public keys by key id, from an inline JWKS or fetched from a URL."""

    def __init__(self, *, jwks: dict[str, Any] | None = None, url: str | None = None) -> None:
        self._url = url
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        if jwks is not None:
            self._load(jwks)

    @classmethod
    def from_settings(cls, settings: SharedSettings) -> KeySet:
        if settings.jwks:
            return cls(jwks=json.loads(settings.jwks))
        return cls(url=settings.jwks_url)

    def _load(self, jwks: dict[str, Any]) -> None:
        keys: dict[str, PyJWK] = {}
        for entry in jwks.get("keys", []):
            keys[str(entry.get("kid", ""))] = PyJWK(entry)
        self._keys = keys

    async def get(self, kid: str) -> PyJWK | None:
        key = self._keys.get(kid)
        if key is None and self._url is not None:
            await self._refresh()
            key = self._keys.get(kid)
        return key

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < 5:  # at most one fetch per 5 s
                return
            self._fetched_at = time.monotonic()
            assert self._url is not None
            try:
                async with httpx.AsyncClient(timeout=3.0) as client:
                    response = await client.get(self._url)
                    response.raise_for_status()
                    self._load(response.json())
            except (httpx.HTTPError, ValueError):
                return  # keep the keys we have; the token is refused if none fits


class TokenVerifier:
    def __init__(self, keys: KeySet, *, audience: str, issuer: str) -> None:
        self.keys = keys
        self.audience = audience
        self.issuer = issuer

    async def verify(self, token: str) -> Caller:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("The access token is malformed.") from exc
        if header.get("alg") != "EdDSA":
            raise Unauthorized("The access token must be signed with EdDSA.")
        key = await self.keys.get(str(header.get("kid", "")))
        if key is None:
            raise Unauthorized("The access token was signed with an unknown key.")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["EdDSA"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "wid"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The access token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The access token is invalid: {exc}.") from exc
        return Caller(
            user_id=str(claims["sub"]),
            workspace_id=str(claims["wid"]),
            roles=frozenset(claims.get("roles", [])),
            scopes=frozenset(claims.get("scopes", [])),
            token_id=claims.get("jti"),
        )


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "Send an access token in the Authorization header: 'Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token.strip()


async def current_caller(request: Request) -> Caller:
    verifier: TokenVerifier = request.app.state.verifier
    return await verifier.verify(bearer_token(request))


CurrentCaller = Annotated[Caller, Depends(current_caller)]


def require_role(*roles: str) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency that lets through callers holding one of `roles`."""
    return require_access(*roles)


def require_access(*roles: str, scope: str | None = None) -> Callable[[Caller], Awaitable[Caller]]:
    """Operators holding one of `roles`, or API keys granted `scope`, may pass."""

    async def dependency(caller: CurrentCaller) -> Caller:
        if caller.has_role(*roles):
            return caller
        if scope is not None and scope in caller.scopes:
            return caller
        needs = f"one of the roles {', '.join(roles)}" if roles else "no role"
        if scope is not None:
            needs += f", or an API key with the scope {scope}"
        raise Forbidden(f"This action needs {needs}.")

    return dependency
