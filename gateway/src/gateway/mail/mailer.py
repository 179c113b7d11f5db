"""Outgoing mail: one `Mailer` composes plain-text messages and hands them to a transport
(`gateway.mail.transport`) once the request's transaction commits: a rolled-back request
mails no one, and a mail that cannot be delivered never fails the request (it is logged).
"""

from __future__ import annotations

import asyncio
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import structlog
from servicekit.db import call_after_commit
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.mail.transport import DirectoryTransport, SmtpTransport, Transport

log = structlog.get_logger(__name__)

# Says which template a message was made from; the tests and `mediaops seed-demo` read it.
KIND_HEADER = "X-Mediaops-Mail"


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


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip(" >") or "localhost"
