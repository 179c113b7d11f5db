"""RFC 9457 problem details: one error type with a status, and one handler for all errors.

Every answer names its type (`/problems/<slug>`, described in `problem_types` and on the
gateway's pages), carries `instance` (the request's id, as `urn:mediaops:request:<id>`,
the `X-Request-ID` of the answer) and speaks the caller's language (`Accept-Language`:
Chinese or English) in `title` and `detail`. A detail servicekit composes itself has its
Chinese written beside it (`detail_zh`); any other is given in Chinese as its type's
summary followed by the original words.
"""

from __future__ import annotations

from typing import Any, Self, TypeVar
from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, PrivateAttr
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from servicekit.outages import is_unavailable
from servicekit.problem_language import (
    ZH,
    current_scope,
    language_of,
    request_id_of,
    validation_message_zh,
)
from servicekit.problem_types import PROBLEM_BASE, for_status, for_uri

T = TypeVar("T")

PROBLEM_MEDIA_TYPE = "application/problem+json"
# How long a caller is asked to wait when the database (or another dependency) is away.
RETRY_AFTER_OUTAGE_SECONDS = 5

log = structlog.get_logger(__name__)


class FieldError(BaseModel):
    field: str
    message: str
    type: str | None = None


class Problem(BaseModel):
    """The body of every error response (declared in routers' `responses=`)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] = []
    # The detail in Chinese, where the code that raised it wrote one.
    _detail_zh: str | None = PrivateAttr(default=None)


class ProblemError(Exception):
    """Base of the domain errors; carries the HTTP status and the problem type."""

    status = 500
    slug = "internal"
    title = "Internal error"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        detail_zh: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_zh = detail_zh
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra

    @classmethod
    def field(cls, field: str, message: str, **extra: Any) -> Self:
        """The problem with one field, named in `errors[]` and in the detail."""
        return cls(
            f"{field}: {message}", errors=[FieldError(field=field, message=message)], **extra
        )

    def to_problem(self) -> Problem:
        problem = Problem(
            type=PROBLEM_BASE + self.slug,
            title=self.title,
            status=self.status,
            detail=self.detail,
            errors=self.errors,
            **self.extra,
        )
        problem._detail_zh = self.detail_zh
        return problem


class BadRequest(ProblemError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"


class Invalid(ProblemError):
    status, slug, title = 422, "invalid", "Invalid input"


class TooLarge(ProblemError):
    """What was sent, or what it would make, is larger than allowed: a request body, an
    uploaded file, the event a change would publish (RFC 9110's 413 Content Too Large)."""

    status, slug, title = 413, "too-large", "Too large"


class TooManyRequests(ProblemError):
    status, slug, title = 429, "rate-limited", "Too many requests"


class ServiceUnavailable(ProblemError):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


class GatewayTimeout(ProblemError):
    status, slug, title = 504, "gateway-timeout", "Upstream timed out"


def found_in_workspace(row: T | None, what: str) -> T:
    """`row`, or a 404 saying the workspace has no `what` ("channel 42"): a lookup scoped
    to the caller's workspace answers alike for another workspace's row and for none."""
    if row is None:
        raise NotFound(f"No {what} in this workspace.", detail_zh=f"此工作区中没有 {what}。")
    return row


def localised(problem: Problem, scope: Scope | None) -> tuple[dict[str, Any], str]:
    """The problem's JSON for the caller of `scope` (its language and request id), and
    the language it is in."""
    body = problem.model_dump(mode="json", exclude_none=True)
    language = language_of(scope)
    kind = for_uri(problem.type)
    if kind is not None:
        body["title"] = kind.title_zh if language == ZH else kind.title
    if language == ZH and problem.detail is not None:
        if problem._detail_zh:
            body["detail"] = problem._detail_zh
        elif kind is not None:
            body["detail"] = f"{kind.summary_zh}（原文：{problem.detail}）"
    request_id = request_id_of(scope)
    if request_id and "instance" not in body:
        body["instance"] = f"urn:mediaops:request:{quote(request_id, safe='')}"
    return body, language


def problem_response(
    problem: Problem, headers: dict[str, str] | None = None, *, scope: Scope | None = None
) -> JSONResponse:
    """The answer to the request of `scope` (by default the one being answered)."""
    body, language = localised(problem, scope if scope is not None else current_scope.get())
    return JSONResponse(
        body,
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={**(headers or {}), "Content-Language": language, "Vary": "Accept-Language"},
    )


def _field_name(loc: tuple[int | str, ...]) -> str:
    """A dotted path: body fields by their JSON path (`channel_ids.0`), others prefixed
    with where they came from (`query.limit`, `path.post_id`, `header.x-request-id`)."""
    if loc and loc[0] == "body":
        loc = loc[1:]
    return ".".join(str(part) for part in loc) or "body"


def validation_errors(exc: RequestValidationError, *, language: str = "en") -> list[FieldError]:
    """Each wrong field by name (names never translated), its message in `language`."""
    return [
        FieldError(
            field=_field_name(tuple(err.get("loc", ()))),
            message=(
                validation_message_zh(err) if language == ZH else str(err.get("msg", "invalid"))
            ),
            type=str(err.get("type", "")) or None,
        )
        for err in exc.errors()
    ]


def install_problem_handlers(app: FastAPI) -> None:
    def respond(request: Request, error: ProblemError) -> JSONResponse:
        return problem_response(error.to_problem(), error.headers, scope=request.scope)

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return respond(request, exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        english = validation_errors(exc)
        errors = validation_errors(exc, language=language_of(request.scope))
        return respond(
            request,
            Invalid(
                "; ".join(f"{e.field}: {e.message}" for e in english[:5]),
                errors=errors,
                detail_zh="；".join(f"{e.field}：{e.message}" for e in errors[:5]),
            ),
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        kind = for_status(exc.status_code)
        problem = Problem(
            type=kind.uri, title=kind.title, status=exc.status_code, detail=str(exc.detail)
        )
        if exc.status_code in (404, 405):  # the framework's: the address or the method
            problem._detail_zh = kind.summary_zh
        return problem_response(problem, dict(exc.headers or {}), scope=request.scope)

    async def on_integrity(request: Request, exc: Exception) -> JSONResponse:
        # Checks run before writes; a constraint that still fires means a concurrent request
        # wrote the same thing first. Nothing was stored; sending again gets a clear answer.
        log.warning("integrity_conflict", error=str(getattr(exc, "orig", exc))[:500])
        return respond(
            request,
            Conflict(
                "A concurrent request changed the same data; nothing was stored. "
                "Send the request again.",
                detail_zh="另一个并发请求修改了相同的数据，本次没有保存任何内容。请重新发送请求。",
            ),
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_unavailable(exc):
            # The database (or the network) is away: not a bug, and the same request will
            # work once it is back. Nothing was stored (the transaction did not commit).
            log.warning("dependency_unavailable", error=repr(exc))
            return respond(
                request,
                ServiceUnavailable(
                    "A service this request needs is unavailable for a moment; "
                    "nothing was stored. Send the request again shortly.",
                    headers={"Retry-After": str(RETRY_AFTER_OUTAGE_SECONDS)},
                    detail_zh="本请求所需的某个服务暂时不可用，没有保存任何内容。请稍后重新发送。",
                ),
            )
        log.exception("unhandled_error", error=repr(exc))
        # ProblemError itself is the 500: "internal", "Internal error".
        return respond(
            request,
            ProblemError(
                "An unexpected error occurred; it has been logged.",
                detail_zh="发生了意外错误，已记录在日志中。",
            ),
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(IntegrityError, on_integrity)
    app.add_exception_handler(Exception, on_unexpected)


# For routers' `responses=`: the problem statuses an endpoint can return.
def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": title}
        for status in statuses
        for title in [for_status(status).title]
    }
