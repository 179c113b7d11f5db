"""Signing up in two steps: `POST /auth/signup` mails the address, `POST /auth/signup/confirm`
with the mailed token creates the workspace and its owner. The first step answers the same
for a new address and for one that has an account, so it tells no one which exists."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from gateway.identity.mails import ACCOUNT_EXISTS, CONFIRMATION, kind_of, signup_token
from gateway.identity.passwords import password_hash
from gateway.mail.mailbox import message_names, newest_message, text_of
from gateway.models import Operator, PendingSignup, Workspace
from servicekit.db import Database
from servicekit.settings import SharedSettings
from sqlalchemy import func, select, update

from tests.fakes.smtp import running_smtp
from tests.gateway.gateway_harness import PASSWORD, Gateway, GatewayFactory, without_instance

ADA = "ada@example.com"


@pytest.fixture
async def gw(make_gateway: GatewayFactory, database_url: str) -> Any:
    async with make_gateway(database_url=database_url) as gateway:
        yield gateway


async def _start(gw: Gateway, email: str, workspace_name: str = "Ada's desk") -> Any:
    return await gw.client.post(
        "/api/v1/auth/signup",
        json={"workspace_name": workspace_name, "email": email, "password": PASSWORD},
    )


def _token(gw: Gateway, email: str) -> str:
    message = newest_message(gw.mail_dir, email)
    assert message is not None, f"no mail to {email}"
    token = signup_token(message)
    assert token is not None, text_of(message)
    return token


async def _confirm(gw: Gateway, token: str) -> Any:
    return await gw.client.post("/api/v1/auth/signup/confirm", json={"token": token})


async def _count(gw: Gateway, model: Any) -> int:
    db = Database(gw.settings.database_url)
    try:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        await db.dispose()


async def _login(gw: Gateway, email: str) -> int:
    response = await gw.client.post(
        "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
    )
    return response.status_code


async def test_a_taken_and_a_new_address_get_the_same_answer(gw: Gateway) -> None:
    await gw.signup(ADA)

    taken = await _start(gw, "ADA@example.com", "Other")
    new = await _start(gw, "bob@example.com", "Other")

    assert taken.status_code == new.status_code == 202
    assert taken.content == new.content
    assert taken.json() == {
        "status": "confirmation_sent",
        "detail": "If this address can be used, we sent a link to confirm it.",
    }
    assert taken.headers["content-type"] == new.headers["content-type"]


async def test_a_taken_address_is_told_by_mail_and_nothing_is_created(gw: Gateway) -> None:
    await gw.signup(ADA)
    workspaces = await _count(gw, Workspace)

    await _start(gw, ADA, "Someone else's")

    message = newest_message(gw.mail_dir, ADA)
    assert message is not None
    assert kind_of(message) == ACCOUNT_EXISTS
    assert signup_token(message) is None
    assert "sign in where your team uses Mediaops instead" in text_of(message)
    assert "\n    http://127.0.0.1:8000/password/forgot\n" in text_of(message)
    assert "这个地址已经有账号了" in text_of(message)
    assert "Someone else's" not in text_of(message)
    assert await _count(gw, Workspace) == workspaces
    assert await _count(gw, PendingSignup) == 0


async def test_nothing_exists_until_the_mailed_token_confirms_it(gw: Gateway) -> None:
    started = await _start(gw, "Ada@Example.com")
    before = await _login(gw, ADA)

    confirmed = await _confirm(gw, _token(gw, ADA))
    login = await gw.client.post("/api/v1/auth/login", json={"email": ADA, "password": PASSWORD})
    me = await gw.client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )

    assert started.status_code == 202
    assert before == 401
    assert confirmed.status_code == 201, confirmed.text
    workspace, operator = confirmed.json()["workspace"], confirmed.json()["operator"]
    assert workspace["name"] == "Ada's desk"
    assert operator == {"id": operator["id"], "email": ADA, "role": "owner"}
    assert login.status_code == 200
    assert me.json() == {
        "operator": {**operator, "display_name": "ada"},
        "workspace": workspace,
    }
    assert await _count(gw, PendingSignup) == 0


async def test_the_pending_sign_up_keeps_a_hash_of_the_password_and_of_the_token(
    gw: Gateway,
) -> None:
    await _start(gw, ADA)
    token = _token(gw, ADA)

    db = Database(gw.settings.database_url)
    try:
        async with db.transaction() as session:
            pending = (await session.execute(select(PendingSignup))).scalar_one()
    finally:
        await db.dispose()

    assert pending.email == ADA
    assert PASSWORD not in pending.password_hash
    assert password_hash.verify(PASSWORD, pending.password_hash)
    assert token not in pending.token_hash
    assert len(pending.token_hash) == 64
    assert timedelta(hours=23) < pending.expires_at - datetime.now(UTC) <= timedelta(hours=24)


async def test_the_confirmation_mail_links_to_the_public_url(
    make_gateway: GatewayFactory, tmp_path: Path
) -> None:
    shared = SharedSettings(
        environment="test", data_dir=tmp_path, public_url="https://app.example.com/"
    )
    async with make_gateway(shared=shared) as gw:
        await _start(gw, ADA)
        (name,) = message_names(gw.mail_dir)
        message = newest_message(gw.mail_dir, ADA)

    assert message is not None
    token = signup_token(message)
    assert token is not None
    assert name.endswith(".eml")
    assert kind_of(message) == CONFIRMATION
    assert str(message["To"]) == ADA
    assert str(message["From"]) == "Mediaops <no-reply@mediaops.local>"
    assert "Confirm your Mediaops sign-up" in str(message["Subject"])
    assert f"https://app.example.com/signup/confirm?token={token}" in text_of(message)
    assert f"mediaops confirm-signup {token}" in text_of(message)
    assert "24 hours" in text_of(message)
    assert "24 小时内" in text_of(message)
    assert PASSWORD not in text_of(message)


async def test_a_token_works_once(gw: Gateway) -> None:
    await _start(gw, ADA)
    token = _token(gw, ADA)

    first = await _confirm(gw, token)
    again = await _confirm(gw, token)
    unknown = await _confirm(gw, "msu_" + "x" * 43)

    assert first.status_code == 201
    assert again.status_code == unknown.status_code == 400
    assert again.headers["content-type"] == "application/problem+json"
    assert without_instance(again) == without_instance(unknown)
    assert "already used" in again.json()["detail"]
    assert await _count(gw, Workspace) == 1


async def test_an_expired_token_is_refused_and_creates_nothing(gw: Gateway) -> None:
    await _start(gw, ADA)
    token = _token(gw, ADA)
    db = Database(gw.settings.database_url)
    try:
        async with db.transaction() as session:
            await session.execute(
                update(PendingSignup).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
    finally:
        await db.dispose()

    expired = await _confirm(gw, token)
    unknown = await _confirm(gw, "msu_" + "y" * 43)

    assert expired.status_code == 400
    assert without_instance(expired) == without_instance(unknown)
    assert await _count(gw, Workspace) == 0
    assert await _login(gw, ADA) == 401


async def test_the_expiry_is_a_setting(make_gateway: GatewayFactory) -> None:
    async with make_gateway(signup_confirmation_ttl_seconds=600) as gw:
        await _start(gw, ADA)
        message = newest_message(gw.mail_dir, ADA)

    assert message is not None
    assert "10 minutes" in text_of(message)
    assert "10 分钟内" in text_of(message)


async def test_expired_sign_ups_are_deleted_by_later_ones(gw: Gateway) -> None:
    await _start(gw, ADA)
    db = Database(gw.settings.database_url)
    try:
        async with db.transaction() as session:
            await session.execute(
                update(PendingSignup).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
    finally:
        await db.dispose()

    await _start(gw, "bob@example.com")

    assert await _count(gw, PendingSignup) == 1  # Bob's; Ada's old one is gone


async def test_of_two_links_to_one_address_only_the_first_confirmed_counts(gw: Gateway) -> None:
    await _start(gw, ADA, "First")
    first = _token(gw, ADA)
    await _start(gw, ADA, "Second")
    second = _token(gw, ADA)

    confirmed = await _confirm(gw, second)
    refused = await _confirm(gw, first)

    assert first != second
    assert confirmed.status_code == 201
    assert confirmed.json()["workspace"]["name"] == "Second"
    assert refused.status_code == 400
    assert await _count(gw, Workspace) == await _count(gw, Operator) == 1


async def test_two_links_confirmed_at_once_make_one_account(gw: Gateway) -> None:
    await _start(gw, ADA, "First")
    first = _token(gw, ADA)
    await _start(gw, ADA, "Second")
    second = _token(gw, ADA)

    answers = await asyncio.gather(_confirm(gw, first), _confirm(gw, second))

    assert sorted(a.status_code for a in answers) == [201, 400]
    # Nothing half-written: no workspace without its owner.
    assert await _count(gw, Workspace) == await _count(gw, Operator) == 1


async def test_an_invited_address_cannot_confirm_an_older_sign_up(gw: Gateway) -> None:
    owner = await gw.token("owner@example.com")
    await _start(gw, ADA, "Ada's own")
    token = _token(gw, ADA)
    await gw.invite(owner, ADA, "editor")

    refused = await _confirm(gw, token)

    assert refused.status_code == 400
    assert await _count(gw, Workspace) == 1


@pytest.mark.parametrize(
    "body",
    [{}, {"token": ""}, {"token": "x" * 201}, {"token": 12}, {"token": "t", "email": ADA}],
)
async def test_a_malformed_confirmation_is_a_422(gw: Gateway, body: dict[str, Any]) -> None:
    response = await gw.client.post("/api/v1/auth/signup/confirm", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("eight_bit", [True, False], ids=["8bitmime", "7bit-only"])
async def test_sign_up_mail_goes_through_smtp(
    make_gateway: GatewayFactory, eight_bit: bool
) -> None:
    async with running_smtp(eight_bit=eight_bit) as smtp:
        url = f"smtp://mailer%40example.com:s3cret%2F@127.0.0.1:{smtp.port}"
        async with make_gateway(mail_url=url, mail_from="Mediaops <hi@example.com>") as gw:
            started = await _start(gw, ADA)
            (received,) = await smtp.wait(1)
            token = signup_token(received.message)
            assert token is not None
            confirmed = await _confirm(gw, token)

    assert started.status_code == 202
    assert smtp.logins == [("mailer@example.com", "s3cret/")]
    assert received.sender == "hi@example.com"
    assert received.recipients == [ADA]
    # 8bit text where the server takes it, declared; base64 (7-bit) where it does not.
    assert received.raw.isascii() is not eight_bit
    assert ("BODY=8BITMIME" in received.mail_options) is eight_bit
    assert "这个邮箱地址" in text_of(received.message)
    assert confirmed.status_code == 201
    assert message_names(gw.mail_dir) == []  # SMTP instead of the directory


async def test_a_mail_server_that_is_down_never_fails_a_sign_up(
    make_gateway: GatewayFactory,
) -> None:
    async with running_smtp() as smtp:
        port = smtp.port
    async with make_gateway(mail_url=f"smtp://127.0.0.1:{port}") as gw:
        started = await _start(gw, ADA)

    assert started.status_code == 202
    assert await _count(gw, PendingSignup) == 1
