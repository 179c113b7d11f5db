"""The mails of signing up ("confirm your address", "this address already has an account"),
of a forgotten password ("choose a new one", "yours was changed") and of an invitation.

Plain text, Chinese then English. None repeats what the sender typed (a workspace name):
anyone can make the gateway mail any address, by signing up or by inviting from a workspace
of their own, so the mail carries our words only. Every link stands alone on its line, so
that no mail client takes the punctuation around it for part of it; each opens a page the
gateway serves (`gateway.pages`).
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

from gateway.mail.mailbox import text_of
from gateway.mail.mailer import KIND_HEADER, Mailer

CONFIRMATION = "signup-confirmation"
ACCOUNT_EXISTS = "signup-account-exists"
PASSWORD_RESET = "password-reset"
PASSWORD_CHANGED = "password-changed"
INVITATION = "invitation"
# Every kind of mail the gateway sends.
KINDS = (CONFIRMATION, ACCOUNT_EXISTS, PASSWORD_RESET, PASSWORD_CHANGED, INVITATION)
SIGNUP_TOKEN_PREFIX = "msu_"
RESET_TOKEN_PREFIX = "mpr_"
INVITATION_TOKEN_PREFIX = "moi_"
_TOKENS = {
    CONFIRMATION: re.compile(re.escape(SIGNUP_TOKEN_PREFIX) + r"[A-Za-z0-9_-]{20,}"),
    PASSWORD_RESET: re.compile(re.escape(RESET_TOKEN_PREFIX) + r"[A-Za-z0-9_-]{20,}"),
    INVITATION: re.compile(re.escape(INVITATION_TOKEN_PREFIX) + r"[A-Za-z0-9_-]{20,}"),
}
# The roles in the invitee's words; the role itself comes from a fixed list, never a caller.
_ROLE_NAMES = {
    "owner": ("所有者", "an owner"),
    "editor": ("编辑", "an editor"),
    "reviewer": ("审核", "a reviewer"),
    "analyst": ("分析员", "an analyst"),
}


SUBJECTS = {
    CONFIRMATION: "确认你的 Mediaops 注册 / Confirm your Mediaops sign-up",
    ACCOUNT_EXISTS: "你已经有 Mediaops 账号了 / You already have a Mediaops account",
    PASSWORD_RESET: "重新设置 Mediaops 密码 / Reset your Mediaops password",
    PASSWORD_CHANGED: "你的 Mediaops 密码已更改 / Your Mediaops password was changed",
    INVITATION: "邀请你加入 Mediaops / You are invited to Mediaops",
}
# The page (`gateway.pages`) that the link of each kind of mail opens, and what it posts:
# the token to `POST /api/v1/auth/signup/confirm`; the token and a new password to
# `POST /api/v1/auth/password/reset`; the token, a password and a name to
# `POST /api/v1/auth/invitations/accept`.
PAGES = {
    CONFIRMATION: "/signup/confirm",
    PASSWORD_RESET: "/password/reset",
    INVITATION: "/invitations/accept",
}


def page_link(public_url: str, kind: str, token: str, valid_for: timedelta) -> tuple[str, str, str]:
    """The link a mail of `kind` carries (its page, with the token), and how long it works,
    in Chinese and in English."""
    return (f"{public_url}{PAGES[kind]}?token={token}", *_duration(valid_for))


def forgot_url(public_url: str) -> str:
    """The page that posts an address to `POST /api/v1/auth/password/forgot`."""
    return f"{public_url}/password/forgot"


def confirmation(
    mailer: Mailer, *, to: str, token: str, public_url: str, valid_for: timedelta
) -> EmailMessage:
    link, zh, en = page_link(public_url, CONFIRMATION, token, valid_for)
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
    return _compose(mailer, to, CONFIRMATION, body)


def account_exists(mailer: Mailer, *, to: str, public_url: str) -> EmailMessage:
    forgot = forgot_url(public_url)
    body = f"""你好！

有人（也许是你）刚刚尝试用这个邮箱地址注册 Mediaops。这个地址已经有账号了，
所以没有创建新的账号，你的账号也没有任何变化。

如果是你：请直接在你的团队使用 Mediaops 的地方登录（或在命令行运行 mediaops login）。
忘记了密码的话，可以在这里重新设置（或在命令行运行 mediaops forgot-password）：

    {forgot}

如果不是你：请忽略这封邮件。

---

Hello,

Someone (perhaps you) just tried to sign up for Mediaops with this address. It already
has an account, so no new account was created and nothing about yours changed.

