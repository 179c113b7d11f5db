"""Build every Mediaops image (`make images`), named as compose names them.

    python scripts/build_images.py [--push] [--dry-run] [service ...]

Reads deploy/docker-compose.yml: each service with a `build` becomes
`<MEDIAOPS_IMAGE_PREFIX><service>:<MEDIAOPS_TAG>` (default `mediaops/<service>:latest`),
built from deploy/Dockerfile with that service's build args. The prefix, the tag and the
mirror settings (`MEDIAOPS_PYTHON_IMAGE`, `MEDIAOPS_PYPI_MIRROR`,
`MEDIAOPS_PYPI_FILES_MIRROR`) are read as compose reads them: from the environment, else
from deploy/.env. `--dry-run` prints the commands.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "deploy" / "docker-compose.yml"
ENV_FILE = ROOT / "deploy" / ".env"
_DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")


def _variables() -> dict[str, str]:
    """deploy/.env (KEY=value lines), overridden by the environment, as compose does."""
    found: dict[str, str] = {}
    if ENV_FILE.is_file():
        for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and not key.startswith("#"):
                found[key.strip()] = value.strip().strip("\"'")
    return {**found, **os.environ}


def _value(text: str, variables: dict[str, str]) -> str:
    """Compose's `${VAR:-default}`."""
    return _DEFAULTED.sub(lambda m: variables.get(m.group(1)) or m.group(2), text)


def commands(services: list[str] | None = None, *, push: bool = False) -> list[list[str]]:
    compose: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    built = {name: svc for name, svc in compose["services"].items() if svc.get("build")}
    unknown = set(services or []) - set(built)
    if unknown:
        raise SystemExit(f"no image for {', '.join(sorted(unknown))}; images: {', '.join(built)}")
    variables = _variables()
    result = []
    for name, svc in built.items():
        if services and name not in services:
            continue
        image = _value(svc["image"], variables)
        # The build context is the repository (tests/deploy/test_compose.py checks it).
        argv = ["docker", "build", "-f", str(ROOT / svc["build"]["dockerfile"])]
        for key, raw in svc["build"]["args"].items():
            argv += ["--build-arg", f"{key}={_value(str(raw), variables)}"]
        argv += ["-t", image, str(ROOT)]
        result.append(argv)
        if push:
            result.append(["docker", "push", image])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build every Mediaops image.")
    parser.add_argument("services", nargs="*", help="only these (compose service names)")
    parser.add_argument("--push", action="store_true", help="push each image after building")
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = parser.parse_args(argv)
    for command in commands(args.services, push=args.push):
        sys.stdout.write(shlex.join(command) + "\n")
        sys.stdout.flush()
        if not args.dry_run:
            subprocess.run(command, check=True, cwd=ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
