"""The gateway's token signing keys: Ed25519 in PEM files, published as a JWKS. (API keys,
which internal systems send, are `gateway.apikeys`.)

The key ring holds the current key, which signs; the previous key, still published so that
tokens it signed verify until they expire; and the next key, published before it signs
anything, so that a service that fetched the JWKS at any time since the last rotation
already knows the key of tomorrow's tokens (servicekit refreshes on an unknown key id at
most every few seconds; pre-publication closes that gap). Services also fetch the JWKS
again when its `max-age` (60 s) runs out, so a key taken out of the ring (a compromised
`previous.pem` deleted) stops verifying everywhere within a minute.

`rotate(key_dir)` (`mediaops-admin rotate-keys`): previous <- current <- next <-
a new key. A running gateway notices the change of files within a second (`KeyStore`) and
signs with the new key; services need no restart.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

CURRENT_FILE = "current.pem"
PREVIOUS_FILE = "previous.pem"
NEXT_FILE = "next.pem"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @classmethod
    def from_private_key(cls, private_key: Ed25519PrivateKey) -> SigningKey:
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return cls(kid=hashlib.sha256(raw).hexdigest()[:16], private_key=private_key)

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = jwt.algorithms.OKPAlgorithm.to_jwk(
            self.private_key.public_key(), as_dict=True
        )
        return {**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm="EdDSA", headers={"kid": self.kid})


@dataclass(frozen=True)
class KeyRing:
    current: SigningKey
    previous: tuple[SigningKey, ...] = ()
    next: SigningKey | None = None

    def jwks(self) -> dict[str, Any]:
        keys = (self.current, *self.previous, *((self.next,) if self.next else ()))
        return {"keys": [key.public_jwk() for key in keys]}

    @classmethod
    def load(cls, key_dir: Path, *, prepublish: bool = True) -> KeyRing:
        """Read the keys under `key_dir`, making the current (and next) one on first run."""
        key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        current = _load_or_create(key_dir / CURRENT_FILE)
        previous_path = key_dir / PREVIOUS_FILE
        previous = (_read(previous_path),) if previous_path.exists() else ()
        upcoming = _load_or_create(key_dir / NEXT_FILE) if prepublish else None
        if upcoming is None and (key_dir / NEXT_FILE).exists():
            upcoming = _read(key_dir / NEXT_FILE)
        return cls(current=current, previous=previous, next=upcoming)


def rotate(key_dir: Path) -> KeyRing:
    """previous <- current <- next <- a new key. Each file is replaced atomically, so a
    reader never finds the current key missing (and never makes a stray one)."""
    ring = KeyRing.load(key_dir)
    assert ring.next is not None
    _write(key_dir / PREVIOUS_FILE, _pem(ring.current.private_key))
    _write(key_dir / CURRENT_FILE, _pem(ring.next.private_key))
    _write(key_dir / NEXT_FILE, _pem(Ed25519PrivateKey.generate()))
    return KeyRing.load(key_dir)


class KeyStore:
    """The key ring of a running gateway, re-read when the files change (checked at most
    once per `check_seconds`), so that a rotation takes effect without a restart."""

    def __init__(self, key_dir: Path, *, check_seconds: float = 1.0) -> None:
        self.key_dir = key_dir
        self.check_seconds = check_seconds
        self._ring = KeyRing.load(key_dir)
        self._stamp = self._files_stamp()
        self._checked_at = time.monotonic()

    def _files_stamp(self) -> tuple[int, ...]:
        stamps = []
        for name in (CURRENT_FILE, PREVIOUS_FILE, NEXT_FILE):
            try:
                stamps.append((self.key_dir / name).stat().st_mtime_ns)
            except FileNotFoundError:
                stamps.append(0)
        return tuple(stamps)

    def ring(self) -> KeyRing:
        now = time.monotonic()
        if now - self._checked_at >= self.check_seconds:
            self._checked_at = now
            self.reload_if_changed()
        return self._ring

    def reload_if_changed(self) -> bool:
        stamp = self._files_stamp()
        if stamp == self._stamp:
            return False
        self._ring = KeyRing.load(self.key_dir)
        self._stamp = self._files_stamp()
        return True


def _read(path: Path) -> SigningKey:
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return SigningKey.from_private_key(private_key)


def _pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(path: Path, pem: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    os.replace(temporary, path)


def _load_or_create(path: Path) -> SigningKey:
    if path.exists():
        return _read(path)
    private_key = Ed25519PrivateKey.generate()
    pem = _pem(private_key)
    # Write a private temporary file, then link it into place: the link fails when another
    # process got there first, and nobody ever reads a half-written key.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
        os.link(temporary, path)
    except FileExistsError:
        return _read(path)
    finally:
        temporary.unlink(missing_ok=True)
    return SigningKey.from_private_key(private_key)
