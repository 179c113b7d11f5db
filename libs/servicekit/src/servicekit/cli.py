"""The entry point every app shares: `python -m <app> [migrate|serve|all|check]`.

- `migrate` applies the app's migrations (under the database's migration lock) and exits;
- `serve` waits until the schema is at the newest migration, then serves HTTP;
- `all` does both, the default in development (`make run`);
- `check` imports everything the app runs and exits: an image whose environment lacks a
  library fails its build here, not in production.

In production the default is `serve`: the migrate step (`mediaops-migrate`) runs first,
and an app never changes the schema under replicas still running the old code. Before
anything else, production refuses to start while a setting is left at an unsafe default.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.importer import import_from_string

from servicekit.heap import freeze_long_lived
from servicekit.metrics import serve_metrics
from servicekit.migrations import MigrationsPending, upgrade, wait_until_current
from servicekit.settings import ServiceSettings

COMMANDS = ("migrate", "serve", "all", "check")
EXIT_MISCONFIGURED = 2


def run_app(
    settings: ServiceSettings,
    *,
    app_factory: str,
    migrations_dir: Path,
    argv: list[str] | None = None,
) -> None:
    production = settings.shared.environment == "production"
    parser = argparse.ArgumentParser(prog=settings.service_name)
    parser.add_argument(
        "command",
        nargs="?",
        default="serve" if production else "all",
        choices=COMMANDS,
        help="migrate the database, serve HTTP, both, or check that the app imports "
        "(default: serve in production, all elsewhere)",
    )
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if args.command == "check":
        import_from_string(app_factory)
        sys.stdout.write(f"{settings.service_name}: {app_factory} imports\n")
        return
    if production:
        problems = (
            settings.database_problems()
            if args.command == "migrate"
            else settings.production_problems()
        )
        refuse_if(problems, settings.service_name)
    if args.command in ("migrate", "all"):
        upgrade(migrations_dir, settings.database_url)
    if args.command in ("serve", "all"):
        try:
            wait_until_current(
                migrations_dir,
                settings.database_url,
                timeout=settings.shared.migration_wait_seconds,
            )
        except MigrationsPending as exc:
            sys.stderr.write(
                f"{settings.service_name}: {exc}; run the migrate step first "
                f"(mediaops-migrate, or python -m {app_factory.split('.')[0]} migrate)\n"
            )
            raise SystemExit(EXIT_MISCONFIGURED) from None
        app = import_from_string(app_factory)()
        if settings.metrics_listen_port:
            serve_metrics(settings.host, settings.metrics_listen_port)
        freeze_long_lived()
        uvicorn.run(app, **serving_options(settings))


def serving_options(settings: ServiceSettings) -> dict[str, Any]:
    """How uvicorn serves every app; tests that need the same (the client address behind a
    proxy) serve with these too."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        # uvicorn's proxy headers: X-Forwarded-For/-Proto are believed from these peers only,
        # and then make `request.client` the client they name (per-client rate limits count
        # it). Anyone else's X-Forwarded-For is ignored.
        "proxy_headers": True,
        "forwarded_allow_ips": settings.shared.forwarded_allow_ips,
        "timeout_graceful_shutdown": 5,
    }


def refuse_if(problems: list[str], service_name: str) -> None:
    """Exit with every problem named, so one start tells the operator all there is to fix."""
    if not problems:
        return
    lines = "".join(f"  - {problem}\n" for problem in problems)
    sys.stderr.write(f"{service_name}: refusing to start in production:\n{lines}")
    raise SystemExit(EXIT_MISCONFIGURED)
