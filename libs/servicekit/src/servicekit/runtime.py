"""A service's moving parts, assembled: database, outbox relay, consumers, token verifier.

`build_app` turns a `ServiceRuntime` and the service's routers into a FastAPI app whose
lifespan starts and stops the background parts, with problem+json errors, request ids,
a request body limit, `/health` and `/ready` already in place.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import partial
from types import MappingProxyType
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import KeySet, TokenVerifier
from servicekit.bodylimit import BodyLimit
from servicekit.consumer import ConsumerRunner, Handler, ProcessedEventMixin
from servicekit.db import Database, utcnow
from servicekit.housekeeping import keep_tidy
from servicekit.idempotency import IdempotencyKeys, document_idempotency
from servicekit.idempotency_store import IdempotencyKeyMixin, mark_applied
from servicekit.kafka import TopicsNotCreated, ensure_topics
from servicekit.logging import configure_logging
from servicekit.metrics import install_metrics, refresh_forever
from servicekit.openapi import operation_id
from servicekit.outbox import (
    OutboxMessageMixin,
    OutboxRelay,
    outbox_backlog,
    outbox_failed,
    refresh_outbox_gauges,
)
from servicekit.problems import install_problem_handlers
from servicekit.settings import ServiceSettings
from servicekit.tracing import configure_tracing, instrument_app


class AppRuntime:
    """What every app's endpoints reach through `runtime_of` and `DbSession`: its settings
    and its database. `ServiceRuntime` adds the outbox relay and the consumers; an app that
    emits and consumes nothing (the gateway) builds on this alone."""

    def __init__(self, settings: ServiceSettings, *, database: Database | None = None) -> None:
        self.settings = settings
        self.db = database or Database(settings.database_url)


class ServiceRuntime(AppRuntime):
    """A service's runtime. A service's subclass names its tables and the handlers of the
    topics it consumes as class attributes, so that one with nothing else to wire needs no
    constructor; the constructor's arguments, where given, take their place."""

    outbox_model: type[OutboxMessageMixin]
    processed_model: type[ProcessedEventMixin]
    idempotency_model: type[IdempotencyKeyMixin]
    handlers: Mapping[str, Handler] = MappingProxyType({})

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        outbox_model: type[OutboxMessageMixin] | None = None,
        processed_model: type[ProcessedEventMixin] | None = None,
        idempotency_model: type[IdempotencyKeyMixin] | None = None,
        handlers: Mapping[str, Handler] | None = None,
        database: Database | None = None,
        verifier: TokenVerifier | None = None,
    ) -> None:
        super().__init__(settings, database=database)
        if outbox_model is not None:
            self.outbox_model = outbox_model
        if processed_model is not None:
            self.processed_model = processed_model
        if idempotency_model is not None:
            self.idempotency_model = idempotency_model
        if handlers is not None:
            self.handlers = handlers
        self.relay = OutboxRelay(self.db, self.outbox_model, settings.shared)
        self.consumer = ConsumerRunner(
            self.db,
            self.processed_model,
            group_id=settings.service_name,
            handlers=self.handlers,
            settings=settings.shared,
        )
        # Only the tokens the gateway mints per request, after its checks (gateway.proxy.tokens).
        self.verifier = verifier or TokenVerifier(
            KeySet.from_settings(settings.shared),
            audience=settings.shared.jwt_upstream_audience,
            issuer=settings.shared.jwt_issuer,
        )
        self.background: list[Callable[[], Coroutine[Any, Any, None]]] = [
            partial(
                keep_tidy,
                self.db,
                self.outbox_model,
                self.processed_model,
                settings.shared,
                idempotency_model=self.idempotency_model,
            ),
            partial(
                refresh_forever, [self.refresh_metrics], settings.shared.metrics_refresh_seconds
            ),
        ]
        self._tasks: list[asyncio.Task[None]] = []

    async def refresh_metrics(self) -> None:
        """Update the gauges that need the database; services extend this."""
        await refresh_outbox_gauges(self.db, self.outbox_model)

    async def start(self) -> None:
        self.relay.start()
        self.consumer.start()
        self._tasks = [asyncio.create_task(job()) for job in self.background]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.consumer.stop()
        await self.relay.stop()
        await self.db.dispose()


