"""The tokens the gateway sends the services, minted for each caller it has just checked.

A caller's own credential never goes upstream. After `gateway.access` has verified it and
found it still good (operator enabled, role unchanged, session not logged out, API key not
revoked), the proxy sends a token of its own: the caller's identity, roles and scopes,
signed with the gateway's current key, for the audience `MEDIAOPS_JWT_UPSTREAM_AUDIENCE`
(which only services accept; the gateway accepts only `MEDIAOPS_JWT_AUDIENCE`), valid for
`GATEWAY_UPSTREAM_TOKEN_TTL_SECONDS` (60 s). So:

- an operator's access token or an API key sent straight to a service port is refused;
- a session logged out, an operator disabled or a key revoked is refused at the gateway at
  once, and no token the gateway minted for it works anywhere after the TTL.

What is still trusted: the network between the gateway and the services. A token minted
here works at any service for its TTL, so whoever can read that traffic (or a service that
leaks it) holds it that long; services are reachable only from the gateway (Kubernetes
NetworkPolicies; compose publishes no service port), and content-svc's call to channel-svc
passes on the token it received.

A token is reused while more than half its lifetime remains, so signing (~0.1 ms) happens
about twice a TTL per caller, not on every request, and every token a service receives has
at least half the TTL left for the calls it makes on the caller's behalf.
"""

from __future__ import annotations

import math
import time
import uuid

from servicekit.auth import Caller

from gateway.identity.signing_keys import SigningKey
from gateway.settings import Settings

MAX_CACHED = 50_000

# (signing key id, caller id, workspace id, roles, scopes): what the token says.
CacheKey = tuple[str, str, str, frozenset[str], frozenset[str]]


class UpstreamTokens:
    def __init__(self, settings: Settings) -> None:
        self.ttl = settings.upstream_token_ttl_seconds
        self.audience = settings.shared.jwt_upstream_audience
        self.issuer = settings.shared.jwt_issuer
        self._minted: dict[CacheKey, tuple[float, str]] = {}

    def for_caller(self, caller: Caller, key: SigningKey) -> str:
        """A token for `caller`, signed with `key`, with at least half the TTL left."""
        cache_key = (key.kid, caller.user_id, caller.workspace_id, caller.roles, caller.scopes)
        now = time.monotonic()
        cached = self._minted.get(cache_key)
        if cached is not None and cached[0] - now > self.ttl / 2:
            return cached[1]
        token = self.mint(caller, key)
        if len(self._minted) >= MAX_CACHED:
            for stale in [
                k for k, (until, _) in self._minted.items() if until - now <= self.ttl / 2
            ]:
                del self._minted[stale]
            if len(self._minted) >= MAX_CACHED:
                self._minted.clear()
        self._minted[cache_key] = (now + self.ttl, token)
        return token

    def mint(self, caller: Caller, key: SigningKey) -> str:
        now = time.time()
        return key.sign(
            {
                "sub": caller.user_id,
                "wid": caller.workspace_id,
                "roles": sorted(caller.roles),
                "scopes": sorted(caller.scopes),
                "aud": self.audience,
                "iss": self.issuer,
                "iat": int(now),
                # Whole seconds, rounded up: never shorter-lived than the cache assumes.
                "exp": math.ceil(now) + self.ttl,
                "jti": uuid.uuid4().hex,
            }
        )
