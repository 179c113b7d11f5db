"""Every error an operation of the merged document can answer, described as the problem it
is (RFC 9457, `application/problem+json` with the `Problem` schema).

The services declare the problems their rules raise (`responses=problem_responses(...)`);
FastAPI adds its own 422 with a `HTTPValidationError` body that nobody is ever sent (the
problem handler answers every validation error). Here, in one place:

- each declared problem refers to a shared response in `components/responses` (one per
  status, with an example), unless its description says something of its own;
- FastAPI's 422 becomes the `Invalid` problem;
- what every operation can answer whatever its service declared is added: 401 and 429
  (the gateway's sign-in and rate limits) unless the operation is public, 422 when it
  takes parameters or a body, 404 when its path names something.
"""

from __future__ import annotations

from typing import Any

from servicekit.problems import (
    PROBLEM_BASE,
    PROBLEM_MEDIA_TYPE,
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Problem,
    ProblemError,
    ServiceUnavailable,
    TooLarge,
    TooManyRequests,
    Unauthorized,
)

from gateway.openapi.examples import example_of

REF_PREFIX = "#/components/schemas/"
PROBLEM_REF = {"$ref": REF_PREFIX + "Problem"}
VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
ERRORS: dict[str, tuple[str, type[ProblemError], str]] = {
    # status: (the shared response's name, the error it describes, an example detail)
    "400": ("BadRequest", BadRequest, "The request cannot be read."),
    "401": ("Unauthorized", Unauthorized, "Sign in, or send an API key."),
    "403": ("Forbidden", Forbidden, "A reviewer's role is needed to approve posts."),
    "404": ("NotFound", NotFound, "No post in this workspace."),
    "409": ("Conflict", Conflict, "The post changed since version 3 was read."),
    "413": ("TooLarge", TooLarge, "The request body is larger than 1 MiB."),
    "422": ("Invalid", Invalid, "title: String should have at least 1 character"),
    "429": ("TooManyRequests", TooManyRequests, "Too many requests; try again in 12 s."),
    "503": ("ServiceUnavailable", ServiceUnavailable, "A service is unavailable for a moment."),
}
# The descriptions FastAPI or `problem_responses` give when they know nothing better.
GENERIC_DESCRIPTIONS = {"Error", "Validation Error", "Bad request", "Not found", "Not allowed"}


def _example(status: str, schemas: dict[str, Any]) -> dict[str, Any]:
    """A problem of `status`: its own words over a value for every field the `Problem`
    schema has (so that a field added there is in the example too)."""
    _, error, detail = ERRORS[status]
    example: dict[str, Any] = {
        **example_of(PROBLEM_REF, schemas),
        "type": PROBLEM_BASE + error.slug,
        "title": error.title,
        "status": error.status,
        "detail": detail,
        "errors": [],
    }
    if status == "422":
        field, _, message = detail.partition(": ")
        example["errors"] = [{"field": field, "message": message, "type": "string_too_short"}]
    return example


def shared_responses(names: set[str], schemas: dict[str, Any]) -> dict[str, Any]:
    """`components/responses`: one problem response for each status of `names`."""
    return {
        name: {
            "description": error.title,
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF, "example": _example(status, schemas)}
            },
        }
        for status, (name, error, _) in ERRORS.items()
        if name in names
    }


def _is_problem(response: dict[str, Any]) -> bool:
    content = response.get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    return PROBLEM_MEDIA_TYPE in content or schema.get("$ref", "").removeprefix(REF_PREFIX) in (
        "Problem",
        *VALIDATION_SCHEMAS,
    )


def _shared(status: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{ERRORS[status][0]}"}


def _described(status: str, response: dict[str, Any]) -> dict[str, Any]:
    description = str(response.get("description", ""))
    if status in ERRORS and (
        description in GENERIC_DESCRIPTIONS or description == ERRORS[status][1].title
    ):
        return _shared(status)
    media: dict[str, Any] = {"schema": PROBLEM_REF} if status.startswith(("4", "5")) else {}
    own: dict[str, Any] = {
        "description": description or "Error",
        "content": {PROBLEM_MEDIA_TYPE: media},
    }
    if "headers" in response:
        own["headers"] = response["headers"]
    return own


def _always(path: str, operation: dict[str, Any]) -> list[str]:
    """The statuses any operation like this one can answer."""
    statuses = []
    if operation.get("security") != []:
        statuses += ["401", "429"]
    if "{" in path:
        statuses.append("404")
    if operation.get("parameters") or "requestBody" in operation:
        statuses.append("422")
    return statuses


def describe_errors(paths: dict[str, dict[str, Any]], schemas: dict[str, Any]) -> dict[str, Any]:
    """Describe every operation's errors in place; the shared responses they refer to."""
    used: set[str] = set()
    for path, item in paths.items():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            for status, response in list(responses.items()):
                if "$ref" not in response and _is_problem(response):
                    responses[status] = _described(status, response)
            for status in _always(path, operation):
                responses.setdefault(status, _shared(status))
            operation["responses"] = dict(sorted(responses.items()))
            used.update(
                response["$ref"].rpartition("/")[2]
                for response in responses.values()
                if "$ref" in response
            )
    schemas.setdefault("Problem", _problem_schema(schemas))
    for name in VALIDATION_SCHEMAS:  # nothing refers to them now
        schemas.pop(name, None)
    return shared_responses(used, schemas)


def _problem_schema(schemas: dict[str, Any]) -> dict[str, Any]:
    schema = Problem.model_json_schema(ref_template=REF_PREFIX + "{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    return schema
