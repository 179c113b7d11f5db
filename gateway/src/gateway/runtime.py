"""The gateway's moving parts, made once per app: the database, the signing keys, the access
gate, the rate limiter, the mailer, the upstream tokens and the clients to the services;
and `Runtime`, the endpoint dependency that reaches them (servicekit.runtime.runtime_of).

The gateway emits and consumes no events, so it builds on servicekit's `AppRuntime` (the
settings and the database) rather than on the outbox and consumer runtime of the services.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Annotated

import aiohttp
import httpx
import structlog
from fastapi import Depends, Request
from servicekit.auth import KeySet, TokenVerifier
from servicekit.db import Database
from servicekit.runtime import AppRuntime, runtime_of

from gateway.gate import AccessGate
from gateway.identity.signing_keys import KeyRing, KeyStore
from gateway.mail.mailer import Mailer, mailer_for
from gateway.openapi.service import OpenApiCache
from gateway.proxy.forward import upstream_session
from gateway.proxy.routes import Upstream, upstreams
from gateway.proxy.tokens import UpstreamTokens
from gateway.ratelimit import RateLimiter
from gateway.settings import Settings

log = structlog.get_logger(__name__)


class GatewayRuntime(AppRuntime):
    settings: Settings
    # Open between start() and stop(): one keep-alive pool each, for the life of the process.
    http: httpx.AsyncClient  # the gateway's own calls: health, OpenAPI documents
    proxied: aiohttp.ClientSession  # every proxied request

    def __init__(self, settings: Settings, *, database: Database | None = None) -> None:
        super().__init__(settings, database=database)
        self.keystore = KeyStore(settings.key_dir)
        self.gate = AccessGate(self.db, settings)
        self.limiter = RateLimiter(settings.redis_url)
        self.mailer: Mailer = mailer_for(
            settings.mail_url, settings.mail_directory, settings.mail_from
        )
        self.upstream_tokens = UpstreamTokens(settings)
        self.upstreams: dict[str, Upstream] = upstreams(settings)
        self.openapi = OpenApiCache(self.upstreams, settings.openapi_cache_seconds)
        # The gateway trusts its own keys directly: no fetch of its own JWKS over HTTP.
        self._verified_ring = self.keystore.ring()
        self._verifier = TokenVerifier(
            KeySet(jwks=self._verified_ring.jwks()),
            audience=settings.shared.jwt_audience,
            issuer=settings.shared.jwt_issuer,
        )
        self._clients = AsyncExitStack()

    def signing_keys(self) -> KeyRing:
        """The key ring as the files now hold it (re-read at most once a second)."""
        return self.keystore.ring()

    def verifier(self) -> TokenVerifier:
        """The gateway's verifier, following the key files (rotation without a restart)."""
        ring = self.keystore.ring()
        if ring is not self._verified_ring:
            self._verifier.keys = KeySet(jwks=ring.jwks())
            self._verified_ring = ring
            self.gate.forget_signatures()
        return self._verifier

    async def start(self) -> None:
        if self.settings.shared.environment == "production" and not self.settings.mail_url:
            # Nobody could confirm a sign-up: say so at start, where ops look.
            log.warning("mail_written_to_directory", directory=str(self.settings.mail_directory))
        # Never the environment's proxies: the services are on our own network.
        self.http = await self._clients.enter_async_context(
            httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.upstream_timeout_seconds),
                # Idle connections are dropped before uvicorn's 5 s keep-alive closes them
                # from the other side, so a request never lands on a closing connection.
                limits=httpx.Limits(
                    max_connections=200, max_keepalive_connections=50, keepalive_expiry=4.0
                ),
                follow_redirects=False,
                trust_env=False,
            )
        )
        self.proxied = await self._clients.enter_async_context(
            upstream_session(self.settings.upstream_timeout_seconds)
        )

    async def stop(self) -> None:
        try:
            await self.gate.drain()
            await self.mailer.drain()
            await self.db.dispose()
        finally:
            await self._clients.aclose()


# `async def`: FastAPI runs a plain `def` dependency in a worker thread, a thread hop per
# request for what is an attribute read.
async def current_runtime(request: Request) -> GatewayRuntime:
    return runtime_of(request, GatewayRuntime)


Runtime = Annotated[GatewayRuntime, Depends(current_runtime)]
