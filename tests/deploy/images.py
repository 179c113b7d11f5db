"""Each image's environment, made the way its Dockerfile makes it, without Docker.

`deploy/image/install-app.sh SERVICE MODULE` is what the Dockerfile's build stage runs; here
it runs with `UV_PROJECT_ENVIRONMENT` pointing into `.image-envs/<service>` (uv's cache is
reused, so nothing is downloaded twice, and a second run only checks the environment is
exact). An app whose package forgets a library it imports fails its install here, as its
image build would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.deploy.compose import REPO, build_args, services

INSTALL_SCRIPT = REPO / "deploy" / "image" / "install-app.sh"
# Kept between runs (gitignored): `uv sync` makes an existing environment exact again.
IMAGE_ENVS = REPO / ".image-envs"


@dataclass(frozen=True)
class ImageEnv:
    """One app's environment as its image holds it."""

    service: str  # the compose service (gateway, content-svc, migrate...)
    package: str  # the uv workspace package it installs
    module: str  # what `python -m` runs
    path: Path

    @property
    def python(self) -> str:
        return str(self.path / "bin" / "python")


def built_services() -> list[str]:
    """The compose services built from the Dockerfile: one image each."""
    return [name for name, svc in services().items() if svc.get("build")]


def uv_binary() -> str:
    """The uv the README's commands installed (`.tools/`), else one on PATH."""
    local = REPO / ".tools" / "bin" / "uv"
    found = str(local) if local.exists() else shutil.which("uv")
    if found is None:
        raise RuntimeError("uv is not installed: run `make install` first")
    return found


def install(service: str, into: Path) -> subprocess.CompletedProcess[str]:
    """Run the image's install step for `service` into `into`; the result says how it went."""
    args = build_args(service)
    env = {
        key: value
        for key, value in os.environ.items()
        # The test run's own virtualenv and settings must not leak into the image's, nor a
        # mirror from the shell (the script would rewrite the checkout's own uv.lock).
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYPI_MIRROR", "PYPI_FILES_MIRROR")
        and not key.startswith("MEDIAOPS_")
    }
    env.update(
        UV=uv_binary(),
        UV_PROJECT_ENVIRONMENT=str(into),
        # The interpreter behind the test run's virtualenv, as the image has its own.
        UV_PYTHON=getattr(sys, "_base_executable", sys.executable),
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
    )
    return subprocess.run(
        ["sh", str(INSTALL_SCRIPT), args["SERVICE"], args["MODULE"]],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def build_image_env(service: str, root: Path = IMAGE_ENVS) -> ImageEnv:
    args = build_args(service)
    path = root / service
    result = install(service, path)
    if result.returncode != 0:
        raise AssertionError(
            f"the {service} image's install step failed (exit {result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return ImageEnv(service=service, package=args["SERVICE"], module=args["MODULE"], path=path)


def build_image_envs(root: Path = IMAGE_ENVS) -> dict[str, ImageEnv]:
    return {service: build_image_env(service, root) for service in built_services()}
