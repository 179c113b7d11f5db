from __future__ import annotations

from pathlib import Path

from servicekit.cli import run_app

from content_svc.settings import Settings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def main() -> None:
    run_app(Settings(), app_factory="content_svc.app:create_app", migrations_dir=MIGRATIONS)


if __name__ == "__main__":
    main()
