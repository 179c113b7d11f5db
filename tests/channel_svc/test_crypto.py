"""Channel secrets are encrypted with a key that survives restarts and is required in production."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from channel_svc.crypto import KEY_FILE_NAME, CredentialCipher, CredentialsUnreadable, load_cipher
from channel_svc.settings import Settings
from cryptography.fernet import Fernet
from pydantic import ValidationError
from servicekit.settings import SharedSettings


def dev_settings(data_dir: Path, **values: Any) -> Settings:
    return Settings(shared=SharedSettings(environment="development", data_dir=data_dir), **values)


def test_a_development_key_is_created_once_and_reused(tmp_path: Path) -> None:
    token = load_cipher(dev_settings(tmp_path)).encrypt("webhook-secret-123456")
    key_file = tmp_path / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # A restart reads the same key, so secrets stored before it still decrypt.
    assert load_cipher(dev_settings(tmp_path)).decrypt(token) == "webhook-secret-123456"
    assert list(tmp_path.iterdir()) == [key_file]


def test_production_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    shared = SharedSettings(environment="production", data_dir=tmp_path)
    problems = Settings(shared=shared).production_problems()
    assert any(p.startswith("CHANNEL_CREDENTIALS_KEY is not set") for p in problems)
    key = Fernet.generate_key().decode()
    keyed = Settings(shared=shared, credentials_key=key)
    assert keyed.credentials_keys() == [key]
    assert not any("CHANNEL_CREDENTIALS_KEY" in p for p in keyed.production_problems())
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_a_key_that_is_not_a_fernet_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not a Fernet key"):
        dev_settings(tmp_path, credentials_key="changeme")


def test_settings_come_from_channel_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHANNEL_DELIVERY_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("CHANNEL_WEBHOOK_TIMEOUT_SECONDS", "3.5")
    settings = dev_settings(tmp_path)
    assert (settings.port, settings.delivery_max_attempts, settings.webhook_timeout_seconds) == (
        8102,
        7,
        3.5,
    )
    assert settings.database_url.endswith(f"{tmp_path}/channel.db")
    assert "credentials_key" not in repr(settings)


def test_keys_rotate_and_a_wrong_key_is_reported() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = CredentialCipher([old]).encrypt("secret-from-last-year")
    assert CredentialCipher([new, old]).decrypt(token) == "secret-from-last-year"
    with pytest.raises(CredentialsUnreadable, match="credentials key"):
        CredentialCipher([new]).decrypt(token)
