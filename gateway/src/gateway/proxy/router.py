"""Every other `/api/v1/<resource>/...` request: check the caller, count it, forward it with
a token minted for the services (gateway.proxy.tokens) in place of the caller's credential."""

from __future__ import annotations

import uuid

import aiohttp
from fastapi import APIRouter, Request
from servicekit.logging import REQUEST_ID_HEADER
from servicekit.problems import Forbidden, NotFound
from starlette.convertors import Convertor, register_url_convertor
from starlette.responses import Response

from gateway.access import authenticate
from gateway.dependencies import AppSettings, Limiter
from gateway.identity.keys import KeyStore
from gateway.proxy.forward import forward
from gateway.proxy.routes import RESOURCES, Upstream, route
from gateway.proxy.tokens import UpstreamTokens
from gateway.ratelimit import Verdict

router = APIRouter(tags=["proxy"])

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _request_id(request: Request) -> str:
    """The id servicekit's request middleware chose (the caller's, or a new one)."""
    chosen = getattr(request.state, "request_id", None)
    return str(chosen) if chosen else request.headers.get(REQUEST_ID_HEADER, uuid.uuid4().hex)


@router.api_route("/l/{code}", methods=["GET", "HEAD"], include_in_schema=False)
@router.api_route("/feeds/{token}.xml", methods=["GET", "HEAD"], include_in_schema=False)
async def public_page(request: Request, settings: AppSettings) -> Response:
    """Tracked short links and feeds are public: anyone who sees a post may follow its
    links, and feed readers cannot send a token."""
    client: aiohttp.ClientSession = request.app.state.proxied
    return await forward(
        request,
        request.app.state.upstreams["channel"],
        client,
        max_body_bytes=settings.max_body_bytes,
        request_id=_request_id(request),
        authorization=None,
    )


class ResourceConvertor(Convertor[str]):
    """Matches exactly the resources the services own, so that their route can come first:
    the common request then skips matching every one of the gateway's own routes."""

    regex = "(?:" + "|".join(sorted(RESOURCES, key=len, reverse=True)) + ")(?=/|$)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("resource", ResourceConvertor())
# Included before the gateway's own routes; `router` (after them) answers the rest.
resources = APIRouter(tags=["proxy"])


@resources.api_route(
    "/api/v1/{resource:resource}{rest:path}", methods=METHODS, include_in_schema=False
)
async def proxy_resource(request: Request, settings: AppSettings, limiter: Limiter) -> Response:
    return await proxy(request, request.url.path.removeprefix("/api/v1/"), settings, limiter)


@router.api_route("/api/v1/{path:path}", methods=METHODS, include_in_schema=False)
async def proxy(request: Request, path: str, settings: AppSettings, limiter: Limiter) -> Response:
    table: dict[str, Upstream] = request.app.state.upstreams
    found = route(request.url.path, table)
    if found is None:
        raise NotFound(f"There is no resource at /api/v1/{path.partition('/')[0]}.")
    upstream, public = found
    authorization: str | None = None
    verdict: Verdict | None = None
    if not public:
        who = await authenticate(request)
        if who.api_key:
            if not who.caller.scopes & upstream.scopes:
                raise Forbidden(
                    f"This API key has no scope for {upstream.name}; it needs one of "
                    f"{', '.join(sorted(upstream.scopes))}."
                )
            spec, bucket = settings.api_key_request_limit, "key"
        else:
            spec, bucket = settings.operator_request_limit, "operator"
        verdict = await limiter.enforce(spec, bucket, who.caller.user_id, what="requests")
        tokens: UpstreamTokens = request.app.state.upstream_tokens
        keystore: KeyStore = request.app.state.keystore
        authorization = f"Bearer {tokens.for_caller(who.caller, keystore.ring().current)}"
    client: aiohttp.ClientSession = request.app.state.proxied
    response = await forward(
        request,
        upstream,
        client,
        max_body_bytes=settings.max_body_bytes,
        request_id=_request_id(request),
        authorization=authorization,
    )
    if verdict is not None:
        for name, value in verdict.headers().items():
            response.headers[name] = value
    return response
