"""Assembles the gateway: identity endpoints, the proxy to the services, the merged OpenAPI
document, health.

The gateway emits no events, so it takes servicekit's pieces (database, problem errors,
request ids, logs, token verification) rather than the outbox/consumer runtime.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import structlog
from fastapi import FastAPI
from servicekit.auth import KeySet, TokenVerifier
from servicekit.bodylimit import BodyLimit
from servicekit.db import Database
from servicekit.logging import REQUEST_ID_HEADER, configure_logging
from servicekit.metrics import install_metrics
from servicekit.problems import install_problem_handlers
from servicekit.tracing import configure_tracing, instrument_app
from starlette.middleware.cors import CORSMiddleware

from gateway import health
from gateway.access import API_KEY_HEADER, AccessGate
from gateway.apikeys import router as apikeys
from gateway.identity import router as identity
from gateway.identity.bootstrap import bootstrap_owner
from gateway.identity.keys import KeyStore
from gateway.mail import mailer_for
from gateway.openapi import router as openapi
from gateway.openapi.router import OpenApiCache
from gateway.operators import router as operators
from gateway.pages import router as pages
from gateway.proxy import router as proxy
from gateway.proxy.forward import upstream_session
from gateway.proxy.routes import RESOURCES, upstreams
from gateway.proxy.tokens import UpstreamTokens
from gateway.ratelimit import RateLimiter
from gateway.settings import Settings

log = structlog.get_logger(__name__)

EXPOSED_HEADERS = [
    REQUEST_ID_HEADER,
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Retry-After",
    "Location",
]


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
    keystore = KeyStore(settings.key_dir)
    gate = AccessGate(db, settings)
    limiter = RateLimiter(settings.redis_url)
    mailer = mailer_for(settings.mail_url, settings.mail_directory, settings.mail_from)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.shared.environment == "production" and not settings.mail_url:
            # Nobody could confirm a sign-up: say so at start, where ops look.
            log.warning("mail_written_to_directory", directory=str(settings.mail_directory))
        # One keep-alive pool to the services for the life of the process; never the
        # environment's proxies (the services are on our own network).
        async with (
            httpx.AsyncClient(
                timeout=httpx.Timeout(settings.upstream_timeout_seconds),
                # Idle connections are dropped before uvicorn's 5 s keep-alive closes them
                # from the other side, so a request never lands on a closing connection.
                limits=httpx.Limits(
                    max_connections=200, max_keepalive_connections=50, keepalive_expiry=4.0
                ),
                follow_redirects=False,
                trust_env=False,
            ) as client,
            upstream_session(settings.upstream_timeout_seconds) as proxied,
        ):
            app.state.http = client  # the gateway's own calls: health, OpenAPI documents
            app.state.proxied = proxied  # every proxied request
            try:
                await bootstrap_owner(db, settings)
                yield
            finally:
                await gate.drain()
                await mailer.drain()
                await db.dispose()

    app = FastAPI(
        title="Mediaops API",
        description=(
            "One API for the whole platform. Sign in at /api/v1/auth/login and send the "
            "access token as `Authorization: Bearer <token>`; internal systems send an API "
            "key as `X-API-Key`."
        ),
        version="1.0.0",
        lifespan=lifespan,
        openapi_url=None,  # /openapi.json is the merged document (gateway.openapi)
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.keystore = keystore
    app.state.gate = gate
    app.state.upstream_tokens = UpstreamTokens(settings)
    app.state.limiter = limiter
    app.state.mailer = mailer
    app.state.upstreams = upstreams(settings)
    app.state.openapi = OpenApiCache(app.state.upstreams, settings.openapi_cache_seconds)
    # The gateway trusts its own keys directly: no fetch of its own JWKS over HTTP.
    ring = keystore.ring()
    app.state.verified_ring = ring
    app.state.verifier = TokenVerifier(
        KeySet(jwks=ring.jwks()),
        audience=settings.shared.jwt_audience,
        issuer=settings.shared.jwt_issuer,
    )
    install_problem_handlers(app)
    # The gateway's own endpoints (sign-up and sign-in need no account) read small bodies;
    # the services' resources are forwarded up to the proxy's own limit, as they stream.
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.shared.max_request_body_bytes,
        allowances={f"/api/v1/{resource}": settings.max_body_bytes for resource in RESOURCES},
    )
    install_metrics(app)
    configure_tracing(settings.service_name)
    instrument_app(app)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_credentials="*" not in settings.cors_origin_list,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                API_KEY_HEADER,
                REQUEST_ID_HEADER,
                "Idempotency-Key",
                "traceparent",
                "tracestate",
            ],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )
    app.include_router(proxy.resources)  # first: most requests are for the services
    app.include_router(health.router)
    app.include_router(openapi.router)
    app.include_router(identity.well_known)
    app.include_router(identity.router, prefix="/api/v1")
    app.include_router(operators.router, prefix="/api/v1")
    app.include_router(apikeys.router, prefix="/api/v1")
    app.include_router(pages.router)  # what mailed links open
    app.include_router(proxy.router)  # last: unknown resources, a 404 problem
    return app
