"""`mediaops operators`: the workspace's team (owners only)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from mediaops_cli.output import Gateway, call, console

app = typer.Typer(help="The workspace's team (owners only).", no_args_is_help=True)


def _status(operator: dict[str, Any]) -> str:
    return "disabled" if operator["disabled"] else "active"


@app.command("invite")
def invite(
    email: str,
    role: Annotated[str, typer.Option(help="owner, editor, reviewer or analyst")] = "editor",
    gateway: Gateway = None,
) -> None:
    """Invite an operator: they are mailed a link to accept with a password (the token is
    printed too, to hand over another way)."""
    invited = call(gateway, "POST", "/api/v1/operators", json={"email": email, "role": role})
    console.print(
        f"Invited {invited['email']} as {invited['role']} until {invited['expires_at']}; "
        "a link to accept is on its way to them.",
        soft_wrap=True,
    )
    console.print(f"Invitation token (shown once): {invited['token']}", soft_wrap=True)


@app.command("list")
def list_operators(gateway: Gateway = None) -> None:
    """The workspace's operators."""
    listed = call(gateway, "GET", "/api/v1/operators", params={"limit": 100})["items"]
    table = Table("id", "email", "role", "name", "status")
    for op in listed:
        table.add_row(op["id"], op["email"], op["role"], op["display_name"], _status(op))
    console.print(table)


@app.command("set")
def set_operator(
    operator_id: str,
    role: Annotated[str | None, typer.Option(help="A new role.")] = None,
    disable: Annotated[bool | None, typer.Option("--disable/--enable")] = None,
    gateway: Gateway = None,
) -> None:
    """Change an operator's role, or disable (their tokens stop at once) / enable them."""
    change: dict[str, Any] = {}
    if role is not None:
        change["role"] = role
    if disable is not None:
        change["disabled"] = disable
    op = call(gateway, "PATCH", f"/api/v1/operators/{operator_id}", json=change)
    console.print(f"{op['email']}: {op['role']}, {_status(op)}.")
