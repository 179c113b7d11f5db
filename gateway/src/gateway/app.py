"""Assembles the gateway: identity endpoints, the proxy to the services, the merged OpenAPI
document, health. Its moving parts are `gateway.runtime.GatewayRuntime`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from servicekit.bodylimit import BodyLimit
from servicekit.db import Database
from servicekit.logging import REQUEST_ID_HEADER, configure_logging
from servicekit.metrics import install_metrics
from servicekit.openapi import operation_id
from servicekit.problems import install_problem_handlers
from servicekit.tracing import configure_tracing, instrument_app
from starlette.middleware.cors import CORSMiddleware

from gateway import health, idempotency
from gateway.access import API_KEY_HEADER
from gateway.apikeys import router as apikeys
from gateway.identity import router as identity
from gateway.identity.bootstrap import bootstrap_owner
from gateway.notifications import router as notifications
from gateway.openapi import router as openapi
from gateway.operators import router as operators
from gateway.pages import problems as problem_pages
from gateway.pages import router as pages
from gateway.proxy import router as proxy
from gateway.proxy.routes import body_limits
from gateway.runtime import GatewayRuntime
from gateway.settings import Settings
from gateway.stream import router as stream

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
    runtime = GatewayRuntime(settings, database=database)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            await bootstrap_owner(runtime.db, settings)
            yield
        finally:
            await runtime.stop()

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
        generate_unique_id_function=operation_id,
    )
    app.state.runtime = runtime
    install_problem_handlers(app)
    # Inside the body limit, so that a replay's body is limited too.
    idempotency.install(app, runtime)
    # The gateway's own endpoints (sign-up and sign-in need no account) read small bodies;
    # the services' resources are forwarded up to the proxy's own limit, as they stream.
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.shared.max_request_body_bytes,
        allowances=body_limits(settings),
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
    app.include_router(notifications.router, prefix="/api/v1")
    app.include_router(stream.router, prefix="/api/v1")
    app.include_router(pages.router)  # what mailed links open
    app.include_router(problem_pages.router)  # what problem types name
    app.include_router(proxy.router)  # last: unknown resources, a 404 problem
    return app
