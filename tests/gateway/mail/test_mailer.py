"""The gateway's mailer: messages leave only after the transaction commits, the directory
backend writes readable RFC 822 files, and the settings refuse a mail URL it cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest
from gateway.mail.mailbox import message_names, newest_message, read_message, text_of
from gateway.mail.mailer import Mailer
from gateway.mail.transport import DirectoryTransport, SmtpTransport
from gateway.settings import Settings
from pydantic import ValidationError
from servicekit.db import Database

from tests.gateway.gateway_harness import PASSWORD, GatewayFactory


def _mailer(directory: Path) -> Mailer:
    return Mailer(DirectoryTransport(directory), "Mediaops <no-reply@mediaops.local>")


async def test_a_message_leaves_after_the_commit_and_never_after_a_rollback(
    tmp_path: Path,
) -> None:
    mailer = _mailer(tmp_path / "mail")
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/t.db")

    async def mail_then_fail() -> None:
        async with db.transaction() as session:
            mailer.send_after_commit(
                session, mailer.compose(to="a@example.com", subject="s", body="b", kind="k")
            )
            raise RuntimeError("the request failed")

    try:
        with pytest.raises(RuntimeError):
            await mail_then_fail()
        after_rollback = message_names(tmp_path / "mail")
        async with db.transaction() as session:
            mailer.send_after_commit(
                session, mailer.compose(to="b@example.com", subject="s", body="b", kind="k")
            )
            before_commit = message_names(tmp_path / "mail")
        after_commit = message_names(tmp_path / "mail")
    finally:
        await db.dispose()

    assert after_rollback == before_commit == []
    assert len(after_commit) == 1


def test_messages_are_eml_files_found_by_address_newest_first(tmp_path: Path) -> None:
    transport = DirectoryTransport(tmp_path)
    mailer = _mailer(tmp_path)
    for n, to in enumerate(
        ["用户@例子.广告", "Ada@Example.com", "bob@example.com", "ada@example.com"]
    ):
        transport.deliver(
            mailer.compose(to=to, subject=f"确认 {n} / confirm", body=f"正文 {n}\n", kind="k")
        )
    names = message_names(tmp_path)

    newest_ada = newest_message(tmp_path, "ADA@example.com")
    chinese = newest_message(tmp_path, "用户@例子.广告")

    assert len(names) == 4
    assert all(name.endswith(".eml") for name in names)
    assert newest_ada is not None
    assert text_of(newest_ada) == "正文 3\n"
    assert str(newest_ada["Subject"]) == "确认 3 / confirm"
    assert newest_message(tmp_path, "ada@example.com", after=names[-1]) is None
    assert chinese is not None
    assert text_of(chinese) == "正文 0\n"
    first = read_message(tmp_path / names[0])
    assert str(first["From"]) == "Mediaops <no-reply@mediaops.local>"
    assert first["Message-ID"].endswith("@mediaops.local>")
    assert first["Date"]
    assert not list(tmp_path.glob(".*.tmp"))  # written whole, then renamed


def test_mail_urls_are_parsed_and_a_foreign_one_is_refused_without_echoing_it() -> None:
    starttls = SmtpTransport.from_url("smtp+starttls://me%40example.com:p%40ss@mail.example.com")
    tls = SmtpTransport.from_url("smtps://mail.example.com")
    plain = SmtpTransport.from_url("smtp://127.0.0.1:2525")

    with pytest.raises(ValidationError) as refused:
        Settings(mail_url="https://user:hunter2-secret@mail.example.com")

    assert (starttls.host, starttls.port, starttls.security) == (
        "mail.example.com",
        587,
        "starttls",
    )
    assert (starttls.username, starttls.password) == ("me@example.com", "p@ss")
    assert (tls.port, tls.security, tls.username) == (465, "tls", None)
    assert (plain.port, plain.security) == (2525, "none")
    assert "mail_url" in str(refused.value)
    assert "hunter2-secret" not in str(refused.value)
    assert Settings(mail_url="").mail_url is None


def test_the_mail_directory_defaults_under_the_data_directory(tmp_path: Path) -> None:
    from servicekit.settings import SharedSettings

    default = Settings(shared=SharedSettings(data_dir=tmp_path))
    chosen = Settings(shared=SharedSettings(data_dir=tmp_path), mail_dir=tmp_path / "elsewhere")

    assert default.mail_directory == tmp_path / "mail"
    assert chosen.mail_directory == tmp_path / "elsewhere"


async def test_a_mail_directory_that_cannot_be_written_never_fails_a_sign_up(
    make_gateway: GatewayFactory, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the directory should be")
    async with make_gateway(mail_dir=blocked) as gw:
        started = await gw.client.post(
            "/api/v1/auth/signup",
            json={"workspace_name": "W", "email": "ada@example.com", "password": PASSWORD},
        )

    assert started.status_code == 202
