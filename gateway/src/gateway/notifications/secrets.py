"""Robot webhook URLs and secrets at rest: Fernet-encrypted with the gateway's
notification key (`GATEWAY_NOTIFICATION_KEY`; in development and tests, a key made once
under the data dir). The API never returns them."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

KEY_FILE_NAME = "gateway-notification.key"


class SecretBox:
    def __init__(self, keys: list[str]) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")


def development_key(data_dir: Path) -> str:
    """The key under `data_dir`, made on first use (mode 0600)."""
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
    return path.read_text(encoding="ascii").strip()


def secret_box(keys: str, data_dir: Path) -> SecretBox:
    """Comma-separated keys (the first encrypts; all decrypt), or the development key."""
    listed = [key.strip() for key in keys.split(",") if key.strip()]
    return SecretBox(listed or [development_key(data_dir)])
