"""Assembles the gateway: identity endpoints, the proxy to the services, health.

The gateway emits no events, so it takes servicekit's pieces (database, problem errors,
request ids, logs, token verification) rather than the outbox/consumer runtime.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from servicekit.auth import KeySet, TokenVerifier
from servicekit.db import Database
from servicekit.logging import configure_logging, request_id_middleware
from servicekit.problems import install_problem_handlers

from gateway import health
from gateway.identity import router as identity
from gateway.identity.keys import KeyRing
from gateway.proxy import router as proxy
from gateway.proxy.routes import upstreams
from gateway.settings import Settings


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    configure_logs: bool = True,
) -> FastAPI:
    settings = settings or Settings()
    if configure_logs:
        configure_logging(
            fmt=settings.shared.log_format,
            level=settings.shared.log_level,
            service=settings.service_name,
        )
    db = database or Database(settings.database_url)
    keys = KeyRing.load(settings.key_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One keep-alive pool to the services for the life of the process; never the
        # environment's proxies (the services are on our own network).
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(settings.upstream_timeout_seconds),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            follow_redirects=False,
            trust_env=False,
        ) as client:
            app.state.http = client
            try:
                yield
            finally:
                await db.dispose()

    app = FastAPI(
        title="Mediaops API",
        description="The gateway: sign-in, then every resource of the platform under /api/v1.",
        version="1.0.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.keys = keys
    app.state.upstreams = upstreams(settings)
    # The gateway trusts its own keys directly: no fetch of its own JWKS over HTTP.
    app.state.verifier = TokenVerifier(
        KeySet(jwks=keys.jwks()),
        audience=settings.shared.jwt_audience,
        issuer=settings.shared.jwt_issuer,
    )
    install_problem_handlers(app)
    app.middleware("http")(request_id_middleware)
    app.include_router(health.router)
    app.include_router(identity.well_known)
    app.include_router(identity.router, prefix="/api/v1")
    app.include_router(proxy.router)  # last: it catches the rest of /api/v1
    return app
