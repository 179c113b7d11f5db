"""Every other `/api/v1/<resource>/...` request: check the caller, count it, forward it with
a token minted for the services (gateway.proxy.tokens) in place of the caller's credential."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from servicekit.logging import REQUEST_ID_HEADER
from servicekit.problems import Forbidden, NotFound, TooManyRequests
from starlette.convertors import Convertor, register_url_convertor
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from gateway.access import authenticate
from gateway.proxy.forward import forward
from gateway.proxy.routes import RESOURCES, body_limits, route
from gateway.ratelimit import Verdict, client_address
from gateway.runtime import GatewayRuntime, Runtime

router = APIRouter(tags=["proxy"])

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# WeChat's pushes are a few KiB; a callback carries at most this much.
CALLBACK_BODY_BYTES = 64 * 1024


def _request_id(request: Request) -> str:
    """The id servicekit's request middleware chose (the caller's, or a new one)."""
    chosen = getattr(request.state, "request_id", None)
    return str(chosen) if chosen else request.headers.get(REQUEST_ID_HEADER, uuid.uuid4().hex)


# Answered in place of a link's redirect: a reader's browser shows it, so a page like the
# ones channel-svc answers for links (in both languages), never JSON.
TOO_MANY_CLICKS = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>请稍后再试 · Try again shortly</title>
<style>body{font-family:system-ui,sans-serif;max-width:32em;margin:4em auto;padding:0 1em;
color:#333;line-height:1.6}h1{font-size:1.4em}</style></head>
<body><h1>请稍后再试 · Try again shortly</h1><p>请求过于频繁，请稍后再打开这个链接。</p>
<p>Too many requests from your network; please open the link again in a moment.</p>
</body></html>
"""


async def _limit_public(request: Request, runtime: GatewayRuntime) -> None:
    """Count one public page per client address: links and feeds need no token, so this is
    what stands between them and click inflation or scraping."""
    settings = runtime.settings
    path = request.url.path
    if path.startswith("/l/"):
        spec, bucket, what = settings.link_limit_per_ip, "link-ip", "link clicks"
    elif path.startswith("/callbacks/"):
        spec, bucket, what = settings.callback_limit_per_ip, "callback-ip", "callbacks"
    else:
        spec, bucket, what = settings.feed_limit_per_ip, "feed-ip", "feed requests"
    await runtime.limiter.enforce(spec, bucket, client_address(request), what=what)


@router.api_route("/l/{code}", methods=["GET", "HEAD"], include_in_schema=False)
@router.api_route("/feeds/{token}.xml", methods=["GET", "HEAD"], include_in_schema=False)
@router.api_route("/callbacks/wechat/{token}", methods=["GET", "POST"], include_in_schema=False)
async def public_page(request: Request, runtime: Runtime) -> Response:
    """Tracked short links, feeds and platform callbacks are public: anyone who sees a post
    may follow its links, feed readers cannot send a token, and WeChat signs its pushes
    with the channel's own token (channel-svc checks it), not ours."""
    try:
        await _limit_public(request, runtime)
    except TooManyRequests as refused:
        headers = {**refused.headers, "Cache-Control": "no-store"}
        if request.url.path.startswith("/l/"):
            return HTMLResponse(TOO_MANY_CLICKS, status_code=429, headers=headers)
        return PlainTextResponse(refused.detail, status_code=429, headers=headers)
    return await forward(
        request,
        runtime.upstreams["channel"],
        runtime.proxied,
        max_body_bytes=CALLBACK_BODY_BYTES
        if request.url.path.startswith("/callbacks/")
        else runtime.settings.max_body_bytes,
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
async def proxy_resource(request: Request, runtime: Runtime) -> Response:
    return await proxy(request, request.url.path.removeprefix("/api/v1/"), runtime)


@router.api_route("/api/v1/{path:path}", methods=METHODS, include_in_schema=False)
async def proxy(request: Request, path: str, runtime: Runtime) -> Response:
    settings, limiter = runtime.settings, runtime.limiter
    found = route(request.url.path, runtime.upstreams)
    if found is None:
        raise NotFound(f"There is no resource at /api/v1/{path.partition('/')[0]}.")
    upstream, public = found
    authorization: str | None = None
    verdict: Verdict | None = None
    if public:  # `/api/v1/feeds/...`: the same feeds as `/feeds/`, the same limit
        await limiter.enforce(
            settings.feed_limit_per_ip, "feed-ip", client_address(request), what="feed requests"
        )
    else:
        who = await authenticate(request, runtime)
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
        token = runtime.upstream_tokens.for_caller(who.caller, runtime.signing_keys().current)
        authorization = f"Bearer {token}"
    response = await forward(
        request,
        upstream,
        runtime.proxied,
        max_body_bytes=body_limits(settings).get(
            f"/api/v1/{path.partition('/')[0]}", settings.max_body_bytes
        ),
        request_id=_request_id(request),
        authorization=authorization,
    )
    if verdict is not None:
        for name, value in verdict.headers().items():
            response.headers[name] = value
    return response
