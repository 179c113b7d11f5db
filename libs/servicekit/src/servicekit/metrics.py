"""Prometheus metrics every process exposes at `/metrics` on its own internal port.

The figures are served apart from the API (`<PREFIX>_METRICS_PORT`, by default the API
port + 1000) so that the public port answers only the API: nothing outside learns the
routes, volumes and errors, and a NetworkPolicy can open the metrics port to the
monitoring namespace alone. Gauges that need the database are refreshed by a background
job (`refresh_forever`), not at scrape time: the scrape is answered from another thread.

Names follow Prometheus conventions (`mediaops_..._total`, `_seconds`, base units) and
labels stay bounded: topics, groups, routes, platforms and outcomes, never an id.
Services add their own figures next to these with the same prefix.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence

import structlog
from fastapi import FastAPI, Request
from prometheus_client import Counter, Gauge, Histogram, start_http_server
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.logging import REQUEST_ID_HEADER, access_log
from servicekit.problem_language import current_scope
from servicekit.redaction import redact_path

log = structlog.get_logger(__name__)

QUIET_PATHS = frozenset({"/health", "/ready"})
_REQUEST_ID = REQUEST_ID_HEADER.lower().encode("latin-1")

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
OUTBOX_FAILED = Gauge(
    "mediaops_outbox_failed_events",
    "Outbox rows parked because the broker refused them for good (too large); they wait "
    "for an operator, and the rows after them are sent.",
)
OUTBOX_EVENTS_PARKED = Counter(
    "mediaops_outbox_events_parked_total",
    "Outbox rows the relay parked because the broker refused them for good.",
    ["topic"],
)
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
CONSUMER_PAUSED_PARTITIONS = Gauge(
    "mediaops_consumer_paused_partitions",
    "Partitions a group holds back because their next event met an outage (database or "
    "network away); they are read again after a backoff, never dead-lettered for it.",
    ["group"],
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


class RequestContextMiddleware:
    """The request id, the access log and the HTTP metrics, as one pure ASGI middleware.

    It runs in the request's own task (a `BaseHTTPMiddleware` would run the rest of the
    app in another task and relay the answer through a stream, for every request): the
    caller's `X-Request-ID` or a new one goes on `request.state`, on every log line and
    back in the answer; one access-log line per request; the request counted and timed
    by its route template.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = ""
        for name, value in scope["headers"]:
            if name == _REQUEST_ID:
                request_id = value.decode("latin-1")
                break
        request_id = request_id or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        echoed = (_REQUEST_ID, request_id.encode("latin-1"))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", ()) if k.lower() != _REQUEST_ID
                ]
                headers.append(echoed)
                message = {**message, "headers": headers}
            await send(message)

        # Problems rendered during the request speak its language and name its id.
        answering = current_scope.set(scope)
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                current_scope.reset(answering)
                path = scope["path"]
                if path not in QUIET_PATHS:
                    access_log.info(
                        "request",
                        method=scope["method"],
                        path=redact_path(path),  # a feed's path is its access token
                        status=status,
                        duration_ms=round((time.perf_counter() - started) * 1000, 2),
                    )
                route = _route_template(Request(scope))
                HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
                HTTP_DURATION.labels(scope["method"], route).observe(time.perf_counter() - started)


def install_metrics(app: FastAPI) -> None:
    """Request ids, the access log and HTTP figures on every request."""
    app.add_middleware(RequestContextMiddleware)


def serve_metrics(host: str, port: int) -> None:
    """Answer `GET /metrics` on `host:port` from a daemon thread, for the process's life."""
    start_http_server(port, addr=host)
    log.info("metrics_serving", address=f"http://{host}:{port}/metrics")


async def refresh_forever(hooks: Sequence[Refresh], interval_seconds: float) -> None:
    """Run the hooks that update database-backed gauges, every `interval_seconds`."""
    while True:
        for hook in hooks:
            try:
                await hook()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be down: the figures wait
                log.debug("metrics_refresh_failed", error=repr(exc))
        await asyncio.sleep(interval_seconds)
