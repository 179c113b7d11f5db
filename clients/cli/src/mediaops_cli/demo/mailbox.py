"""Reading the mail the gateway writes into a directory (its default without an SMTP server):
one RFC 822 `.eml` file per message, named so that the newest sorts last, its template named
in the `X-Mediaops-Mail` header. As a person reads their inbox: this is no call to the
gateway, and imports nothing of it."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

SUFFIX = ".eml"
KIND_HEADER = "X-Mediaops-Mail"
# The templates the seed tells apart: a confirmation link, or word that the address has an
# account already.
CONFIRMATION = "signup-confirmation"
ACCOUNT_EXISTS = "signup-account-exists"
SIGNUP_TOKEN = re.compile(r"msu_[A-Za-z0-9_-]{20,}")


def message_names(directory: Path) -> list[str]:
    """The names of the messages in `directory`, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(SUFFIX))


def newest_message(directory: Path, to: str, *, after: str = "") -> EmailMessage | None:
    """The newest message to `to` (case-insensitive) whose name sorts after `after`."""
    wanted = to.strip().lower()
    for name in reversed(message_names(directory)):
        if name <= after:
            break
        with (directory / name).open("rb") as file:
            message = BytesParser(policy=policy.default).parse(file)
        assert isinstance(message, EmailMessage)
        if str(message.get("To", "")).strip().lower() == wanted:
            return message
    return None


def kind_of(message: EmailMessage) -> str:
    return str(message.get(KIND_HEADER, ""))


def signup_token(message: EmailMessage) -> str | None:
    """The confirmation token a sign-up mail carries (None in any other mail)."""
    if kind_of(message) != CONFIRMATION:
        return None
    part = message.get_body(preferencelist=("plain",))
    text = str(part.get_content()) if isinstance(part, EmailMessage) else ""
    found = SIGNUP_TOKEN.search(text)
    return found.group(0) if found else None
