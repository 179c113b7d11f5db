"""The entry point every app shares: `python -m <app> [migrate|serve|all]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn
from uvicorn.importer import import_from_string

from servicekit.heap import freeze_long_lived
from servicekit.migrations import upgrade
from servicekit.settings import ServiceSettings


def run_app(
    settings: ServiceSettings,
    *,
    app_factory: str,
    migrations_dir: Path,
    argv: list[str] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=settings.service_name)
    parser.add_argument(
        "command",
        nargs="?",
        default="all",
        choices=["migrate", "serve", "all"],
        help="migrate the database, serve HTTP, or both (default)",
    )
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if args.command in ("migrate", "all"):
        upgrade(migrations_dir, settings.database_url)
    if args.command in ("serve", "all"):
        app = import_from_string(app_factory)()
        freeze_long_lived()
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
        )
