"""Opaque tokens (sign-up, password reset, invitation, refresh, API key): made with a prefix
that says what they are, and stored only as a digest."""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str) -> str:
    """`prefix` and 256 random bits, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """Secrets with 256 bits of entropy need no slow hash: SHA-256 is enough to store."""
    return hashlib.sha256(secret.encode()).hexdigest()
