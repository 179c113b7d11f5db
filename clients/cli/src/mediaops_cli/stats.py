"""`mediaops stats import`: a CSV of platform figures, uploaded with a progress bar."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from mediaops_cli.client import ApiError, Client
from mediaops_cli.output import Gateway, console, errors, fail

app = typer.Typer(help="Platform figures.", no_args_is_help=True)

CHUNK = 64 * 1024
SHOWN_ROWS = 200


def _chunks(path: Path, progress: Progress, task: Any) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            progress.update(task, advance=len(chunk))
            yield chunk


@app.command("import")
def import_csv(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row; store nothing.")
    ] = False,
    timezone: Annotated[str, typer.Option(help="Zone of times without an offset.")] = "UTC",
    platform: Annotated[str | None, typer.Option(help="Vocabulary of the metric names.")] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="MEDIAOPS_API_KEY", help="Use an API key (stats:write).")
    ] = None,
    gateway: Gateway = None,
) -> None:
    """Import a CSV of figures (UTF-8, with or without BOM, or GB18030) with a progress bar,
    then summarise what was stored and every rejected row."""
    params: dict[str, str] = {"timezone": timezone}
    if dry_run:
        params["dry_run"] = "true"
    if platform:
        params["platform"] = platform
    headers = {"Content-Type": "text/csv"}
    if api_key:
        headers["X-API-Key"] = api_key
    size = path.stat().st_size
    with (
        Client(gateway) as client,
        Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=errors,
            transient=False,
        ) as progress,
    ):
        task = progress.add_task(f"uploading {path.name}", total=size)
        try:
            response = client.request(
                "POST",
                "/api/v1/stats/import",
                params=params,
                headers=headers,
                content=_chunks(path, progress, task),
                auth=api_key is None,
                ok=(200, 201, 422),
            )
        except ApiError as exc:
            raise fail(exc) from exc
    body = response.json()
    if response.status_code == 422:
        _rejected_summary(body.get("errors", []), title="Nothing was stored: rejected rows")
        raise typer.Exit(code=1)
    problems = body.get("problems", [])
    batch = body.get("batch") or {}
    outcome = (
        "dry run: nothing stored"
        if body.get("dry_run")
        else f"stored as batch {batch.get('id', '?')}"
    )
    console.print(
        f"{body.get('rows', 0)} rows read ({body.get('encoding', '?')}), "
        f"{body.get('valid_rows', 0)} valid; {outcome}."
    )
    if problems:
        _rejected_summary(
            [
                {"field": f"line.{p['line']}", "message": f"{p['field']}: {p['reason']}"}
                for p in problems
            ],
            title=f"Rejected rows ({body.get('problems_total', len(problems))})",
        )
        raise typer.Exit(code=1)


def _rejected_summary(rows: list[dict[str, Any]], *, title: str) -> None:
    table = Table("line", "problem", title=title)
    for row in rows[:SHOWN_ROWS]:
        table.add_row(str(row.get("field", "")).removeprefix("line."), str(row.get("message", "")))
    console.print(table)
    if len(rows) > SHOWN_ROWS:
        console.print(f"… and {len(rows) - SHOWN_ROWS} more.")
