"""Form bodies parsed with the standard library (python-multipart is not a dependency)."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs

from starlette.requests import Request


async def urlencoded(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", errors="replace")
    return {key: values[-1] for key, values in parse_qs(body, keep_blank_values=True).items()}


async def files(request: Request) -> dict[str, tuple[str, bytes, str]]:
    """multipart/form-data file parts by field name: (filename, bytes, content type)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return {}
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + await request.body()
    message = BytesParser(policy=HTTP).parsebytes(raw)
    found: dict[str, tuple[str, bytes, str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            filename = part.get_filename() or ""
            found[name] = (filename, payload, part.get_content_type())
    return found
