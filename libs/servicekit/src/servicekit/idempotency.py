"""`Idempotency-Key` on every POST of every service: a retried request is answered again,
never applied twice (draft-ietf-httpapi-idempotency-key-header, the way Stripe does it).

The promise, for a POST under `/api/v1` carrying the header, keys being per caller (the
workspace and the principal, operator or API key, of the verified token):
- the same key with the same request (method, path, query and body, see `fingerprints`)
  within `KEY_TTL` (24 h) answers the first answer again, its status, body and headers,
  with `Idempotent-Replayed: true`, and changes nothing;
- the same key with another request: 422 naming `header.idempotency-key`;
- the same key while the first request runs: 409 with `Retry-After` (the draft's answer;
  it never waits), and the client's next try gets the first answer;
- an answer is kept when the request's changes were stored (its transaction committed) or
  it succeeded. A refused request (a 4xx, or a 5xx such as a database outage, whose
  transaction rolled back) stored nothing and releases the key: the corrected request, or
  the same one once the outage is over, runs as a first request. This follows the draft
  ("clients MUST correct the requests before performing a retry") and Stripe (no result is
  kept for a request that did not start executing), without keeping an error as a
  permanent answer that would block the retry.

The crash windows. The key is claimed in a transaction of its own before the endpoint
runs; the request's own transaction (`DbSession`) marks the claim applied together with
its changes (`mark_applied`); the answer is stored after that commit, before it is sent.
- stopped after the claim, before the commit: the claim is not applied, and a retry takes
  it over once it is `STALE_CLAIM` (30 s) old (a claim whose transaction is still open
  cannot be taken: the taker waits for its row lock, then sees it applied; a request that
  lost its claim before its transaction began cannot mark it, and answers 409);
- stopped after the commit, before the answer was stored: the claim is applied without an
  answer; a retry gets a 409 (never a second application) until the key expires, saying
  the answer was lost once `ANSWER_LOST` has passed;
- the database away while settling: settling is tried again in the background.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import structlog
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.auth import Caller, TokenVerifier
from servicekit.db import Database, utcnow
from servicekit.fingerprints import BodyFingerprint
from servicekit.idempotency_store import (
    CLAIM_STATE,
    FIELD,
    MAX_KEY_LENGTH,
    Claim,
    Held,
    IdempotencyKeyInUse,
    IdempotencyKeyMixin,
    claim_key,
    release,
    settle,
)
from servicekit.problems import (
    PROBLEM_MEDIA_TYPE,
    FieldError,
    Invalid,
    ProblemError,
    problem_response,
)

log = structlog.get_logger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
RETRY_AFTER_SECONDS = 1
# How long an answer that could not be stored is tried again, and after which a key
# applied without an answer is called lost.
ANSWER_LOST = timedelta(minutes=10)
# The headers of an answer that are part of it, kept for its replay (not the request id,
# the date, the length: those belong to each sending).
KEPT_HEADERS = frozenset(
    {b"content-type", b"content-language", b"location", b"etag", b"last-modified", b"link"}
)
SETTLE_RETRY_SECONDS = 2.0
_HEADER_NAME = HEADER.lower().encode()
_ONE_KEY_ZH = "header.idempotency-key：只能发送一个 Idempotency-Key 请求头。"
_KEY_SHAPE_ZH = (
    f"header.idempotency-key：应为 1 到 {MAX_KEY_LENGTH} 个可打印 ASCII 字符（建议使用 UUID）。"
)


class IdempotencyKeyReused(Invalid):
    slug, title = "idempotency-key-reused", "Idempotency-Key already used"


def parse_key(values: list[bytes]) -> str:
    """The key of the header's values: an RFC 8941 string (`"..."`) or, leniently, the
    bare text; one header, printable ASCII, at most `MAX_KEY_LENGTH` characters."""
    if len(values) != 1:
        raise Invalid.field(
            FIELD, "send one Idempotency-Key header, not several", detail_zh=_ONE_KEY_ZH
        )
    text = values[0].decode("latin-1").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if not text or len(text) > MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in text):
        raise Invalid.field(
            FIELD,
            f"1 to {MAX_KEY_LENGTH} printable ASCII characters (a UUID is best)",
            detail_zh=_KEY_SHAPE_ZH,
        )
    return text


async def _caller(scope: Scope) -> Caller | None:
    """The verified caller, or None: the endpoint will answer the missing credential."""
    verifier: TokenVerifier | None = getattr(scope["app"].state, "verifier", None)
    header = next((v for n, v in scope["headers"] if n == b"authorization"), b"")
    scheme, _, token = header.decode("latin-1").partition(" ")
    if verifier is None or scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        return await verifier.verify(token.strip())
    except ProblemError:
        return None


async def _settle_later(db: Database, claim: Claim, *args: Any) -> None:
    deadline = utcnow() + ANSWER_LOST
    while utcnow() < deadline:
        await asyncio.sleep(SETTLE_RETRY_SECONDS)
        try:
            await settle(db, claim, *args)
            return
        except Exception as exc:
            log.warning("idempotency_settle_failed", key=claim.key, error=repr(exc))


_pending: set[asyncio.Task[None]] = set()


def _in_background(job: Any) -> None:
    task = asyncio.create_task(job)
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def _answer(error: ProblemError, scope: Scope, receive: Receive, send: Send) -> None:
    await problem_response(error.to_problem(), error.headers, scope=scope)(scope, receive, send)


class IdempotencyKeys:
    """Pure ASGI middleware: the promise in the module's docstring, for the POSTs under
    `prefix` of an app whose runtime keeps its keys in `model`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        db: Database,
        model: type[IdempotencyKeyMixin],
        prefix: str = "/api/v1/",
    ) -> None:
        self.app = app
        self.db = db
        self.model = model
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        values = [value for name, value in scope.get("headers", ()) if name == _HEADER_NAME]
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith(self.prefix)
            or not values
        ):
            await self.app(scope, receive, send)
            return
        try:
            key = parse_key(values)
        except ProblemError as error:
            await _answer(error, scope, receive, send)
            return
        caller = await _caller(scope)
        if caller is None:
            await self.app(scope, receive, send)
            return
        claim = Claim(self.model, caller.workspace_id, caller.user_id, key)
        body = _fingerprint_of(scope)
        held = await claim_key(self.db, claim)
        if held is None:
            await self._first(claim, body, scope, receive, send)
        elif held.status_code is None:
            await _answer(_in_use(held), scope, receive, send)
        else:
            await _drain(receive, body)
            if body.hexdigest() != held.fingerprint:
                await _answer(_reused(), scope, receive, send)
            else:
                await _replay(held, send)

    async def _first(
        self, claim: Claim, body: BodyFingerprint, scope: Scope, receive: Receive, send: Send
    ) -> None:
        complete = False

        async def hashing() -> Message:
            nonlocal complete
            message = await receive()
            if message["type"] == "http.request":
                body.feed(message.get("body", b""))
                complete = not message.get("more_body", False)
            return message

        answer: list[Message] = []

        async def held_back(message: Message) -> None:
            answer.append(message)

        scope.setdefault("state", {})[CLAIM_STATE] = claim
        try:
            await self.app(scope, hashing, held_back)
        except BaseException:
            await asyncio.shield(_quietly(release(self.db, claim)))
            raise
        if not complete:  # the endpoint did not read it all: the fingerprint needs the rest
            await _drain(hashing, body)
        start = next((m for m in answer if m["type"] == "http.response.start"), None)
        if start is None:
            await _quietly(release(self.db, claim))
            return
        kept = [
            [name.decode("latin-1"), value.decode("latin-1")]
            for name, value in start.get("headers", ())
            if name.lower() in KEPT_HEADERS
        ]
        content = b"".join(m.get("body", b"") for m in answer if m["type"] == "http.response.body")
        outcome = (start["status"], kept, content, body.hexdigest())
        try:
            await settle(self.db, claim, *outcome)
        except Exception as exc:
            log.warning("idempotency_settle_failed", key=claim.key, error=repr(exc))
            _in_background(_settle_later(self.db, claim, *outcome))
        for message in answer:
            await send(message)


