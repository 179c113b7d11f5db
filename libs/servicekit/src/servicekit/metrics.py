"""Prometheus metrics every process exposes at `/metrics`.

Names follow Prometheus conventions (`mediaops_..._total`, `_seconds`, base units) and
labels stay bounded: topics, groups, routes, platforms and outcomes, never an id.
Services add their own figures next to these with the same prefix.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.routing import Match

HTTP_REQUESTS = Counter(
    "mediaops_http_requests_total",
    "HTTP requests answered, by route template and status.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "mediaops_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter(
    "mediaops_events_published_total", "Events the outbox relay delivered to Kafka.", ["topic"]
)
OUTBOX_RELAY_FAILURES = Counter(
    "mediaops_outbox_relay_failures_total", "Outbox relay rounds that failed (broker down...)."
)
OUTBOX_WAITING = Gauge("mediaops_outbox_waiting_events", "Outbox rows not yet delivered.")
OUTBOX_OLDEST_AGE = Gauge(
    "mediaops_outbox_oldest_age_seconds", "Age of the oldest undelivered outbox row (0 if none)."
)
EVENTS_CONSUMED = Counter(
    "mediaops_events_consumed_total",
    "Events a consumer group handled, by outcome (applied, duplicate, dead_lettered).",
    ["topic", "group", "outcome"],
)
EVENT_RETRIES = Counter(
    "mediaops_event_retries_total", "Retries of an event whose handler failed.", ["topic", "group"]
)
EVENTS_DEAD_LETTERED = Counter(
    "mediaops_events_dead_lettered_total",
    "Events sent to the dead-letter topic.",
    ["topic", "group"],
)
CONSUMER_LAG = Gauge(
    "mediaops_consumer_lag_messages",
    "Messages between a group's position and the partition's end.",
    ["group", "topic", "partition"],
)

Refresh = Callable[[], Awaitable[None]]


def _route_template(request: Request) -> str:
    """The matched route's path template (`/api/v1/posts/{post_id}`), never the raw path."""
    route = request.scope.get("route")
    if route is not None:
        # Routes of included routers know only their own part of the path: put the
        # (static) prefix back by taking the concrete suffix off the request path.
        template = str(getattr(route, "path", "unmatched"))
        params = {k: str(v) for k, v in request.scope.get("path_params", {}).items()}
        try:
            concrete = str(getattr(route, "path_format", template)).format(**params)
        except (KeyError, IndexError, ValueError):
            return template
        path = request.url.path
        return path[: len(path) - len(concrete)] + template if path.endswith(concrete) else template
    for candidate in request.app.router.routes:
        match, _ = candidate.matches(request.scope)
        if match == Match.FULL:
            return str(getattr(candidate, "path", "unmatched"))
    return "unmatched"


def install_metrics(app: FastAPI, refresh: list[Refresh] | None = None) -> None:
    """Count and time every request, and serve `/metrics` (after running `refresh` hooks,
    which update gauges that need the database)."""
    hooks = refresh if refresh is not None else []

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = _route_template(request)
            if route != "/metrics":
                HTTP_REQUESTS.labels(request.method, route, str(status)).inc()
                HTTP_DURATION.labels(request.method, route).observe(time.perf_counter() - started)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        for hook in hooks:
            try:
                await hook()
            except Exception:  # a scrape must still answer when the database is down
                pass
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
