"""RFC 9457 problem details: one error type with a status, and one handler for all errors."""

from __future__ import annotations

from typing import Any, Self, TypeVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from servicekit.outages import is_unavailable

T = TypeVar("T")

PROBLEM_MEDIA_TYPE = "application/problem+json"
# How long a caller is asked to wait when the database (or another dependency) is away.
RETRY_AFTER_OUTAGE_SECONDS = 5
PROBLEM_BASE = "https://mediaops.dev/problems/"

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
    errors: list[FieldError] = []


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
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
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
        return Problem(
            type=PROBLEM_BASE + self.slug,
            title=self.title,
            status=self.status,
            detail=self.detail,
            errors=self.errors,
            **self.extra,
        )


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
        raise NotFound(f"No {what} in this workspace.")
    return row


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _field_name(loc: tuple[int | str, ...]) -> str:
    """A dotted path: body fields by their JSON path (`channel_ids.0`), others prefixed
    with where they came from (`query.limit`, `path.post_id`, `header.x-request-id`)."""
    if loc and loc[0] == "body":
        loc = loc[1:]
    return ".".join(str(part) for part in loc) or "body"


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    return [
        FieldError(
            field=_field_name(tuple(err.get("loc", ()))),
            message=str(err.get("msg", "invalid")),
            type=str(err.get("type", "")) or None,
        )
        for err in exc.errors()
    ]


_STATUS_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Unsupported media type",
}


def install_problem_handlers(app: FastAPI) -> None:
    def respond(error: ProblemError) -> JSONResponse:
        return problem_response(error.to_problem(), error.headers)

    async def on_problem(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return respond(exc)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = validation_errors(exc)
        return respond(
            Invalid("; ".join(f"{e.field}: {e.message}" for e in errors[:5]), errors=errors)
        )

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        title = _STATUS_TITLES.get(exc.status_code, "Error")
        return problem_response(
            Problem(
                type=PROBLEM_BASE + title.lower().replace(" ", "-"),
                title=title,
                status=exc.status_code,
                detail=str(exc.detail),
            ),
            dict(exc.headers or {}),
        )

    async def on_integrity(_: Request, exc: Exception) -> JSONResponse:
        # Checks run before writes; a constraint that still fires means a concurrent request
        # wrote the same thing first. Nothing was stored; sending again gets a clear answer.
        log.warning("integrity_conflict", error=str(getattr(exc, "orig", exc))[:500])
        return respond(
            Conflict(
                "A concurrent request changed the same data; nothing was stored. "
                "Send the request again."
            )
        )

    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        if is_unavailable(exc):
            # The database (or the network) is away: not a bug, and the same request will
            # work once it is back. Nothing was stored (the transaction did not commit).
            log.warning("dependency_unavailable", error=repr(exc))
            return respond(
                ServiceUnavailable(
                    "A service this request needs is unavailable for a moment; "
                    "nothing was stored. Send the request again shortly.",
                    headers={"Retry-After": str(RETRY_AFTER_OUTAGE_SECONDS)},
                )
            )
        log.exception("unhandled_error", error=repr(exc))
        # ProblemError itself is the 500: "internal", "Internal error".
        return respond(ProblemError("An unexpected error occurred; it has been logged."))

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
        for title in [_STATUS_TITLES.get(status, "Error")]
    }
