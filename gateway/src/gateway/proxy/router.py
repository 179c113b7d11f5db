"""Every other `/api/v1/<resource>/...` request: check the token, then forward it."""

from __future__ import annotations

import uuid

import httpx
import structlog
from fastapi import APIRouter, Request
from servicekit.auth import TokenVerifier, bearer_token
from servicekit.logging import REQUEST_ID_HEADER
from servicekit.problems import NotFound
from starlette.responses import StreamingResponse

from gateway.dependencies import AppSettings
from gateway.proxy.forward import forward
from gateway.proxy.routes import Upstream, route

router = APIRouter(tags=["proxy"])

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _request_id(request: Request) -> str:
    # servicekit's request_id_middleware binds the id it chose (given or new) to the log
    # context without storing it on the request, so read it back from there.
    given = request.headers.get(REQUEST_ID_HEADER)
    bound = structlog.contextvars.get_contextvars().get("request_id")
    return given or (str(bound) if bound else uuid.uuid4().hex)


@router.api_route("/api/v1/{path:path}", methods=METHODS, include_in_schema=False)
async def proxy(request: Request, path: str, settings: AppSettings) -> StreamingResponse:
    table: dict[str, Upstream] = request.app.state.upstreams
    found = route(request.url.path, table)
    if found is None:
        raise NotFound(f"There is no resource at /api/v1/{path.partition('/')[0]}.")
    upstream, public = found
    if not public:
        verifier: TokenVerifier = request.app.state.verifier
        await verifier.verify(bearer_token(request))
    client: httpx.AsyncClient = request.app.state.http
    return await forward(
        request,
        upstream,
        client,
        max_body_bytes=settings.max_body_bytes,
        request_id=_request_id(request),
    )
