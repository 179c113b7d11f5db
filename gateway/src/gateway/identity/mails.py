"""The mails of signing up: "confirm your address", and "this address already has an account".

Plain text, Chinese then English. Neither repeats what the sender typed (the workspace
name): anyone can make the gateway mail any address, so the mail carries our words only.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

from gateway.mail import KIND_HEADER, Mailer, text_of

CONFIRMATION = "signup-confirmation"
ACCOUNT_EXISTS = "signup-account-exists"
SIGNUP_TOKEN_PREFIX = "msu_"
_TOKEN = re.compile(re.escape(SIGNUP_TOKEN_PREFIX) + r"[A-Za-z0-9_-]{20,}")


def confirm_url(public_url: str, token: str) -> str:
    """The frontend's page that posts the token to `POST /api/v1/auth/signup/confirm`."""
    return f"{public_url}/signup/confirm?token={token}"


def confirmation(
    mailer: Mailer, *, to: str, token: str, public_url: str, valid_for: timedelta
) -> EmailMessage:
    link = confirm_url(public_url, token)
    zh, en = _duration(valid_for)
    body = f"""你好！

有人（应该是你）用这个邮箱地址注册了 Mediaops。请在 {zh}内打开下面的链接确认，
确认之后才会创建你的工作区和账号：

    {link}

也可以在命令行中确认：

    mediaops confirm-signup {token}

如果不是你本人操作，请忽略这封邮件，不会创建任何账号。

---

Hello,

Someone (probably you) signed up for Mediaops with this address. Open the link below
within {en} to confirm it; your workspace and account are created only then:

    {link}

Or confirm from the command line:

    mediaops confirm-signup {token}

If this was not you, ignore this message: no account will be created.
"""
    return mailer.compose(
        to=to,
        subject="确认你的 Mediaops 注册 / Confirm your Mediaops sign-up",
        body=body,
        kind=CONFIRMATION,
    )


def account_exists(mailer: Mailer, *, to: str, public_url: str) -> EmailMessage:
    body = f"""你好！

有人（也许是你）刚刚尝试用这个邮箱地址注册 Mediaops。这个地址已经有账号了，
所以没有创建新的账号，你的账号也没有任何变化。

如果是你：请直接登录 {public_url}/login 。忘记了密码的话，请联系你的 Mediaops 管理员。
如果不是你：请忽略这封邮件。

---

Hello,

Someone (perhaps you) just tried to sign up for Mediaops with this address. It already
has an account, so no new account was created and nothing about yours changed.

If it was you: sign in at {public_url}/login instead. If you have forgotten your
password, ask your Mediaops administrator.
If it was not you: ignore this message.
"""
    return mailer.compose(
        to=to,
        subject="你已经有 Mediaops 账号了 / You already have a Mediaops account",
        body=body,
        kind=ACCOUNT_EXISTS,
    )


def kind_of(message: EmailMessage) -> str:
    return str(message.get(KIND_HEADER, ""))


def signup_token(message: EmailMessage) -> str | None:
    """The confirmation token a sign-up mail carries (None in any other mail)."""
    if kind_of(message) != CONFIRMATION:
        return None
    found = _TOKEN.search(text_of(message))
    return found.group(0) if found else None


def _duration(delta: timedelta) -> tuple[str, str]:
    seconds = int(delta.total_seconds())
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} 小时", f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} 分钟", f"{minutes} minute{'s' if minutes != 1 else ''}"
