"""The key that seals the robots' webhook URLs and secrets is required in production and
must be a Fernet key (or several, comma-separated)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from gateway.notifications.secrets import secret_box
from gateway.settings import Settings
from pydantic import SecretStr, ValidationError
from servicekit.settings import SharedSettings


def test_production_names_a_missing_notification_key(tmp_path: Path) -> None:
    shared = SharedSettings(environment="production", data_dir=tmp_path)
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed_with_old = secret_box(old, tmp_path).seal("https://open.feishu.cn/hook/x")

    unkeyed = Settings(shared=shared).production_problems()
    keyed = Settings(shared=shared, notification_key=SecretStr(f"{new},{old}"))

    assert any(p.startswith("GATEWAY_NOTIFICATION_KEY is not set") for p in unkeyed)
    assert not any("GATEWAY_NOTIFICATION_KEY" in p for p in keyed.production_problems())
    # A new key put first still opens what the old one sealed.
    box = secret_box(keyed.notification_key.get_secret_value(), tmp_path)
    assert box.open(sealed_with_old) == "https://open.feishu.cn/hook/x"


def test_a_notification_key_that_is_not_a_fernet_key_is_refused(tmp_path: Path) -> None:
    shared = SharedSettings(environment="development", data_dir=tmp_path)
    with pytest.raises(ValidationError, match="GATEWAY_NOTIFICATION_KEY is not a Fernet key"):
        Settings(shared=shared, notification_key=SecretStr("changeme"))
