"""`mediaops keys`: API keys for internal systems (owners only)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from mediaops_cli.output import Gateway, call, console

app = typer.Typer(help="API keys for internal systems (owners only).", no_args_is_help=True)


@app.command("create")
def create(
    name: str,
    scope: Annotated[list[str], typer.Option("--scope", "-s", help="Repeat for each scope.")],
    gateway: Gateway = None,
) -> None:
    """Create an API key; the key is printed once and cannot be shown again."""
    created = call(gateway, "POST", "/api/v1/api-keys", json={"name": name, "scopes": scope})
    console.print(
        f"API key [bold]{created['name']}[/bold] ({created['id']}), scopes "
        f"{', '.join(created['scopes'])}. Store it now; it is not shown again:"
    )
    console.print(created["key"], soft_wrap=True)


@app.command("list")
def list_keys(gateway: Gateway = None) -> None:
    """The workspace's API keys (never the keys themselves)."""
    listed = call(gateway, "GET", "/api/v1/api-keys", params={"limit": 100})["items"]
    table = Table("id", "name", "prefix", "scopes", "last used", "revoked")
    for key in listed:
        table.add_row(
            key["id"],
            key["name"],
            key["prefix"],
            ", ".join(key["scopes"]),
            key["last_used_at"] or "never",
            key["revoked_at"] or "",
        )
    console.print(table)


@app.command("revoke")
def revoke(key_id: str, gateway: Gateway = None) -> None:
    """Revoke an API key; it stops working at once."""
    call(gateway, "DELETE", f"/api/v1/api-keys/{key_id}")
    console.print(f"API key {key_id} revoked.")