RT = TypeVar("RT", bound=AppRuntime)


def runtime_of(request: Request, kind: type[RT]) -> RT:
    """The app's runtime, as the app's own runtime class (see `runtime_dependency`)."""
    runtime = request.app.state.runtime
    if not isinstance(runtime, kind):
        raise TypeError(f"the app runs a {type(runtime).__name__}, not a {kind.__name__}")
    return runtime


def runtime_dependency(kind: type[RT]) -> Callable[[Request], Awaitable[RT]]:
    """The endpoint dependency that reaches the app's runtime as `kind`; a service's
    `runtime.py` names it `Runtime`:
    `Runtime = Annotated[XRuntime, Depends(runtime_dependency(XRuntime))]`. Async, as every
    dependency here: FastAPI runs a plain `def` in a worker thread, a hop per request."""

    async def current_runtime(request: Request) -> RT:
        return runtime_of(request, kind)

    return current_runtime


SAFE_METHODS = frozenset({"GET", "HEAD"})


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    runtime: AppRuntime = request.app.state.runtime
    # GET and HEAD read: they must not write, so they need not queue for the write lock.
    async with runtime.db.transaction(read_only=request.method in SAFE_METHODS) as session:
        # A POST holding an Idempotency-Key: its changes and the key's mark commit together.
        await mark_applied(session, request.scope)
        yield session


# scope="function": commit before the response is sent, so a 2xx means "stored".
DbSession = Annotated[AsyncSession, Depends(_session, scope="function")]


def health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/ready", include_in_schema=False)
    async def ready(request: Request) -> JSONResponse:
        runtime: ServiceRuntime = request.app.state.runtime
        checks: dict[str, object] = {}
        ok = True
        try:
            async with asyncio.timeout(2.0):
                await runtime.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            ok = False
            checks["database"] = f"unreachable: {type(exc).__name__}"
        try:
            await ensure_topics(runtime.settings.shared, timeout_s=2.0)
            checks["broker"] = "ok"
        except TopicsNotCreated as exc:
            ok = False
            checks["broker"] = f"topics not created: {exc}"
        except Exception as exc:
            ok = False
            checks["broker"] = f"unreachable: {type(exc).__name__}"
        if checks["database"] == "ok":
            async with runtime.db.transaction() as session:
                waiting, oldest = await outbox_backlog(session, runtime.outbox_model)
                failed = await outbox_failed(session, runtime.outbox_model)
            checks["outbox_waiting"] = waiting
            checks["outbox_oldest"] = oldest.isoformat() if oldest else None
            # Shown, not failed on: every replica shares the table, so one refused event
            # would take them all out of the load balancer. Alert on the metric instead.
            checks["outbox_failed"] = failed
            limit = runtime.settings.shared.ready_max_outbox_age_seconds
            if oldest is not None and (utcnow() - oldest).total_seconds() > limit:
                ok = False
                checks["outbox"] = f"oldest undelivered event is older than {limit:g} s"
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    return router


def build_app(
    runtime: ServiceRuntime,
    routers: Sequence[APIRouter],
    *,
    title: str,
    description: str = "",
    configure_logs: bool = True,
    body_allowances: Mapping[str, int] | None = None,
) -> FastAPI:
    """`body_allowances`: the routes (a path and everything under it) that may receive
    bodies larger than `MEDIAOPS_MAX_REQUEST_BODY_BYTES`, with their own limits."""
    settings = runtime.settings
    if configure_logs:
        configure_logging(
            fmt=settings.shared.log_format,
            level=settings.shared.log_level,
            service=settings.service_name,
        )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.runtime = runtime
    app.state.verifier = runtime.verifier
    install_problem_handlers(app)
    configure_tracing(settings.service_name)
    # Inside the body limit, so that a replay's body is limited too.
    app.add_middleware(IdempotencyKeys, db=runtime.db, model=runtime.idempotency_model)
    # Inside the request middleware, so that a refusal is logged and counted like any answer.
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.shared.max_request_body_bytes,
        allowances=body_allowances,
    )
    install_metrics(app)
    instrument_app(app)
    app.include_router(health_router())
    for router in routers:
        app.include_router(router, prefix="/api/v1")
    document_idempotency(app)
    return app
