"""A mail server for the tests: speaks enough SMTP (RFC 5321, with AUTH PLAIN, and 8BITMIME
when asked to) for `smtplib`, keeps what it receives, and runs in the test's event loop."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    mail_options: list[str]
    raw: bytes


@dataclass
class FakeSmtp:
    eight_bit: bool = True
    port: int = 0
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (user, password)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self, count: int = 1, timeout: float = 10.0) -> list[Received]:
        async def enough() -> None:
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), timeout)
        return self.received

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")

        reply("220 fake-smtp ESMTP")
        sender = ""
        recipients: list[str] = []
        options: list[str] = []
        while raw := await reader.readline():
            command, _, argument = raw.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            verb = command.upper()
            if verb == "EHLO":
                reply("250-fake-smtp")
                if self.eight_bit:
                    reply("250-8BITMIME")
                reply("250 AUTH PLAIN")
            elif verb == "AUTH":
                _, user, password = base64.b64decode(argument.split()[1]).decode().split("\0")
                self.logins.append((user, password))
                reply("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                sender, *options = argument.split(":", 1)[1].split()
                sender, recipients = sender.strip("<>"), []
                reply("250 OK")
            elif verb == "RCPT":
                recipients.append(argument.split(":", 1)[1].strip().strip("<>"))
                reply("250 OK")
            elif verb == "DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                await writer.drain()
                lines = []
                while (line := await reader.readline()) not in (b".\r\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                raw = b"".join(lines)
                parsed = BytesParser(policy=policy.default).parsebytes(raw)
                assert isinstance(parsed, EmailMessage)
                self.received.append(Received(sender, recipients, parsed, options, raw))
                self.arrived.set()
                reply("250 OK: queued")
            elif verb == "QUIT":
                reply("221 Bye")
                await writer.drain()
                break
            else:  # HELO, RSET, NOOP
                reply("250 OK")
            await writer.drain()
        writer.close()


@asynccontextmanager
async def running_smtp(*, eight_bit: bool = True) -> AsyncIterator[FakeSmtp]:
    fake = FakeSmtp(eight_bit=eight_bit)
    server = await asyncio.start_server(fake._session, "127.0.0.1", 0)
    fake.port = server.sockets[0].getsockname()[1]
    async with server:
        yield fake
