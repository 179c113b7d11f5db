"""deploy/ as data: the workspace's apps, the compose file (interpolated as compose does),
the Dockerfile's instructions, and each app's settings built from compose's environment.

Shared by the deploy tests (test_compose.py, test_images.py, test_kubernetes.py) and the
compose-equivalent system test (tests/system/compose_stack.py).
"""

from __future__ import annotations

import importlib
import os
import re
import tomllib
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import SplitResult, urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = DEPLOY / "Dockerfile.dockerignore"
INIT_SCRIPT = DEPLOY / "postgres" / "init.sh"
ENV_EXAMPLE = DEPLOY / ".env.example"
INSTALL_SCRIPT = DEPLOY / "image" / "install-app.sh"

INFRA = ("kafka", "postgres", "redis", "minio")
GATEWAY = "gateway"
MIGRATE = "migrate"
# One-shot: creates the media bucket in MinIO before content-svc starts.
BUCKET_JOB = "minio-bucket"
# Values for the variables the compose file requires, as an operator's .env sets them.
OPERATOR_ENV = {
    "POSTGRES_PASSWORD": "pw-from-env",
    "CHANNEL_CREDENTIALS_KEY": "a2V5LWZyb20tZW52LWtleS1mcm9tLWVudi1rZXktZnI=",
    "GATEWAY_NOTIFICATION_KEY": "bm90aWNlcy1rZXktZnJvbS1lbnYtbm90aWNlcy1rZXk=",
    "MEDIAOPS_PUBLIC_URL": "https://mediaops.example.com",
    "MINIO_ROOT_USER": "mediaops-from-env",
    "MINIO_ROOT_PASSWORD": "a-minio-password-from-env",
}


# --------------------------------------------------------------------------- workspace


@cache
def workspace_members() -> dict[str, Path]:
    """uv workspace members: package name -> member directory."""
    root = tomllib.loads((REPO / "pyproject.toml").read_text())
    workspace = root["tool"]["uv"]["workspace"]
    excluded = {p for pattern in workspace.get("exclude", []) for p in REPO.glob(pattern)}
    members: dict[str, Path] = {}
    for pattern in workspace["members"]:
        for path in sorted(REPO.glob(pattern)):
            if path in excluded or not (path / "pyproject.toml").is_file():
                continue
            project = tomllib.loads((path / "pyproject.toml").read_text())["project"]
            members[project["name"]] = path
    return members


def member_project(package: str) -> dict[str, Any]:
    text = (workspace_members()[package] / "pyproject.toml").read_text()
    project: dict[str, Any] = tomllib.loads(text)["project"]
    return project


CLIENTS = REPO / "clients"


@cache
def app_packages() -> tuple[str, ...]:
    """Apps are the members with an entry point; libraries have none (DESIGN.md). Clients
    of the API (`clients/`: the operators' command line) have one too, but are no app of
    the deployment: they run on the operators' machines."""
    return tuple(
        sorted(
            p
            for p, path in workspace_members().items()
            if member_project(p).get("scripts") and not path.is_relative_to(CLIENTS)
        )
    )


def settings_prefix(package: str) -> str:
    """content-svc -> CONTENT, gateway -> GATEWAY (pydantic-settings prefix per app)."""
    return package.removesuffix("-svc").replace("-", "_").upper()


APPS = app_packages()


# ----------------------------------------------------------------------------- compose


