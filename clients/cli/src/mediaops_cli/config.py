"""Where the command line keeps its sign-in: `~/.config/mediaops/credentials.json` (or under
`$MEDIAOPS_CONFIG_DIR` / `$XDG_CONFIG_HOME`), readable by its owner only."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel

DEFAULT_GATEWAY = "http://127.0.0.1:8000"


class Credentials(BaseModel):
    gateway: str = DEFAULT_GATEWAY
    email: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None


def config_dir() -> Path:
    if explicit := os.environ.get("MEDIAOPS_CONFIG_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mediaops"


def credentials_path() -> Path:
    return config_dir() / "credentials.json"


def load() -> Credentials:
    path = credentials_path()
    if not path.exists():
        return Credentials()
    return Credentials.model_validate(json.loads(path.read_text(encoding="utf-8")))


def save(credentials: Credentials) -> Path:
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(credentials.model_dump_json(indent=2))
    os.replace(temporary, path)
    return path


def forget() -> None:
    credentials_path().unlink(missing_ok=True)
