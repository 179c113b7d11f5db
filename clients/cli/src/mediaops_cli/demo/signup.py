"""Signing up the demo workspace: confirmed with the token the gateway mailed, read from
the directory the gateway writes its mail into (`gateway.mail`'s directory transport)."""

from __future__ import annotations

import time
from email.message import EmailMessage
from pathlib import Path

from mediaops_cli.client import Client
from mediaops_cli.demo.mailbox import (
    ACCOUNT_EXISTS,
    kind_of,
    message_names,
    newest_message,
    signup_token,
)

MAIL_WAIT_SECONDS = 10.0


class MailNotFound(Exception):
    """The sign-up's mail did not show up in the mail directory."""


def sign_up(
    client: Client, email: str, password: str, workspace: str, mail_dir: Path
) -> tuple[str, str]:
    """Sign up a new workspace, confirm it with the token the gateway mailed (read from its
    mail directory), and sign in. When the address has an account already (an earlier demo:
    the mail says so), `local+2@domain` and "workspace 2" are tried, and so on.
    Returns (email, workspace)."""
    local, _, domain = email.partition("@")
    for n in range(1, 100):
        address = email if n == 1 else f"{local}+{n}@{domain}"
        name = workspace if n == 1 else f"{workspace} {n}"
        names = message_names(mail_dir)
        mark = names[-1] if names else ""
        client.json(
            "POST",
            "/api/v1/auth/signup",
            auth=False,
            ok=(202,),
            json={"workspace_name": name, "email": address, "password": password},
        )
        message = _mail_to(mail_dir, address, after=mark)
        if kind_of(message) == ACCOUNT_EXISTS:
            continue
        token = signup_token(message)
        if token is None:
            raise MailNotFound(f"the newest mail to {address} in {mail_dir} has no sign-up token")
        client.json("POST", "/api/v1/auth/signup/confirm", auth=False, json={"token": token})
        client.login(address, password)
        return address, name
    raise RuntimeError(f"{email} and its 99 variants are all taken; pass another --email")


def _mail_to(mail_dir: Path, address: str, *, after: str) -> EmailMessage:
    # The directory backend writes before the gateway answers; the wait covers a gateway
    # on a slow disk.
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while (message := newest_message(mail_dir, address, after=after)) is None:
        if time.monotonic() > deadline:
            raise MailNotFound(
                f"no mail to {address} arrived in {mail_dir}. Is the gateway writing its mail "
                "there (GATEWAY_MAIL_DIR, or MEDIAOPS_DATA_DIR/mail) rather than sending it "
                "(GATEWAY_MAIL_URL)? Pass --mail-dir, or sign up and confirm by hand "
                "(mediaops signup, then mediaops confirm-signup TOKEN)."
            )
        time.sleep(0.1)
    return message
