"""A limit on the size of every request body, on every route of every process.

Starlette reads a body whole when an endpoint asks for it (JSON, forms), so without a limit
anyone can make a process hold whatever they care to send, and some routes need no account
to be sent to (the gateway's sign-up and sign-in). `BodyLimit` refuses a declared
`Content-Length` over the limit before the app runs, and counts a body without one
(chunked) as the app reads it, refusing it at the first chunk past the limit. Either way
the caller gets a 413 problem, whatever the app made of the interrupted read.

A route that legitimately carries more names its own allowance, by path: an exact path or
everything under it (`/api/v1/stats` covers `/api/v1/stats/import`); the longest matching
path wins. metrics-svc's CSV import and the gateway's proxied resources are such routes.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.problems import TooLarge, problem_response

# As much as the gateway forwards to a service by default (GATEWAY_MAX_BODY_BYTES): the
# allowance of the routes that take bulk bodies (a post of 200,000 characters, a batch of
# 10,000 figures or 1,000 interactions).
BULK_BODY_BYTES = 10 * 1024 * 1024


class BodyLimit:
    """Pure ASGI: runs in the request's own task and never buffers the body itself."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, allowances: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.allowances = sorted(
            ((path.rstrip("/"), limit) for path, limit in (allowances or {}).items()),
            key=lambda item: len(item[0]),
            reverse=True,
        )

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.allowances:
            if path == prefix or path.startswith(prefix + "/"):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            # Refused unread: the server closes the connection rather than read the rest.
            await _refuse(scope, receive, send, limit)
            return
        received = 0
        refused = False
        started = False

        async def counted() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise _too_large(limit)
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused and not started:
                return  # the app's answer to the interrupted read (a 400, a 500): not sent
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not refused or started:
                raise
        if refused and not started:
            await _refuse(scope, receive, send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            # The server already refused a malformed one; be safe with what remains.
            return int(value) if value.isdigit() else None
    return None


def _too_large(limit: int) -> TooLarge:
    return TooLarge(
        f"The request body is larger than {limit} bytes.",
        detail_zh=f"请求体超过了 {limit} 字节的上限。",
    )


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = problem_response(_too_large(limit).to_problem(), scope=scope)
    await response(scope, receive, send)
