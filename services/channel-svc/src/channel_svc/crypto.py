"""Channel secrets at rest: Fernet-encrypted with the service's credentials key.

The secret a user gives for a channel (a webhook signing secret, later a platform's app
secret) is stored encrypted and is never returned by the API; only the delivery worker
decrypts it, right before it signs or authenticates a request.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from channel_svc.settings import Settings

KEY_FILE_NAME = "channel-credentials.key"


class CredentialsUnreadable(Exception):
    """A stored secret cannot be decrypted with the configured key(s)."""


class CredentialCipher:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one credentials key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise CredentialsUnreadable(
                "the channel secret cannot be decrypted with the configured credentials key"
            ) from exc


def local_key(data_dir: Path) -> str:
    """The development key under `data_dir`, created on first use (mode 0600) and reused."""
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Write a private file, then link it into place: link() fails if the name exists,
        # so when two processes start at once both end up with the key written first.
        draft = data_dir / f".{KEY_FILE_NAME}.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key())
        try:
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            draft.unlink()
    key = path.read_text(encoding="ascii").strip()
    Fernet(key)  # a damaged file fails here, loudly, not later on the first delivery
    return key


def load_cipher(settings: Settings) -> CredentialCipher:
    keys = settings.credentials_keys()
    if not keys:
        if settings.shared.environment == "production":
            # `production_problems` stops the app before this; a key made here would lock
            # every stored credential in one container's data dir.
            raise RuntimeError("CHANNEL_CREDENTIALS_KEY is not set")
        keys = [local_key(settings.shared.data_dir)]
    return CredentialCipher(keys)
