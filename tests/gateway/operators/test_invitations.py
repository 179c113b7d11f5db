"""An invitation mails the invitee a link to accept it, with our words only, and the mails
one workspace (or anyone, to one address) can cause are limited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from gateway.identity.mails import INVITATION, invitation_token, kind_of
from gateway.mail.mailbox import message_names, newest_message, text_of
from servicekit.settings import SharedSettings

from tests.gateway.gateway_harness import PASSWORD, Gateway, GatewayFactory, bearer

BOB = "bob@example.com"


@pytest.fixture
async def gw(
    make_gateway: GatewayFactory, database_url: str, tmp_path: Path
) -> AsyncIterator[Gateway]:
    shared = SharedSettings(
        environment="test", data_dir=tmp_path, public_url="https://ops.example.com"
    )
    async with make_gateway(database_url=database_url, shared=shared) as gateway:
        yield gateway


async def _invite(gw: Gateway, owner: str, email: str, role: str = "reviewer") -> int:
    invited = await gw.client.post(
        "/api/v1/operators", json={"email": email, "role": role}, headers=bearer(owner)
    )
    return invited.status_code


async def test_the_invitee_is_mailed_a_link_that_accepts_the_invitation(gw: Gateway) -> None:
    await gw.signup("ada@example.com", workspace_name="Ada's secret desk")
    owner = await gw.login()

    invited = await gw.client.post(
        "/api/v1/operators",
        json={"email": " Bob@Example.com", "role": "reviewer"},
        headers=bearer(owner),
    )
    message = newest_message(gw.mail_dir, BOB)
    assert message is not None
    token = invitation_token(message)
    assert token is not None
    accepted = await gw.client.post(
        "/api/v1/auth/invitations/accept", json={"token": token, "password": PASSWORD}
    )

    assert invited.status_code == 201
    assert token == invited.json()["token"]  # the one shown once to the owner
    assert kind_of(message) == INVITATION
    text = text_of(message)
    assert f"\n    https://ops.example.com/invitations/accept?token={token}\n" in text
    assert "as a reviewer" in text
    assert "「审核」" in text
    assert "within\n7 days" in text
    # Anyone can sign up and invite: the mail repeats nothing they typed.
    assert "Ada's secret desk" not in text
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["operator"] == {**accepted.json()["operator"], "role": "reviewer"}
    assert await gw.login(BOB, PASSWORD)


async def test_a_refused_invitation_mails_no_one(gw: Gateway) -> None:
    await gw.signup()
    owner = await gw.login()
    editor = await gw.invite(owner, "carol@example.com", "editor")
    before = message_names(gw.mail_dir)

    by_an_editor = await gw.client.post(
        "/api/v1/operators", json={"email": BOB, "role": "editor"}, headers=editor
    )

    assert by_an_editor.status_code == 403
    assert message_names(gw.mail_dir) == before


async def test_invitations_are_limited_per_workspace_and_per_address(
    make_gateway: GatewayFactory, tmp_path: Path
) -> None:
    async with make_gateway(
        invitation_limit_per_workspace="3/hour", invitation_limit_per_address="2/hour"
    ) as gw:
        await gw.signup("ada@example.com")
        ada = await gw.login("ada@example.com")
        await gw.signup("erin@example.com", workspace_name="Elsewhere")
        erin = await gw.login("erin@example.com")
        before = len(message_names(gw.mail_dir))

        to_bob = [await _invite(gw, ada, BOB) for _ in range(3)]
        to_dan = await _invite(gw, ada, "dan@example.com")
        workspace_spent = await _invite(gw, ada, "fay@example.com")
        bob_from_elsewhere = await _invite(gw, erin, BOB)
        sent = len(message_names(gw.mail_dir)) - before

    assert to_bob == [201, 201, 429]
    assert to_dan == 201
    assert workspace_spent == 429
    assert bob_from_elsewhere == 429  # his inbox is full, whoever invites
    assert sent == 3
