"""`mediaops operators`: the team, invited, listed and disabled."""

from __future__ import annotations

from pathlib import Path

from tests.gateway.gateway_harness import PASSWORD
from tests.gateway.platform_harness import Platform
from tests.mediaops_cli.cli_harness import mediaops, signed_up


async def test_operators_invite_list_and_disable(platform: Platform, config_dir: Path) -> None:
    await signed_up(platform)

    invited = await mediaops(
        platform, "operators", "invite", "bob@example.com", "--role", "analyst"
    )
    token = invited.output.split("Invitation token (shown once): ")[1].split()[0]
    import httpx

    async with httpx.AsyncClient(base_url=platform.gateway_url, trust_env=False) as client:
        accepted = await client.post(
            "/api/v1/auth/invitations/accept", json={"token": token, "password": PASSWORD}
        )
    bob = accepted.json()["operator"]["id"]
    disabled = await mediaops(platform, "operators", "set", bob, "--disable")
    listed = await mediaops(platform, "operators", "list")

    assert invited.exit_code == 0
    assert "a link to accept is on its way to them" in invited.output
    assert accepted.status_code == 201
    assert "bob@example.com: analyst, disabled." in disabled.output
    assert "bob@example.com" in listed.output
    assert "disabled" in listed.output
