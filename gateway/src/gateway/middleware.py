"""The request id, the access log and the HTTP metrics as one pure ASGI middleware.

servicekit's `request_id_middleware` and `install_metrics` are `BaseHTTPMiddleware`s: each
runs the rest of the app in a task of its own and relays the response through a memory
stream, which costs the gateway (whose every request is a proxied one) a large share of its
overhead. This does the same work in the request's own task: the request id (the caller's
`X-Request-ID` or a new one) on `request.state`, bound to every log line and echoed in the
answer; one access-log line per request; the request counted and timed by route template.
"""

from __future__ import annotations

import time
import uuid

import structlog
from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from servicekit.logging import REQUEST_ID_HEADER, access_log
from servicekit.metrics import HTTP_DURATION, HTTP_REQUESTS, _route_template
from starlette.types import ASGIApp, Message, Receive, Scope, Send

QUIET_PATHS = frozenset({"/health", "/ready", "/metrics"})
_HEADER = REQUEST_ID_HEADER.lower().encode("latin-1")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = ""
        for name, value in scope["headers"]:
            if name == _HEADER:
                request_id = value.decode("latin-1")
                break
        request_id = request_id or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        echoed = (REQUEST_ID_HEADER.encode("latin-1"), request_id.encode("latin-1"))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != _HEADER]
                headers.append(echoed)
                message = {**message, "headers": headers}
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                request = Request(scope)
                path = scope["path"]
                if path not in QUIET_PATHS:
                    access_log.info(
                        "request",
                        method=scope["method"],
                        path=path,
                        status=status,
                        duration_ms=round((time.perf_counter() - started) * 1000, 2),
                    )
                route = _route_template(request)
                if route != "/metrics":
                    HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
                    HTTP_DURATION.labels(scope["method"], route).observe(
                        time.perf_counter() - started
                    )


def install_request_context(app: FastAPI) -> None:
    """The middleware, and `/metrics` for Prometheus (what servicekit's pair provides)."""
    app.add_middleware(RequestContextMiddleware)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