def _fingerprint_of(scope: Scope) -> BodyFingerprint:
    content_type = next((v for n, v in scope["headers"] if n == b"content-type"), b"")
    return BodyFingerprint(
        scope["method"], scope["path"], scope.get("query_string", b""), content_type.decode()
    )


async def _drain(receive: Receive, body: BodyFingerprint) -> None:
    """Read the rest of the request body into its fingerprint (a replay reads it whole
    here: it is hashed as it streams, never kept)."""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        body.feed(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _quietly(job: Any) -> None:
    try:
        await job
    except Exception as exc:
        log.warning("idempotency_release_failed", error=repr(exc))


def _in_use(held: Held) -> IdempotencyKeyInUse:
    if held.applied and held.claimed_at < utcnow() - ANSWER_LOST:
        return IdempotencyKeyInUse(
            "The first request with this Idempotency-Key was applied, but its answer was "
            "lost; look for what it created before sending it again with a new key.",
            errors=[FieldError(field=FIELD, message="applied; its answer was lost")],
            detail_zh="使用该 Idempotency-Key 的第一个请求已经生效，但其响应丢失了；"
            "请先查看它创建的内容，再决定是否用新的键重新发送。",
        )
    return IdempotencyKeyInUse(
        "A request with this Idempotency-Key is being processed; send it again in a moment "
        "to get its answer.",
        errors=[FieldError(field=FIELD, message="a request with this key is in progress")],
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        detail_zh="使用该 Idempotency-Key 的请求正在处理中；请稍后重新发送以获取其响应。",
    )


def _reused() -> IdempotencyKeyReused:
    return IdempotencyKeyReused(
        "This Idempotency-Key was first used with another request (another body, path or "
        "query); use a new key for a new request.",
        errors=[FieldError(field=FIELD, message="already used with another request")],
        detail_zh="该 Idempotency-Key 之前用于另一个请求（请求体、路径或查询参数不同）；"
        "新的请求请使用新的键。",
    )


async def _replay(held: Held, send: Send) -> None:
    headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in held.headers]
    headers += [
        (REPLAYED_HEADER.lower().encode(), b"true"),
        (b"content-length", str(len(held.body)).encode()),
    ]
    assert held.status_code is not None
    await send({"type": "http.response.start", "status": held.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": held.body})


HEADER_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
    "description": (
        "A key of the caller's choosing (a UUID) that makes a retry safe: the same key with "
        "the same request within 24 hours answers the first answer again (with "
        f"`{REPLAYED_HEADER}: true`) and changes nothing; with another request, 422; while "
        "the first is still running, 409 with Retry-After. A request that failed without "
        "storing anything frees its key."
    ),
}
IN_USE_RESPONSE = {
    "description": "A request with this Idempotency-Key is still being processed",
    "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def document_idempotency(app: FastAPI, prefix: str = "/api/v1/") -> None:
    """Declare the header (and its 409) on every POST operation under `prefix` of the
    app's OpenAPI document, whatever its routers declare."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        document = generate()
        if fresh:
            for path, operations in document.get("paths", {}).items():
                operation = operations.get("post")
                if operation is None or not path.startswith(prefix):
                    continue
                parameters = operation.setdefault("parameters", [])
                if all(p.get("name") != HEADER for p in parameters):
                    parameters.append(HEADER_PARAMETER)
                operation.setdefault("responses", {}).setdefault("409", IN_USE_RESPONSE)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
