"""The gateway's signing keys: Ed25519 in PEM files, published as a JWKS.

The key ring holds the current key, which signs, and any previous keys, which are still
published so that tokens they signed verify until they expire. Rotation is: move
`current.pem` to `previous.pem`, restart; a new current key is made on start.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

CURRENT_FILE = "current.pem"
PREVIOUS_FILE = "previous.pem"


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

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in (self.current, *self.previous)]}

    @classmethod
    def load(cls, key_dir: Path) -> KeyRing:
        """Read the keys under `key_dir`, making the current one on first run."""
        key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        current = _load_or_create(key_dir / CURRENT_FILE)
        previous_path = key_dir / PREVIOUS_FILE
        previous = (_read(previous_path),) if previous_path.exists() else ()
        return cls(current=current, previous=previous)


def _read(path: Path) -> SigningKey:
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return SigningKey.from_private_key(private_key)


def _load_or_create(path: Path) -> SigningKey:
    if path.exists():
        return _read(path)
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
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
