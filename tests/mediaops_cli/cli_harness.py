"""Running `mediaops` against a gateway served over real HTTP, in a thread (so that the
servers in the test's event loop keep answering), with a stand-in metrics-svc for CSV
imports (the issue-6 contract)."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from gateway.identity.mails import signup_token
from gateway.mail.mailbox import newest_message
from mediaops_cli import output
from mediaops_cli.app import app
from typer.testing import CliRunner, Result

from tests.gateway.gateway_harness import PASSWORD
from tests.gateway.platform_harness import Platform

runner = CliRunner()
# Rich reads the terminal's width when the consoles are made (at import): a wide one here,
# whatever process imported them first, so that no line the tests look for is wrapped.
output.console.width = output.errors.width = 200


def metrics_standin() -> FastAPI:
    """POST /api/v1/stats/import as issue 6 describes it: CSV body, dry runs list bad rows,
    a real run stores all or answers 422 listing them."""
    standin = FastAPI()

    @standin.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @standin.post("/api/v1/stats/import", response_model=None)
    async def import_csv(request: Request, dry_run: bool = False) -> Any:
        assert request.headers["authorization"].startswith("Bearer ")
        text = (await request.body()).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        problems = [
            {"line": n, "field": "value", "reason": "must be a number"}
            for n, row in enumerate(rows, start=2)
            if not row["value"].isdigit()
        ]
        if problems and not dry_run:
            return JSONResponse(
                {
                    "type": "/problems/invalid",
                    "title": "Invalid input",
                    "status": 422,
                    "detail": f"{len(problems)} rows are invalid; nothing was stored.",
                    "errors": [
                        {"field": f"line.{p['line']}", "message": f"{p['field']}: {p['reason']}"}
                        for p in problems
                    ],
                },
                status_code=422,
                media_type="application/problem+json",
            )
        return {
            "dry_run": dry_run,
            "encoding": "utf-8",
            "rows": len(rows),
            "valid_rows": len(rows) - len(problems),
            "problems": problems,
            "problems_total": len(problems),
            "batch": None if dry_run else {"id": "batch-1"},
        }

    return standin


async def mediaops(platform: Platform, *args: str, input: str | None = None) -> Result:
    """Run a command in a thread, so that the servers in this loop keep answering; on the
    gateway's machine (its mail directory is where the command looks by default)."""
    full = [*args[:2], *args[2:]]
    env = {
        "MEDIAOPS_GATEWAY_URL": platform.gateway_url,
        "GATEWAY_MAIL_DIR": str(platform.settings.mail_directory),
        "COLUMNS": "200",
    }
    return await asyncio.to_thread(runner.invoke, app, full, input=input, env=env)


async def signed_up(platform: Platform) -> list[Result]:
    """`signup`, `confirm-signup` with the mailed token, `login`: their results."""
    started = await mediaops(
        platform,
        "signup",
        "--workspace",
        "星辰",
        "--email",
        "ada@example.com",
        "--password",
        PASSWORD,
    )
    message = newest_message(platform.settings.mail_directory, "ada@example.com")
    token = signup_token(message) if message else None
    assert token, started.output
    confirmed = await mediaops(platform, "confirm-signup", token)
    login = await mediaops(platform, "login", "--email", "ada@example.com", "--password", PASSWORD)
    return [started, confirmed, login]