_VAR = re.compile(r"\$(?:(\$)|\{(\w+)(?:(:?[-?])([^}]*))?\}|(\w+))")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose variable interpolation: $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}."""

    def replace(match: re.Match[str]) -> str:
        dollar, name, op, arg, bare = match.groups()
        if dollar:
            return "$"
        if bare:
            return env.get(bare, "")
        present = name in env and (env[name] != "" or op is None or not op.startswith(":"))
        if op in (":-", "-"):
            return env[name] if present else arg
        if op in (":?", "?") and not present:
            raise KeyError(f"{name} is required: {arg}")
        return env.get(name, "")

    return _VAR.sub(replace, value)


@cache
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return data


def services() -> dict[str, Any]:
    """The services `docker compose up` starts (optional profiles left out)."""
    return {name: svc for name, svc in compose()["services"].items() if not svc.get("profiles")}


def raw_env(service: str) -> dict[str, str]:
    env = services()[service].get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def env_of(service: str, operator_env: dict[str, str] | None = None) -> dict[str, str]:
    given = OPERATOR_ENV if operator_env is None else operator_env
    return {k: interpolate(v, given) for k, v in raw_env(service).items()}


def build_args(service: str) -> dict[str, str]:
    args = services()[service]["build"].get("args", {})
    if isinstance(args, list):
        args = dict(item.split("=", 1) for item in args)
    return {str(k): interpolate(str(v), OPERATOR_ENV) for k, v in args.items()}


def app_port(app: str) -> int:
    return int(env_of(app)[f"{settings_prefix(app)}_PORT"])


def database_url(app: str) -> Any:
    return urlsplit(env_of(app)[f"{settings_prefix(app)}_DATABASE_URL"])


def healthcheck_text(service: str) -> str:
    test = services()[service]["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def named_volume_mounts(service: str) -> dict[str, str]:
    """Container path -> named volume, for the service's named-volume mounts."""
    declared = compose().get("volumes") or {}
    mounts: dict[str, str] = {}
    for volume in services()[service].get("volumes", []):
        if isinstance(volume, dict):
            source, target = volume.get("source", ""), volume["target"]
        else:
            source, target = volume.split(":")[:2]
        if source in declared:
            mounts[target] = source
    return mounts


def on_named_volume(service: str, path: str) -> bool:
    inner = PurePosixPath(path)
    return any(
        inner == PurePosixPath(t) or PurePosixPath(t) in inner.parents
        for t in named_volume_mounts(service)
    )


def compose_name(package: str) -> str:
    """The compose service that runs a workspace app (its build arg SERVICE names it)."""
    for name, svc in services().items():
        if (svc.get("build") or {}).get("args", {}).get("SERVICE") == package:
            return name
    raise KeyError(f"no compose service builds {package}")


def serving_apps() -> tuple[str, ...]:
    """The apps that serve HTTP (built with a PORT); the migrate step is one-shot."""
    return tuple(
        name
        for name, svc in services().items()
        if "PORT" in (svc.get("build") or {}).get("args", {})
    )


SERVING = serving_apps()


# -------------------------------------------------------------------------- dockerfile


def dockerfile_lines() -> list[str]:
    """Instructions with continuation lines joined and comments dropped."""
    lines: list[str] = []
    current = ""
    for raw in DOCKERFILE.read_text().splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    return lines


def dockerfile_stages() -> list[list[str]]:
    stages: list[list[str]] = []
    for line in dockerfile_lines():
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def dockerfile_args() -> set[str]:
    return {
        re.split(r"[=\s]", line.split(None, 1)[1], maxsplit=1)[0]
        for line in dockerfile_lines()
        if line.upper().startswith("ARG ")
    }


def production_settings(service: str, tmp_path: Path, env: dict[str, str] | None = None) -> Any:
    """The app's own Settings, built from exactly the environment compose gives it (or
    `env`), the container paths under /data mapped into `tmp_path`."""
    module = build_args(service)["MODULE"]
    settings_class = importlib.import_module(f"{module}.settings").Settings
    given = env_of(service) if env is None else env
    env = {k: v.replace("/data", str(tmp_path / "data")) for k, v in given.items()}
    with pytest.MonkeyPatch.context() as patch:
        for key in list(os.environ):
            if key.startswith(("MEDIAOPS_", f"{settings_prefix(service)}_")):
                patch.delenv(key)
        for key, value in env.items():
            patch.setenv(key, value)
        return settings_class()


def media_link(settings: Any) -> SplitResult:
    """A link to a file as content-svc's media store, built from `settings`, hands it out."""
    from content_svc.media.storage import S3MediaStorage, build_storage

    storage = build_storage(settings)
    assert isinstance(storage, S3MediaStorage), "media are not kept in a bucket"
    return urlsplit(storage.url("w/m/original", expires_in=600, content_type="image/png"))
