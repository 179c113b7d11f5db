"""Secrets out of addresses before an address is written down anywhere.

An address can carry a secret: WeChat's `secret` and `access_token` and Weibo's
`access_token` in the query, a feed's token in the path (`/feeds/{token}.xml`, the
unguessable path is its only lock), the token of a mailed link (`?token=` on the gateway's
pages), a password in `user:password@`. Every place that records an address (trace spans
of incoming and outgoing HTTP, the access log, httpx's own request log) passes it through
`redact_url` (or `redact_path` / `redact_query` for a part), so the rule lives here once.

What is kept: everything else. Query parameters are recognised by name, not by value;
tracked links (`/l/{code}`) are public by design and stay readable.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

REDACTED = "REDACTED"

# Query parameter names that carry a secret, compared in lower case without '-', '_', '.'.
SECRET_PARAMETERS = frozenset(
    {
        "secret",
        "appsecret",
        "clientsecret",
        "accesstoken",
        "refreshtoken",
        "token",
        "code",
        "password",
        "passwd",
        "pwd",
        "key",
        "apikey",
        "appkey",
        "sign",
        "signature",
        "sig",
        "msgsignature",
        "ticket",
        "auth",
        "authorization",
        "credential",
        "credentials",
        "session",
        "sessionid",
        "jwt",
        "otp",
    }
)
# ... and any name ending like one of these (`id_token`, `client_secret`, `x-api-key`).
_SECRET_ENDINGS = ("token", "secret", "password", "signature", "apikey")

# Path segments that are secrets: a feed's token (also under /api/v1), its extension kept.
_SECRET_SEGMENTS = (re.compile(r"(/feeds/)[^/?#]+?(\.xml)?(?=[/?#]|$)"),)


def is_secret_parameter(name: str) -> bool:
    plain = re.sub(r"[-_.]", "", name.lower())
    return plain in SECRET_PARAMETERS or plain.endswith(_SECRET_ENDINGS)


def redact_path(path: str) -> str:
    """`path` with the segments that are secrets replaced."""
    for pattern in _SECRET_SEGMENTS:
        path = pattern.sub(rf"\g<1>{REDACTED}\g<2>", path)
    return path


def redact_query(query: str) -> str:
    """`query` with the value of every secret parameter replaced; the rest as it was."""
    if not query:
        return query
    pieces = []
    for piece in query.split("&"):
        name, equals, _ = piece.partition("=")
        if equals and is_secret_parameter(unquote_plus(name)):
            piece = f"{name}={REDACTED}"
        pieces.append(piece)
    return "&".join(pieces)


def redact_url(url: str) -> str:
    """`url` (absolute, or a path with its query) without the secrets it carries."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not an address at all: record nothing of it
        return REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}:{REDACTED}@{host}" if colon else f"{REDACTED}@{host}"
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            redact_path(parts.path),
            redact_query(parts.query),
            redact_query(parts.fragment),
        )
    )
