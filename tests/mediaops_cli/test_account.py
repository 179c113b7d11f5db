"""Signing up, confirming, signing in and out, and a forgotten password, with `mediaops`
against a running gateway (real HTTP)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from gateway.identity.mails import reset_token, signup_token
from gateway.mail.mailbox import newest_message

from tests.gateway.gateway_harness import PASSWORD
from tests.gateway.platform_harness import Platform
from tests.mediaops_cli.cli_harness import mediaops, signed_up


async def test_signup_confirm_login_store_tokens_privately_and_whoami_uses_them(
    platform: Platform, config_dir: Path
) -> None:
    started, confirmed, login = await signed_up(platform)
    who = await mediaops(platform, "whoami")

    assert started.exit_code == 0, started.output
    assert "a confirmation link is on its way" in started.output
    assert "mediaops confirm-signup TOKEN" in started.output
    assert confirmed.exit_code == 0, confirmed.output
    assert "星辰" in confirmed.output
    assert "created with ada@example.com as its owner" in confirmed.output
    assert login.exit_code == 0, login.output
    stored = config_dir / "credentials.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert json.loads(stored.read_text())["refresh_token"].startswith("mrt_")
    assert who.exit_code == 0
    assert "ada@example.com (owner) in 星辰" in who.output


async def test_confirm_signup_with_a_used_token_fails_readably(
    platform: Platform, config_dir: Path
) -> None:
    await signed_up(platform)
    message = newest_message(platform.settings.mail_directory, "ada@example.com")
    token = signup_token(message) if message else None
    assert token

    again = await mediaops(platform, "confirm-signup", token)

    assert again.exit_code == 1
    assert "400" in again.output
    assert "invalid, expired or already used" in again.output


async def test_a_forgotten_password_is_reset_from_the_command_line(
    platform: Platform, config_dir: Path
) -> None:
    await signed_up(platform)

    asked = await mediaops(platform, "forgot-password", "--email", "ada@example.com")
    message = newest_message(platform.settings.mail_directory, "ada@example.com")
    token = reset_token(message) if message else None
    assert token, asked.output
    reset = await mediaops(
        platform, "reset-password", token, input="brand-new-secret-5\nbrand-new-secret-5\n"
    )
    again = await mediaops(platform, "reset-password", token, "--password", "other-secret-66")
    old = await mediaops(platform, "login", "--email", "ada@example.com", "--password", PASSWORD)
    new = await mediaops(
        platform, "login", "--email", "ada@example.com", "--password", "brand-new-secret-5"
    )

    assert asked.exit_code == 0, asked.output
    assert "mediaops reset-password TOKEN" in asked.output
    assert reset.exit_code == 0, reset.output
    assert "every session ended" in reset.output
    assert again.exit_code == 1
    assert "invalid, expired or already used" in again.output
    assert old.exit_code == 1
    assert new.exit_code == 0, new.output


async def test_login_with_a_wrong_password_fails_readably(
    platform: Platform, config_dir: Path
) -> None:
    await signed_up(platform)

    failed = await mediaops(
        platform, "login", "--email", "ada@example.com", "--password", "Wrong-pass-123"
    )

    assert failed.exit_code == 1
    assert "401" in failed.output
    assert "incorrect" in failed.output


async def test_an_expired_access_token_is_refreshed_by_itself(
    platform: Platform, config_dir: Path
) -> None:
    await signed_up(platform)
    stored = config_dir / "credentials.json"
    credentials = json.loads(stored.read_text())
    credentials["access_token"] = "expired.or.bad"
    stored.write_text(json.dumps(credentials))

    who = await mediaops(platform, "whoami")

    assert who.exit_code == 0, who.output
    assert json.loads(stored.read_text())["access_token"] != "expired.or.bad"
