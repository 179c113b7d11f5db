"""Hostile input through the gateway: schemathesis over the merged OpenAPI document.

Every operation of every service is called with generated (valid and invalid) input as
a signed-in owner. Nothing may answer 5xx, and every answer must match the schema the
operation declares. Failures are collected over all operations and reported together.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any

import httpx
import pytest
import schemathesis
from devstack.stack import Stack
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.gateway.gateway_harness import sign_up

EXAMPLES = int(os.environ.get("MEDIAOPS_FUZZ_EXAMPLES", "8"))
# Calls that would end the fuzzing session itself rather than test an operation.
SKIPPED = {("POST", "/api/v1/auth/logout")}
# The document offers an API key as the other way to authenticate, so schemathesis
# sometimes sends a made-up one, which the gateway rightly takes over the bearer token and
# refuses (401): that step would test nothing. tests/gateway covers bad keys.
GENERATED_CREDENTIAL = "X-API-Key"


def as_the_owner(case: Any) -> None:
    """Drop the API key schemathesis made up so the owner's bearer token applies."""
    if case.headers:
        case.headers.pop(GENERATED_CREDENTIAL, None)


def owner_headers(stack: Stack) -> dict[str, str]:
    """Sign up (confirming with the mailed token) and log in: the owner's auth header."""
    email = f"fuzz-{uuid.uuid4().hex[:8]}@example.com"
    password = "correct horse battery 9"

    async def signed_in() -> dict[str, str]:
        async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=15) as client:
            await sign_up(
                client, stack.mail_dir, email=email, password=password, workspace_name="fuzz"
            )
            login = await client.post(
                "/api/v1/auth/login", json={"email": email, "password": password}
            )
            login.raise_for_status()
            return {"Authorization": f"Bearer {login.json()['access_token']}"}

    return asyncio.run(signed_in())


@pytest.mark.timeout(900)
def test_no_operation_answers_5xx_or_breaks_its_declared_schema(stack: Stack) -> None:
    base = stack.url("gateway")
    headers = owner_headers(stack)
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"an operation's schema is invalid: {result.err()}"[:800])
            continue
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1
        label = f"{operation.method.upper()} {operation.path}"

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case: Any) -> None:
            as_the_owner(case)
            try:
                case.call_and_validate(
                    base_url=base,
                    headers=headers,
                    checks=[not_a_server_error, response_schema_conformance],
                    timeout=15,
                )
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # collect (failure groups too), report them all
                failures.append(f"{case.method} {case.path}: {exc}"[:800])

        try:
            exercise()
        except Exception as exc:  # a strategy that cannot be built is a finding too
            failures.append(f"{label}: {type(exc).__name__}: {exc}"[:800])
    assert operations > 50, "the merged document lists too few operations"
    assert not failures, "\n\n".join(sorted(set(failures))[:40])


@pytest.mark.timeout(600)
def test_chained_calls_through_the_declared_links_never_answer_5xx(stack: Stack) -> None:
    """Stateful: what one call creates, the linked calls read, change and delete."""
    base = stack.url("gateway")
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    document = httpx.get(f"{base}/openapi.json", timeout=15).json()
    declared = [
        name
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for response in operation.get("responses", {}).values()
        for name in response.get("links", {})
    ]
    assert len(declared) > 20, "the merged document declares too few links"

    answered: list[tuple[str, str, int]] = []  # (method, path template, status)
    failures: list[str] = []

    # Signing out would end the session for every later step, as in the test above.
    chained = schema.exclude(method="POST", path="/api/v1/auth/logout")

    class Chained(chained.as_state_machine()):  # type: ignore[misc]
        """Each scenario starts in a workspace of its own, so a scenario replayed by
        Hypothesis meets the same state (a name taken, a quota used by an earlier scenario
        would change which links can be followed, and Hypothesis would call the run flaky).
        Findings are collected, not raised: shrinking against a live stack replays calls
        whose effects are already there."""

        def setup(self) -> None:
            self.headers = owner_headers(stack)

        def before_call(self, case: Any) -> None:
            as_the_owner(case)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": base, "headers": self.headers, "timeout": 15}

        def after_call(self, response: Any, case: Any) -> None:
            answered.append((case.method.upper(), case.path, response.status_code))

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            try:
                case.validate_response(
                    response, checks=[not_a_server_error, response_schema_conformance]
                )
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # collect (failure groups too), report them all
                failures.append(f"{case.method} {case.path}: {exc}"[:800])

    Chained.run(
        settings=settings(
            max_examples=max(EXAMPLES, 4) * 4,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    assert not failures, "\n\n".join(sorted(set(failures))[:40])
    unauthorized = [call for call in answered if call[2] == 401]
    assert not unauthorized, f"the owner's session ended mid-run: {unauthorized[:5]}"
    reached = {(method, path) for method, path, status in answered if "{" in path and status < 300}
    assert reached, "no chain reached a resource it created"
