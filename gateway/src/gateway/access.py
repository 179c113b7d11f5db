"""Who may call what, checked on every request the gateway serves or forwards.

Whatever the request carries (an operator's access token or an API key) is verified, and
asked of the access gate (`gateway.gate`) whether it is still good. What the services then
receive is not the caller's credential but a short token the proxy mints (gateway.proxy.tokens).

The gateway's own endpoints take `SignedIn` (an operator's sign-in, of any role: never an API
key) or `Owner` (an owner's sign-in); the proxy calls `authenticate` itself, as API keys are
welcome there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import jwt
from fastapi import Depends, Request
from servicekit.auth import Caller, bearer_token
from servicekit.problems import Forbidden, Unauthorized

from gateway.gate import API_KEY_PREFIX, BAD_KEY
from gateway.runtime import GatewayRuntime, current_runtime

API_KEY_HEADER = "x-api-key"


def api_key_of(request: Request) -> str | None:
    """The API key the request carries, if it carries one rather than an access token."""
    header = request.headers.get(API_KEY_HEADER)
    if header:
        return header.strip()
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip().startswith(API_KEY_PREFIX):
        return value.strip()
    return None


@dataclass(frozen=True)
class Authenticated:
    caller: Caller
    api_key: bool


async def authenticate(request: Request, runtime: GatewayRuntime) -> Authenticated:
    """Verify whatever credential the request carries, and that it is still good."""
    gate = runtime.gate
    key = api_key_of(request)
    if key is not None:
        if not key.startswith(API_KEY_PREFIX):
            raise Unauthorized(BAD_KEY, headers={"WWW-Authenticate": "Bearer"})
        grant = await gate.exchange(key)
        return Authenticated(caller=grant.caller, api_key=True)
    token = bearer_token(request)
    verifier = runtime.verifier()
    known = gate.verified(token)
    if known is None:
        caller = await verifier.verify(token)
        session_id = gate.remember_verified(token, caller)
    else:
        caller, session_id = known
    await gate.check(caller, session_id)
    return Authenticated(caller=caller, api_key=False)


def session_id_of(token: str) -> str | None:
    # Already verified: reading a claim again needs no second signature check.
    claims = jwt.decode(token, options={"verify_signature": False})
    sid = claims.get("sid")
    return str(sid) if sid else None


def access_token_expiry(token: str) -> datetime:
    """When a verified access token expires (its `exp`)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return datetime.fromtimestamp(int(claims["exp"]), UTC)


async def _signed_in(
    request: Request, runtime: Annotated[GatewayRuntime, Depends(current_runtime)]
) -> Caller:
    caller = (await authenticate(request, runtime)).caller
    if caller.is_api_key:
        raise Forbidden("This action needs an operator's sign-in, not an API key.")
    return caller


async def _owner(caller: Annotated[Caller, Depends(_signed_in)]) -> Caller:
    if not caller.has_role("owner"):
        raise Forbidden("This action needs the role owner.")
    return caller


# A signed-in operator, of any role (never an API key): their own sign-in and profile.
SignedIn = Annotated[Caller, Depends(_signed_in)]
# An owner's sign-in: the workspace's team and its API keys.
Owner = Annotated[Caller, Depends(_owner)]
