"""`mediaops-migrate`: apply every app's migrations, then exit (0 when all are current).

The deployment's one-shot step (compose's `migrate` service, the Kubernetes Job), run
before the apps start and at every upgrade before the new version rolls out. Each app
migrates its own database with its own code (`python -m <app> migrate`, reading its
`<PREFIX>_DATABASE_URL`), under that database's migration lock, so running this twice
at once, or beside an app started with `all`, is safe: the second waits and finds nothing
to do. The apps are run as programs, never imported: each keeps its models to itself.

    mediaops-migrate            migrate every app's database
    mediaops-migrate check      check that every app imports in this environment
    mediaops-migrate --only content-svc [--only ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from servicekit import apps

# The apps, by name, and the module each runs as (`python -m <module>`).
APPS: dict[str, str] = {app.name: app.module for app in apps.APPS}


def run(command: str, apps: list[str]) -> int:
    failed = []
    started = time.monotonic()

    def report(app: str, code: int) -> None:
        took = time.monotonic() - started
        if code == 0:
            sys.stdout.write(f"mediaops-migrate: {app} {command}: done after {took:.1f} s\n")
        else:
            failed.append(app)
            sys.stderr.write(f"mediaops-migrate: {app} {command}: failed (exit {code})\n")
        sys.stdout.flush()

    # The child inherits our environment (its database URL) and our output.
    children = []
    for app in apps:
        child = subprocess.Popen([sys.executable, "-m", APPS[app], command])
        if command == "check":
            children.append((app, child))  # checks only import: side by side
        else:
            report(app, child.wait())  # migrations one after the other: logs in order
    for app, child in children:
        report(app, child.wait())
    if failed:
        sys.stderr.write(f"mediaops-migrate: failed for {', '.join(failed)}\n")
        return 1
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="mediaops-migrate", description="Apply every Mediaops app's migrations."
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="migrate",
        choices=["migrate", "check"],
        help="migrate every database (default) or check that every app imports",
    )
    parser.add_argument(
        "--only", action="append", choices=list(APPS), help="this app only (repeatable)"
    )
    args = parser.parse_args(argv)
    raise SystemExit(run(args.command, args.only or list(APPS)))


if __name__ == "__main__":
    main()
