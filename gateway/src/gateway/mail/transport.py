"""Outgoing mail: one `Mailer`, two ways to deliver, chosen by `GATEWAY_MAIL_URL`.

- SMTP (`smtp://user:password@host:25`; `smtp+starttls://…:587` upgrades the connection,
  `smtps://…:465` speaks TLS from the start), with the standard library, in a worker thread;
- a directory (the default, for the embedded stack and tests): each message is written as an
  RFC 822 `.eml` file whose name sorts by time, so the newest message is the last name.

A message is handed over only after the request's transaction commits: a rolled-back
request mails no one, and a mail that cannot be delivered never fails the request (it is
logged).
"""

from __future__ import annotations

import asyncio
import copy
import os
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import structlog
from servicekit.db import call_after_commit
from sqlalchemy.ext.asyncio import AsyncSession

log = structlog.get_logger(__name__)

SCHEMES = ("smtp", "smtp+starttls", "smtps")
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
# Says which template a message was made from; the tests and `mediaops seed-demo` read it.
KIND_HEADER = "X-Mediaops-Mail"
SUFFIX = ".eml"
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


class Mailer:
    """Composes plain-text messages and sends them once the transaction has committed."""

    def __init__(self, transport: Transport, sender: str) -> None:
        self.transport = transport
        self.sender = sender
        self._background: set[asyncio.Task[None]] = set()

    def compose(self, *, to: str, subject: str, body: str, kind: str) -> EmailMessage:
        message = EmailMessage(policy=policy.SMTP)
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain=_domain_of(self.sender))
        message[KIND_HEADER] = kind
        # 8bit: the text stays readable (and greppable) in a .eml file; a server without
        # 8BITMIME gets it in base64 instead.
        message.set_content(body, charset="utf-8", cte="8bit")
        return message

    def send_after_commit(self, session: AsyncSession, message: EmailMessage) -> None:
        call_after_commit(session, lambda: self._hand_over(message))

    def _hand_over(self, message: EmailMessage) -> None:
        if self.transport.inline:
            self._deliver(message)
            return
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(self._deliver, message))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _deliver(self, message: EmailMessage) -> None:
        try:
            self.transport.deliver(message)
        except Exception as exc:  # the request has committed: log, never fail it
            log.error(
                "mail_not_sent",
                kind=message.get(KIND_HEADER),
                to_domain=_domain_of(str(message["To"])),
                error=repr(exc),
            )

    async def drain(self) -> None:
        """Wait for the messages still being sent (at shutdown)."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)


def mailer_for(mail_url: str | None, mail_dir: Path, sender: str) -> Mailer:
    """SMTP when a URL is given, the directory otherwise."""
    if mail_url:
        return Mailer(SmtpTransport.from_url(mail_url), sender)
    return Mailer(DirectoryTransport(mail_dir), sender)


# --- reading a mail directory (tests, `mediaops seed-demo`) ---------------------------------


def message_names(directory: Path) -> list[str]:
    """The names of the messages in `directory`, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(SUFFIX))


def read_message(path: Path) -> EmailMessage:
    with path.open("rb") as file:
        message = BytesParser(policy=policy.default).parse(file)
    assert isinstance(message, EmailMessage)
    return message


def newest_message(directory: Path, to: str, *, after: str = "") -> EmailMessage | None:
    """The newest message to `to` (case-insensitive) whose name sorts after `after`."""
    wanted = to.strip().lower()
    for name in reversed(message_names(directory)):
        if name <= after:
            break
        message = read_message(directory / name)
        if str(message.get("To", "")).strip().lower() == wanted:
            return message
    return None


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    text = part.get_content() if isinstance(part, EmailMessage) else ""
    return str(text).replace("\r\n", "\n")


def _seven_bit(message: EmailMessage) -> EmailMessage:
    encoded = copy.deepcopy(message)
    encoded.set_content(text_of(message), charset="utf-8", cte="base64")
    return encoded


def _policy_for(message: EmailMessage) -> policy.EmailPolicy[EmailMessage]:
    # An address outside ASCII cannot be encoded in RFC 2047 words: such messages are
    # written as RFC 6532 (UTF-8 headers), the way an SMTPUTF8 server would receive them.
    to = str(message.get("To", ""))
    return policy.SMTP if to.isascii() else policy.SMTPUTF8


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip(" >") or "localhost"
