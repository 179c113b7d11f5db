"""WeChat's message encryption ("safe mode"), as the platform documents it.

The AES key is base64-decode(EncodingAESKey + "="): 43 characters give 32 bytes. A message
is sealed with AES-256-CBC, the IV being the key's first 16 bytes, PKCS#7-padded to
32-byte blocks (not AES's 16); the plaintext is 16 random bytes, the message's length as 4
bytes big-endian, the message, then the account's appid. The signature of an encrypted
message is the SHA-1 hex of token, timestamp, nonce and the ciphertext, sorted and joined;
the plain-mode signature is the same over token, timestamp and nonce.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32 bytes, whatever AES's own block size
AES_KEY_LENGTH = 43


class CryptoError(Exception):
    """A message that cannot be opened: bad base64, bad padding, or another account's."""


def signature(*parts: str) -> str:
    """SHA-1 hex of the parts, sorted and joined (WeChat's `signature`/`msg_signature`)."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_matches(expected: str, *parts: str) -> bool:
    return hmac.compare_digest(signature(*parts), expected.lower())


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte key of a 43-character EncodingAESKey (ValueError when it is not one)."""
    if len(encoding_aes_key) != AES_KEY_LENGTH:
        raise ValueError(f"an EncodingAESKey has {AES_KEY_LENGTH} characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("an EncodingAESKey is base64 (letters and digits)") from exc
    if len(key) != 32:
        raise ValueError("an EncodingAESKey decodes to 32 bytes")
    return key


class MessageCrypto:
    """Seals and opens one account's messages."""

    def __init__(self, encoding_aes_key: str, appid: str) -> None:
        self.key = aes_key(encoding_aes_key)
        self.appid = appid

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: str, *, random_prefix: bytes | None = None) -> str:
        body = message.encode("utf-8")
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        plain = prefix + struct.pack(">I", len(body)) + body + self.appid.encode("utf-8")
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        try:
            sealed = base64.b64decode(encrypted, validate=True)
        except binascii.Error as exc:
            raise CryptoError("the message is not base64") from exc
        if not sealed or len(sealed) % 16:
            raise CryptoError("the message is not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(sealed) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("the message's padding is wrong (another key?)")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise CryptoError("the message is too short")
        (length,) = struct.unpack(">I", plain[16:20])
        body, appid = plain[20 : 20 + length], plain[20 + length :]
        if len(body) != length:
            raise CryptoError("the message's length is wrong")
        if appid.decode("utf-8", "replace") != self.appid:
            raise CryptoError("the message is for another account (appid)")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CryptoError("the message is not UTF-8") from exc
