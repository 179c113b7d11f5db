"""Verifying the gateway's tokens: EdDSA JWTs checked against its JWKS.

Every service sees one kind of caller, a `Caller`, whatever the original credential was.
Keys come from the gateway's JWKS (or an inline JWKS in settings). A fetched JWKS is kept
for the `max-age` its answer names, then fetched again, so that a key removed from the
gateway (a compromised one) stops verifying within that time, without a restart; an
unknown key id triggers a fetch too, so a rotated key is picked up at once.
"""

from __future__ import annotations

import asyncio
import json
import re
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
    # Webhook subscriptions: which of the workspace's events go to which URL.
    "webhooks:manage",
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


# How long a fetched JWKS is kept: the answer's `max-age`, within these bounds (a gateway
# that sends none, or `no-cache`, is asked again after the default, or at most every second).
JWKS_DEFAULT_MAX_AGE = 300.0
JWKS_MIN_MAX_AGE = 1.0
JWKS_MAX_MAX_AGE = 3600.0
# After a failed fetch, or for an unknown key id, the gateway is asked at most this often.
JWKS_RETRY_SECONDS = 5.0
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)


def jwks_max_age(cache_control: str | None) -> float:
    """How long a JWKS answer with this `Cache-Control` may be used."""
    if cache_control is None:
        return JWKS_DEFAULT_MAX_AGE
    directives = {part.strip().lower() for part in cache_control.split(",")}
    if "no-cache" in directives or "no-store" in directives:
        return JWKS_MIN_MAX_AGE
    match = _MAX_AGE.search(cache_control)
    if match is None:
        return JWKS_DEFAULT_MAX_AGE
    return min(max(float(match[1]), JWKS_MIN_MAX_AGE), JWKS_MAX_MAX_AGE)


class KeySet:
    """Public keys by key id, from an inline JWKS or fetched from a URL.

    A fetched set is used until its `max-age` runs out; the first lookup after that fetches
    it again (one fetch, which concurrent lookups wait for), and keys that are gone from it
    are refused from then on. When the fetch fails, the keys in hand are kept and the
    gateway is asked again `JWKS_RETRY_SECONDS` later: a gateway restarting must not lock
    every caller out of every service.
    """

    def __init__(self, *, jwks: dict[str, Any] | None = None, url: str | None = None) -> None:
        self._url = url
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = -JWKS_RETRY_SECONDS
        self._fresh_until = 0.0  # monotonic; a URL's keys are fetched on first use
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
        if self._url is not None:
            now = time.monotonic()
            if now >= self._fresh_until:
                await self._refresh(expired=True)
            elif kid not in self._keys:
                await self._refresh(expired=False)
        return self._keys.get(kid)

    async def _refresh(self, *, expired: bool) -> None:
        async with self._lock:
            now = time.monotonic()
            if expired and now < self._fresh_until:
                return  # another lookup fetched it while this one waited
            if not expired and now - self._fetched_at < JWKS_RETRY_SECONDS:
                return  # an unknown key id: at most one fetch per JWKS_RETRY_SECONDS
            self._fetched_at = now
            assert self._url is not None
            try:
                async with httpx.AsyncClient(timeout=3.0) as client:
                    response = await client.get(self._url)
                    response.raise_for_status()
                    self._load(response.json())
            except (httpx.HTTPError, ValueError, AttributeError, jwt.PyJWTError):
                # Keep the keys we have; the token is refused if none fits.
                self._fresh_until = time.monotonic() + JWKS_RETRY_SECONDS
                return
            self._fresh_until = time.monotonic() + jwks_max_age(
                response.headers.get("cache-control")
            )


class TokenVerifier:
    def __init__(self, keys: KeySet, *, audience: str, issuer: str) -> None:
        self.keys = keys
        self.audience = audience
        self.issuer = issuer

    async def verify(self, token: str) -> Caller:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized(
                "The access token is malformed.", detail_zh="访问令牌格式错误。"
            ) from exc
        if header.get("alg") != "EdDSA":
            raise Unauthorized(
                "The access token must be signed with EdDSA.",
                detail_zh="访问令牌必须使用 EdDSA 签名。",
            )
        key = await self.keys.get(str(header.get("kid", "")))
        if key is None:
            raise Unauthorized(
                "The access token was signed with an unknown key.",
                detail_zh="访问令牌的签名密钥未知。",
            )
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
            raise Unauthorized(
                "The access token has expired.", detail_zh="访问令牌已过期。"
            ) from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(
                f"The access token is invalid: {exc}.", detail_zh=f"访问令牌无效：{exc}。"
            ) from exc
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
            detail_zh="请在 Authorization 请求头中发送访问令牌：'Bearer <token>'。",
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
        needs_zh = f"以下角色之一：{'、'.join(roles)}" if roles else "无需角色"
        if scope is not None:
            needs += f", or an API key with the scope {scope}"
            needs_zh += f"，或具有 {scope} 权限范围的 API 密钥"
        raise Forbidden(f"This action needs {needs}.", detail_zh=f"此操作需要{needs_zh}。")

    return dependency
