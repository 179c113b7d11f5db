"""Reading a mail directory that `DirectoryTransport` writes: the tests and the benchmarks
read what the gateway mailed, as a person would read their inbox."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

SUFFIX = ".eml"


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
