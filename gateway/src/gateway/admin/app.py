"""The `mediaops-admin` commands: run on the gateway's own machine (or in its container),
against its files and database directly, with no gateway running and no mail sent."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from servicekit.db import Database
from servicekit.problems import ProblemError
from sqlalchemy.exc import DBAPIError

from gateway.admin import kafka
from gateway.identity import service
from gateway.models import Operator, Workspace
from gateway.settings import Settings

app = typer.Typer(
    help="Gateway administration on its own machine: owners, signing keys, Kafka topics.",
    no_args_is_help=True,
)
app.add_typer(kafka.events_app, name="events")
app.add_typer(kafka.dlq_app, name="dlq")

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


@app.command("rotate-keys")
def rotate_keys(
    key_dir: Annotated[Path | None, typer.Option(help="The gateway's key directory.")] = None,
) -> None:
    """Rotate the gateway's signing key (previous <- current <- next); the running gateway
    and the services pick it up without a restart."""
    from gateway.identity.signing_keys import rotate

    ring = rotate(key_dir or Settings().key_dir)
    console.print(f"Now signing with {ring.current.kid}; {ring.previous[0].kid} stays published.")


@app.command("create-owner")
def create_owner(
    email: Annotated[str, typer.Option(help="The owner's address; it must have no account.")],
    workspace: Annotated[str, typer.Option(help="The new workspace's name.")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from standard input (one line) instead of asking twice.",
        ),
    ] = False,
) -> None:
    """Create a workspace and its owner in the gateway's database (GATEWAY_DATABASE_URL),
    with no mail to confirm: the first owner of a new deployment. The address and the
    password follow sign-up's rules."""
    # Never an option: a password in argv is in the shell's history and in `ps`.
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            errors.print("[red]error:[/red] no password on standard input.")
            raise typer.Exit(code=1)
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = Settings()
    try:
        created, operator = asyncio.run(
            _create_owner(settings, email=email, password=password, workspace_name=workspace)
        )
    except ProblemError as exc:  # a taken address, a weak password, a malformed address
        errors.print(f"[red]error:[/red] {exc.detail}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    except DBAPIError as exc:
        # The driver's words (never the URL: it may carry the database's password).
        errors.print(
            f"[red]error:[/red] the gateway's database could not be used: "
            f"{type(exc.orig).__name__}: {str(exc.orig).strip()[:300]}\n"
            "Check GATEWAY_DATABASE_URL, and that `gateway migrate` has run.",
            soft_wrap=True,
        )
        raise typer.Exit(code=1) from None
    console.print(
        f"Workspace [bold]{created.name}[/bold] created with {operator.email} as its owner "
        "(no mail was sent).",
        soft_wrap=True,
    )
    console.print(f"workspace id: {created.id}")
    console.print(f"operator id: {operator.id}")
    console.print(f"Sign in: mediaops login --email {operator.email}", soft_wrap=True)


async def _create_owner(
    settings: Settings, *, email: str, password: str, workspace_name: str
) -> tuple[Workspace, Operator]:
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            return await service.create_owner(
                session, email=email, password=password, workspace_name=workspace_name
            )
    finally:
        await db.dispose()
