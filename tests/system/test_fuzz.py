"""Hostile input through the gateway: schemathesis over the merged OpenAPI document.

Every operation of every service is called with generated (valid and invalid) input as
a signed-in owner. Nothing may answer 5xx, and every answer must match the schema the
operation declares. Failures are collected over all operations and reported together.
"""

from __future__ import annotations

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

EXAMPLES = int(os.environ.get("MEDIAOPS_FUZZ_EXAMPLES", "8"))
# Calls that would end the fuzzing session itself rather than test an operation.
SKIPPED = {("POST", "/api/v1/auth/logout")}


def owner_headers(base: str) -> dict[str, str]:
    email = f"fuzz-{uuid.uuid4().hex[:8]}@example.com"
    password = "correct horse battery 9"
    with httpx.Client(base_url=base, timeout=15) as client:
        client.post(
            "/api/v1/auth/signup",
            json={"workspace_name": "fuzz", "email": email, "password": password},
        ).raise_for_status()
        login = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        login.raise_for_status()
        return {"Authorization": f"Bearer {login.json()['access_token']}"}


@pytest.mark.timeout(900)
def test_no_operation_answers_5xx_or_breaks_its_declared_schema(stack: Stack) -> None:
    base = stack.url("gateway")
    headers = owner_headers(base)
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
