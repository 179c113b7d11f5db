"""Forwarding one request to its upstream and streaming the answer back, both ways unchanged
except for hop-by-hop headers and the `X-Forwarded-*` / `X-Request-ID` the gateway adds."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator

import aiohttp
import structlog
from servicekit.logging import REQUEST_ID_HEADER
from servicekit.problems import (
    BadRequest,
    GatewayTimeout,
    ProblemError,
    ServiceUnavailable,
    TooLarge,
)
from servicekit.tracing import current_traceparent
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from yarl import URL

from gateway.proxy.routes import Upstream

log = structlog.get_logger(__name__)

# RFC 9110 section 7.6.1: meaningful for one connection only, never forwarded.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)


# Answers up to this size are read whole and passed on at once; larger ones are streamed.
BUFFERED_BYTES = 256 * 1024


class BadGateway(ProblemError):
    status, slug, title = 502, "bad-gateway", "Bad gateway"


def end_to_end(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` without hop-by-hop ones, including any the Connection header names."""
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.decode("latin-1").split(",")
    }
    return [
        (name, value)
        for name, value in headers
        if (lowered := name.decode("latin-1").lower()) not in HOP_BY_HOP
        and lowered not in named
        and not lowered.startswith("proxy-")
    ]


def declared_length(request: Request, limit: int) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not raw.isdigit():
        raise BadRequest("The Content-Length header is not a number.")
    length = int(raw)
    if length > limit:
        raise TooLarge(f"The request body is larger than {limit} bytes.")
    return length


async def _limited(request: Request, limit: int) -> AsyncIterator[bytes]:
    # A chunked body has no Content-Length to check up front, so count as it streams.
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise TooLarge(f"The request body is larger than {limit} bytes.")
        yield chunk


# W3C Trace Context: version-traceid-parentid-flags, lower-case hex, ids not all zeros.
TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
REPLACED = frozenset(
    {
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        REQUEST_ID_HEADER.lower().encode(),
        b"traceparent",
        # The caller's credentials stop here: services get the token the gateway minted.
        b"authorization",
        b"x-api-key",
    }
)


def traceparent(incoming: str | None) -> str:
    """The `traceparent` to send upstream: the caller's trace continued with the gateway as
    the new parent, or a new sampled trace when the caller sent none (or a malformed one)."""
    current = current_traceparent()  # the gateway's own span, when tracing is on
    if current:
        return current
    span = secrets.token_hex(8)
    if incoming:
        match = TRACEPARENT.match(incoming.strip())
        if match and match[1] != "ff" and set(match[2]) != {"0"} and set(match[3]) != {"0"}:
            return f"00-{match[2]}-{span}-{match[4]}"
    return f"00-{secrets.token_hex(16)}-{span}-01"


def _forward_headers(
    request: Request, request_id: str, authorization: str | None
) -> list[tuple[bytes, bytes]]:
    headers = [
        (name, value)
        for name, value in end_to_end(request.headers.raw)
        if name.lower() not in REPLACED
    ]
    if authorization is not None:
        headers.append((b"authorization", authorization.encode("latin-1")))
    headers.append((b"traceparent", traceparent(request.headers.get("traceparent")).encode()))
    client = request.client.host if request.client else "unknown"
    earlier = request.headers.get("x-forwarded-for")
    forwarded_for = f"{earlier}, {client}" if earlier else client
    headers += [
        (REQUEST_ID_HEADER.encode(), request_id.encode("latin-1")),
        (b"x-forwarded-for", forwarded_for.encode("latin-1")),
        (b"x-forwarded-proto", request.url.scheme.encode("latin-1")),
    ]
    if host := request.headers.get("host"):
        headers.append((b"x-forwarded-host", host.encode("latin-1")))
    return headers


def upstream_session(timeout_seconds: float) -> aiohttp.ClientSession:
    """One keep-alive pool to the services for the life of the process.

    Never the environment's proxies (the services are on our own network); bodies pass
    through undecoded; idle connections are dropped before uvicorn's 5 s keep-alive closes
    them from the other side, so a request never lands on a closing connection.
    """
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=200, keepalive_timeout=4.0),
        timeout=aiohttp.ClientTimeout(
            total=None, sock_connect=timeout_seconds, sock_read=timeout_seconds
        ),
        auto_decompress=False,
        trust_env=False,
        # Send the caller's headers, not aiohttp's own defaults.
        skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
    )


async def _streamed(answer: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    # Released however the stream ends: a client that hangs up mid-body frees the
    # connection too (aiohttp closes it rather than reuse a half-read one).
    try:
        async for chunk in answer.content.iter_any():
            yield chunk
    finally:
        answer.release()


async def forward(
    request: Request,
    upstream: Upstream,
    client: aiohttp.ClientSession,
    *,
    max_body_bytes: int,
    request_id: str,
    authorization: str | None = None,
) -> Response:
    """Send the request on; `authorization` (the minted token) replaces the caller's own
    credentials, which never go upstream (public pages get none)."""
    length = declared_length(request, max_body_bytes)
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    content = _limited(request, max_body_bytes) if length or chunked else None
    # raw_path keeps the client's percent-encoding; some ASGI servers append the query to it.
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    raw_path = raw_path.partition(b"?")[0]
    query: bytes = request.scope.get("query_string", b"")
    target = upstream.url.rstrip("/") + raw_path.decode("latin-1")
    if query:
        target += "?" + query.decode("latin-1")
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in _forward_headers(request, request_id, authorization)
    ]
    try:
        answer = await client.request(
            request.method,
            URL(target, encoded=True),
            headers=headers,
            data=content,
            allow_redirects=False,
        )
    except TimeoutError as exc:
        log.warning("upstream_timeout", upstream=upstream.name, error=repr(exc))
        raise GatewayTimeout(f"{upstream.name} did not answer in time.") from exc
    except aiohttp.ClientConnectorError as exc:
        log.warning("upstream_unavailable", upstream=upstream.name, error=repr(exc))
        raise ServiceUnavailable(f"{upstream.name} is unavailable.") from exc
    except aiohttp.ClientError as exc:
        if isinstance(exc.__cause__, ProblemError):  # our own refusal of the body (413)
            raise exc.__cause__ from None
        log.warning("upstream_failed", upstream=upstream.name, error=repr(exc))
        raise BadGateway(f"{upstream.name} broke off the exchange.") from exc
    answer_headers = end_to_end(list(answer.raw_headers))
    answer_length = answer.headers.get("Content-Length", "")
    if answer_length.isdigit() and int(answer_length) <= BUFFERED_BYTES:
        # Most answers are small JSON: passing them on whole spares the streaming machinery
        # (a task watching for the client hanging up) on every request.
        try:
            body = await answer.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("upstream_failed", upstream=upstream.name, error=repr(exc))
            raise BadGateway(f"{upstream.name} broke off the exchange.") from exc
        finally:
            answer.release()
        whole = Response(body, status_code=answer.status)
        whole.raw_headers = answer_headers
        return whole
    response = StreamingResponse(_streamed(answer), status_code=answer.status)
    response.raw_headers = answer_headers
    return response
