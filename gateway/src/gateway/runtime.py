"""The gateway's moving parts, made once per app: the database, the signing keys, the access
gate, the rate limiter, the mailer, the upstream tokens and the clients to the services,
the consumer of the events operators hear of (notifications, the live stream) and the
sender of notices; and `Runtime`, the endpoint dependency that reaches them
(servicekit.runtime.runtime_of).

The gateway emits no events, so it builds on servicekit's `AppRuntime` (the settings and the
database) with a `ConsumerRunner` of its own, rather than on the outbox runtime of the
services.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Annotated

import aiohttp
import httpx
import structlog
from fastapi import Depends, Request
from servicekit.auth import KeySet, TokenVerifier
from servicekit.consumer import ConsumerRunner
from servicekit.db import Database
from servicekit.runtime import AppRuntime, runtime_of
from servicekit.urlguard import guarded_client

from gateway import consumers
from gateway.gate import AccessGate
from gateway.identity.signing_keys import KeyRing, KeyStore
from gateway.mail.mailer import Mailer, mailer_for
from gateway.models import ProcessedEvent
from gateway.notifications.delivery import send_forever
from gateway.notifications.secrets import SecretBox, secret_box
from gateway.openapi.service import OpenApiCache
from gateway.proxy.forward import upstream_session
from gateway.proxy.routes import Upstream, upstreams
from gateway.proxy.tokens import UpstreamTokens
from gateway.ratelimit import RateLimiter
from gateway.settings import Settings
from gateway.stream.hub import StreamHub
from gateway.tidy import keep_tidy

log = structlog.get_logger(__name__)


class GatewayRuntime(AppRuntime):
    settings: Settings
    # Open between start() and stop(): one keep-alive pool each, for the life of the process.
    http: httpx.AsyncClient  # the gateway's own calls: health, OpenAPI documents
    proxied: aiohttp.ClientSession  # every proxied request
    robots: httpx.AsyncClient  # notices to group robots: user-given URLs, guarded

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
        self._notification_box: SecretBox | None = None
        self.stream_hub = StreamHub()
        self.consumer = ConsumerRunner(
            self.db,
            ProcessedEvent,
            group_id=settings.service_name,
            handlers=consumers.handlers(self.stream_hub.wake, settings.public_url),
            settings=settings.shared,
        )
        self._clients = AsyncExitStack()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def notification_box(self) -> SecretBox:
        """What seals the robots' URLs and secrets; made on first use, so that a gateway
        whose data dir cannot be written still starts (and only robots fail)."""
        if self._notification_box is None:
            self._notification_box = secret_box(
                self.settings.notification_key.get_secret_value(), self.settings.shared.data_dir
            )
        return self._notification_box

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
        self.robots = await self._clients.enter_async_context(
            guarded_client(
                allow_private=self.settings.shared.allow_private_urls,
                timeout=10.0,
                follow_redirects=False,
            )
        )
        if self.settings.consume_events:
            self.consumer.start()
            sender = send_forever(
                self.db,
                mailer=self.mailer,
                http=self.robots,
                box=lambda: self.notification_box,
                interval_seconds=self.settings.notification_poll_seconds,
            )
            self._tasks.append(asyncio.create_task(sender, name="notifications"))
            tidy = keep_tidy(self.db, self.settings.shared)
            self._tasks.append(asyncio.create_task(tidy, name="housekeeping"))

    async def stop(self) -> None:
        try:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self.consumer.stop()
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
