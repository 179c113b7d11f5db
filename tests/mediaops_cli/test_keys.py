"""`mediaops keys`: an owner's API keys, created, listed and revoked."""

from __future__ import annotations

from pathlib import Path

from tests.gateway.platform_harness import Platform
from tests.mediaops_cli.cli_harness import mediaops, signed_up


async def test_keys_create_list_revoke(platform: Platform, config_dir: Path) -> None:
    await signed_up(platform)

    created = await mediaops(platform, "keys", "create", "importer", "-s", "stats:write")
    key = next(line for line in created.output.splitlines() if line.startswith("mok_"))
    listed = await mediaops(platform, "keys", "list")
    key_id = created.output.split("(")[1].split(")")[0]
    revoked = await mediaops(platform, "keys", "revoke", key_id)
    after = await mediaops(platform, "keys", "list")

    assert created.exit_code == 0, created.output
    assert "importer" in listed.output
    assert key not in listed.output
    assert revoked.exit_code == 0
    assert "never" in after.output
    assert key_id in after.output
