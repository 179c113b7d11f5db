"""What every command shares: the consoles, the `--gateway` option, and one call to the API
that turns a refusal into a readable error and exit code 1."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from mediaops_cli.client import ApiError, Client

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

Gateway = Annotated[
    str | None,
    typer.Option("--gateway", envvar="MEDIAOPS_GATEWAY_URL", help="The gateway's URL."),
]


def fail(exc: ApiError) -> typer.Exit:
    """Print the problem the gateway answered (and its field errors); exit 1."""
    errors.print(f"[red]error:[/red] {exc}")
    for error in exc.errors[:20]:
        errors.print(f"  {error.get('field', '')}: {error.get('message', '')}")
    return typer.Exit(code=1)


def call(gateway: str | None, method: str, path: str, **kwargs: Any) -> Any:
    """One call to the API, signed in with the stored tokens unless `auth=False`: its JSON
    answer, or the problem printed and exit 1."""
    with Client(gateway) as client:
        try:
            return client.json(method, path, **kwargs)
        except ApiError as exc:
            raise fail(exc) from exc
