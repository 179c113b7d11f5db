"""`Idempotency-Key` on the gateway's own creating POSTs (operators, API keys, robots), kept
in the gateway's database by servicekit's middleware, as every service keeps its own.

Only the gateway's own endpoints: a forwarded POST is the service's to answer again (its
key, with what it stored); the sign-in endpoints take no credential, so no key applies.

The answers are kept sealed (with `GATEWAY_NOTIFICATION_KEY`, the gateway's key for what it
keeps at rest): the answer to a new API key holds the key itself, of which the gateway
otherwise stores only a hash. The endpoint's answer is sealed before the middleware keeps
it, and opened again after, whether first sent or replayed."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from fastapi import FastAPI
from servicekit.auth import Caller
from servicekit.idempotency import IdempotencyKeys, document_idempotency
from servicekit.idempotency_store import CLAIM_STATE
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.apikeys import router as apikeys
from gateway.models import IdempotencyKey
from gateway.notifications import router as notifications
from gateway.notifications.secrets import SecretBox
from gateway.operators import router as operators
from gateway.runtime import GatewayRuntime

# The gateway's own resources whose POSTs create something for a signed-in caller.
PREFIXES = tuple(
    f"/api/v1{router.prefix}" for router in (operators.router, apikeys.router, notifications.router)
)


class CurrentVerifier:
    """The verifier the middleware asks who the caller is (`app.state.verifier`): the
    gateway's own, as its key files now are."""

    def __init__(self, runtime: GatewayRuntime) -> None:
        self.runtime = runtime

    async def verify(self, token: str) -> Caller:
        return await self.runtime.verifier().verify(token)


SEALED = b"application/vnd.mediaops.sealed-answer"


def _with(start: Message, content_type: bytes, length: int) -> Message:
    """The response start with another content type and length."""
    kept = [(n, v) for n, v in start["headers"] if n not in (b"content-type", b"content-length")]
    headers = [*kept, (b"content-type", content_type), (b"content-length", str(length).encode())]
    return {**start, "headers": headers}


Rewrite = Callable[[Message, bytes], tuple[Message, bytes]]


def _whole(send: Send, wanted: Callable[[Message], bool], rewrite: Rewrite) -> Send:
    """`send`, where a response whose start is `wanted` is held back until its whole body
    is known, and sent as `rewrite(start, body)` makes it."""
    held: list[Message] = []
    chunks: list[bytes] = []

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and wanted(message):
            held.append(message)
        elif message["type"] == "http.response.body" and held:
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                start, body = rewrite(held[0], b"".join(chunks))
                await send(start)
                await send({"type": "http.response.body", "body": body})
        else:
            await send(message)

    return sending


def _content_type(start: Message) -> bytes:
    return next((v for n, v in start["headers"] if n == b"content-type"), b"")


class _Seal:
    """Inside the middleware: the endpoint's answer to a request holding a key, sealed."""

    def __init__(self, app: ASGIApp, box: Callable[[], SecretBox]) -> None:
        self.app = app
        self.box = box

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if CLAIM_STATE not in scope.get("state", {}):
            await self.app(scope, receive, send)
            return

        def seal(start: Message, body: bytes) -> tuple[Message, bytes]:
            answer = {
                "content_type": _content_type(start).decode("latin-1"),
                "body": base64.b64encode(body).decode("ascii"),
            }
            sealed = self.box().seal(json.dumps(answer)).encode("ascii")
            return _with(start, SEALED, len(sealed)), sealed

        await self.app(scope, receive, _whole(send, lambda _: True, seal))


class OwnIdempotencyKeys:
    """servicekit's `IdempotencyKeys`, for the requests under `PREFIXES` only, keeping the
    answers sealed."""

    def __init__(self, app: ASGIApp, *, runtime: GatewayRuntime) -> None:
        self.app = app
        self.box = lambda: runtime.notification_box
        self.keys = IdempotencyKeys(_Seal(app, self.box), db=runtime.db, model=IdempotencyKey)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIXES):
            await self.app(scope, receive, send)
            return

        def open_(start: Message, sealed: bytes) -> tuple[Message, bytes]:
            answer = json.loads(self.box().open(sealed.decode("ascii")))
            body = base64.b64decode(answer["body"])
            return _with(start, answer["content_type"].encode("latin-1"), len(body)), body

        def is_sealed(start: Message) -> bool:
            # Not the middleware's own answers (409, 422), nor those to requests without a key.
            return _content_type(start) == SEALED

        await self.keys(scope, receive, _whole(send, is_sealed, open_))


def install(app: FastAPI, runtime: GatewayRuntime) -> None:
    """Add the middleware (inside the body limit: call before adding it) and declare the
    header on the POSTs it covers."""
    app.state.verifier = CurrentVerifier(runtime)
    app.add_middleware(OwnIdempotencyKeys, runtime=runtime)
    for prefix in PREFIXES:
        document_idempotency(app, prefix)
