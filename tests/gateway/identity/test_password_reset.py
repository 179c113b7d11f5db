"""A forgotten password: `POST /auth/password/forgot` mails the account a link, and
`POST /auth/password/reset` with its token sets a new password and ends every session. The
first step answers the same whether the address has an account, so it tells no one which."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from gateway.identity.mails import PASSWORD_CHANGED, PASSWORD_RESET, kind_of, reset_token
from gateway.mail.mailbox import message_names, newest_message, text_of
from gateway.models import Operator, PasswordReset
from servicekit.db import Database
from sqlalchemy import func, select, update

from tests.gateway.gateway_harness import (
    PASSWORD,
    Gateway,
    GatewayFactory,
    bearer,
    without_instance,
)

ADA = "ada@example.com"
NEW_PASSWORD = "a-whole-new-secret-7"


@pytest.fixture
async def gw(make_gateway: GatewayFactory, database_url: str) -> Any:
    # status_cache_seconds=0: an ended session is refused on the very next request.
    async with make_gateway(database_url=database_url, status_cache_seconds=0) as gateway:
        yield gateway


async def _forgot(gw: Gateway, email: str) -> Any:
    return await gw.client.post("/api/v1/auth/password/forgot", json={"email": email})


async def _reset(gw: Gateway, token: str, password: str = NEW_PASSWORD) -> Any:
    return await gw.client.post(
        "/api/v1/auth/password/reset", json={"token": token, "password": password}
    )


def _reset_token(gw: Gateway, email: str = ADA) -> str:
    message = newest_message(gw.mail_dir, email)
    assert message is not None, f"no mail to {email}"
    token = reset_token(message)
    assert token is not None, text_of(message)
    return token


async def _login(gw: Gateway, password: str, email: str = ADA) -> int:
    response = await gw.client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    return response.status_code


async def _run(gw: Gateway, statement: Any) -> Any:
    db = Database(gw.settings.database_url)
    try:
        async with db.transaction() as session:
            return await session.execute(statement)
    finally:
        await db.dispose()


async def test_an_account_and_an_unknown_address_get_the_same_answer(gw: Gateway) -> None:
    await gw.signup(ADA)
    mails_before = len(message_names(gw.mail_dir))

    known = await _forgot(gw, "ADA@example.com")
    unknown = await _forgot(gw, "nobody@example.com")

    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert known.json() == {
        "status": "reset_link_sent",
        "detail": "If this address has an account, we sent a link to choose a new password.",
    }
    # Only the account's address got a mail, with a link to the frontend and the CLI command.
    assert len(message_names(gw.mail_dir)) == mails_before + 1
    assert newest_message(gw.mail_dir, "nobody@example.com") is None
    message = newest_message(gw.mail_dir, ADA)
    assert message is not None
    assert kind_of(message) == PASSWORD_RESET
    token = _reset_token(gw)
    assert f"http://127.0.0.1:8000/password/reset?token={token}" in text_of(message)
    assert f"mediaops reset-password {token}" in text_of(message)
    assert "1 hour" in text_of(message)


async def test_the_new_password_works_the_old_does_not_and_every_session_ends(
    gw: Gateway,
) -> None:
    await gw.signup(ADA)
    before = await gw.session(ADA)
    await _forgot(gw, ADA)

    answer = await _reset(gw, _reset_token(gw))

    assert answer.status_code == 204
    assert await _login(gw, PASSWORD) == 401
    assert await _login(gw, NEW_PASSWORD) == 200
    me = await gw.client.get("/api/v1/auth/me", headers=bearer(before["access_token"]))
    assert me.status_code == 401
    refreshed = await gw.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": before["refresh_token"]}
    )
    assert refreshed.status_code == 401
    told = newest_message(gw.mail_dir, ADA)
    assert told is not None
    assert kind_of(told) == PASSWORD_CHANGED
    assert reset_token(told) is None


async def test_a_token_works_once_and_voids_the_accounts_other_links(gw: Gateway) -> None:
    await gw.signup(ADA)
    await _forgot(gw, ADA)
    first = _reset_token(gw)
    await _forgot(gw, ADA)
    second = _reset_token(gw)
    assert first != second

    assert (await _reset(gw, second)).status_code == 204
    again = await _reset(gw, second, "yet-another-secret-9")
    older = await _reset(gw, first, "yet-another-secret-9")

    assert again.status_code == older.status_code == 400
    assert without_instance(again) == without_instance(older)
    assert again.json()["detail"] == (
        "This password link is invalid, expired or already used; ask for a new one."
    )
    assert await _login(gw, NEW_PASSWORD) == 200


async def test_an_expired_or_unknown_token_changes_nothing(gw: Gateway) -> None:
    await gw.signup(ADA)
    await _forgot(gw, ADA)
    token = _reset_token(gw)
    await _run(
        gw,
        update(PasswordReset).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)),
    )

    expired = await _reset(gw, token)
    unknown = await _reset(gw, "mpr_" + "x" * 43)

    assert expired.status_code == unknown.status_code == 400
    assert without_instance(expired) == without_instance(unknown)
    assert await _login(gw, PASSWORD) == 200


async def test_a_weak_password_is_a_422_and_the_link_still_works(gw: Gateway) -> None:
    await gw.signup(ADA)
    await _forgot(gw, ADA)
    token = _reset_token(gw)

    weak = await _reset(gw, token, "short")

    assert weak.status_code == 422
    assert weak.json()["errors"][0]["field"] == "password"
    assert (await _reset(gw, token)).status_code == 204


async def test_a_disabled_operator_gets_no_link(gw: Gateway) -> None:
    await gw.signup(ADA)
    await _run(gw, update(Operator).values(disabled=True))
    mails_before = len(message_names(gw.mail_dir))

    answer = await _forgot(gw, ADA)

    assert answer.status_code == 202
    assert len(message_names(gw.mail_dir)) == mails_before
    count = await _run(gw, select(func.count()).select_from(PasswordReset))
    assert count.scalar() == 0


async def test_one_token_sent_twice_at_once_sets_one_password(gw: Gateway) -> None:
    await gw.signup(ADA)
    await _forgot(gw, ADA)
    token = _reset_token(gw)

    answers = await asyncio.gather(
        _reset(gw, token, "first-racer-secret-1"), _reset(gw, token, "second-racer-secret-2")
    )

    assert sorted(a.status_code for a in answers) == [204, 400]
    won = "first-racer-secret-1" if answers[0].status_code == 204 else "second-racer-secret-2"
    assert await _login(gw, won) == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/auth/password/forgot", {}, "email"),
        ("/api/v1/auth/password/forgot", {"email": "not an address"}, "email"),
        ("/api/v1/auth/password/reset", {"password": NEW_PASSWORD}, "token"),
        ("/api/v1/auth/password/reset", {"token": "mpr_x"}, "password"),
    ],
)
async def test_a_malformed_request_is_a_422_naming_the_field(
    gw: Gateway, path: str, body: dict[str, Any], field: str
) -> None:
    answer = await gw.client.post(path, json=body)

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in answer.json()["errors"]]


async def test_requests_are_limited_per_address_alike_for_every_address(
    make_gateway: GatewayFactory,
) -> None:
    async with make_gateway(password_reset_limit_per_account="2/hour") as gw:
        await gw.signup(ADA)
        known = [(await _forgot(gw, ADA)).status_code for _ in range(3)]
        unknown = [(await _forgot(gw, "nobody@example.com")).status_code for _ in range(3)]

    assert known == unknown == [202, 202, 429]