If it was you: sign in where your team uses Mediaops instead (or run mediaops login).
If you have forgotten your password, choose a new one here (or run
mediaops forgot-password):

    {forgot}

If it was not you: ignore this message.
"""
    return _compose(mailer, to, ACCOUNT_EXISTS, body)


def password_reset(
    mailer: Mailer, *, to: str, token: str, public_url: str, valid_for: timedelta
) -> EmailMessage:
    link, zh, en = page_link(public_url, PASSWORD_RESET, token, valid_for)
    body = f"""你好！

有人（应该是你）请求重新设置这个 Mediaops 账号的密码。请在 {zh}内打开下面的链接
设置新密码；链接只能使用一次：

    {link}

也可以在命令行中设置：

    mediaops reset-password {token}

设置新密码之后，所有已登录的设备都需要重新登录。
如果不是你本人操作，请忽略这封邮件，你的密码不会改变。

---

Hello,

Someone (probably you) asked to reset the password of this Mediaops account. Open the
link below within {en} to choose a new one; it works once:

    {link}

Or from the command line:

    mediaops reset-password {token}

Once the new password is set, every device signed in must sign in again.
If this was not you, ignore this message: your password stays as it is.
"""
    return _compose(mailer, to, PASSWORD_RESET, body)


def password_changed(mailer: Mailer, *, to: str, public_url: str) -> EmailMessage:
    forgot = forgot_url(public_url)
    body = f"""你好！

你的 Mediaops 账号密码刚刚通过邮件链接重新设置了，所有设备都已退出登录。

如果是你：在你的团队使用 Mediaops 的地方用新密码登录即可（或在命令行运行
mediaops login）。
如果不是你：请立即在这里再次重新设置密码，并联系你的 Mediaops 管理员，有人可能能读到
你的邮件：

    {forgot}

---

Hello,

The password of your Mediaops account was just reset through a mailed link, and every
device was signed out.

If it was you: sign in with the new password where your team uses Mediaops (or run
mediaops login).
If it was not you: reset it again at once, here, and tell your Mediaops administrator;
someone may be able to read your mail:

    {forgot}
"""
    return _compose(mailer, to, PASSWORD_CHANGED, body)


def invitation(
    mailer: Mailer, *, to: str, token: str, role: str, public_url: str, valid_for: timedelta
) -> EmailMessage:
    link, zh, en = page_link(public_url, INVITATION, token, valid_for)
    role_zh, role_en = _ROLE_NAMES.get(role, (role, role))
    body = f"""你好！

有人邀请你以「{role_zh}」的身份加入一个 Mediaops 工作区。请在 {zh}内打开下面的链接，
设置你的密码即可加入；链接只能使用一次：

    {link}

如果你没有想到会收到这个邀请，请忽略这封邮件，不会创建任何账号。

---

Hello,

You are invited to join a Mediaops workspace as {role_en}. Open the link below within
{en} and choose a password to join; it works once:

    {link}

If you did not expect this invitation, ignore this message: no account will be created.
"""
    return _compose(mailer, to, INVITATION, body)


def _compose(mailer: Mailer, to: str, kind: str, body: str) -> EmailMessage:
    return mailer.compose(to=to, subject=SUBJECTS[kind], body=body, kind=kind)


def kind_of(message: EmailMessage) -> str:
    return str(message.get(KIND_HEADER, ""))


def signup_token(message: EmailMessage) -> str | None:
    """The confirmation token a sign-up mail carries (None in any other mail)."""
    return _token(message, CONFIRMATION)


def reset_token(message: EmailMessage) -> str | None:
    """The token a password-reset mail carries (None in any other mail)."""
    return _token(message, PASSWORD_RESET)


def invitation_token(message: EmailMessage) -> str | None:
    """The token an invitation mail carries (None in any other mail)."""
    return _token(message, INVITATION)


def _token(message: EmailMessage, kind: str) -> str | None:
    if kind_of(message) != kind:
        return None
    found = _TOKENS[kind].search(text_of(message))
    return found.group(0) if found else None


def _duration(delta: timedelta) -> tuple[str, str]:
    seconds = int(delta.total_seconds())
    if seconds % 86_400 == 0 and seconds >= 2 * 86_400:  # "7 days", but "24 hours"
        days = seconds // 86_400
        return f"{days} 天", f"{days} days"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} 小时", f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} 分钟", f"{minutes} minute{'s' if minutes != 1 else ''}"
