"""How a message leaves: two transports, chosen by `GATEWAY_MAIL_URL` (`gateway.mail.mailer`).

- SMTP (`smtp://user:password@host:25`; `smtp+starttls://…:587` upgrades the connection,
  `smtps://…:465` speaks TLS from the start), with the standard library, in a worker thread;
- a directory (the default, for the embedded stack and tests): each message is written as an
  RFC 822 `.eml` file whose name sorts by time, so the newest message is the last name
  (`gateway.mail.mailbox` reads them).
"""

from __future__ import annotations

import copy
import os
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from gateway.mail.mailbox import SUFFIX, text_of

SCHEMES = ("smtp", "smtp+starttls", "smtps")
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
SMTP_TIMEOUT_SECONDS = 30.0


class Transport(Protocol):
    """Delivers one message; blocking. `inline` transports run in the request's task."""

    @property
    def inline(self) -> bool: ...

    def deliver(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class DirectoryTransport:
    """Writes each message into `directory` as `<UTC time>-<random>.eml`."""

    directory: Path
    # A local file takes microseconds to write; written before the answer leaves, it can be
    # read by whoever got the answer (the tests, `mediaops seed-demo`).
    inline: bool = True

    def deliver(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:12]}{SUFFIX}"
        temporary = self.directory / f".{name}.tmp"
        temporary.write_bytes(message.as_bytes(policy=_policy_for(message)))
        os.replace(temporary, self.directory / name)  # readers never see half a message


@dataclass(frozen=True)
class SmtpTransport:
    """One SMTP conversation per message (sign-up mail is rare)."""

    host: str
    port: int
    security: str  # "none", "starttls" or "tls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # A remote server may take seconds: never on the request's path.
    inline: bool = False

    @classmethod
    def from_url(cls, url: str) -> SmtpTransport:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ValueError(
                f"a mail URL looks like smtp://user:password@host:port "
                f"(schemes: {', '.join(SCHEMES)}); got {parts.scheme or '?'}://…"
            )
        security = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "tls"}[parts.scheme]
        return cls(
            host=parts.hostname,
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def deliver(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(
                self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.ehlo_or_helo_if_needed()
            if not smtp.has_extn("8bitmime"):
                smtp.send_message(_seven_bit(message))
            elif str(message["To"]).isascii():
                smtp.send_message(message, mail_options=["BODY=8BITMIME"])
            else:  # smtplib declares SMTPUTF8 and 8BITMIME itself
                smtp.send_message(message)


def _seven_bit(message: EmailMessage) -> EmailMessage:
    encoded = copy.deepcopy(message)
    encoded.set_content(text_of(message), charset="utf-8", cte="base64")
    return encoded


def _policy_for(message: EmailMessage) -> policy.EmailPolicy[EmailMessage]:
    # An address outside ASCII cannot be encoded in RFC 2047 words: such messages are
    # written as RFC 6532 (UTF-8 headers), the way an SMTPUTF8 server would receive them.
    to = str(message.get("To", ""))
    return policy.SMTP if to.isascii() else policy.SMTPUTF8
