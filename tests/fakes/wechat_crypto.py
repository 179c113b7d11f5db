"""The fake's own WeChat message encryption, written apart from channel-svc's
(`channel_svc.kit.wxcrypt`) from the platform's documentation, so that a mistake in one
shows as a failure against the other rather than agreeing with itself.

AES-256-CBC, key = base64(EncodingAESKey + "="), IV = key[:16]; plaintext = 16 random
bytes + length (4 bytes, big-endian) + message + appid, PKCS#7-padded to 32 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _cipher(encoding_aes_key: str) -> Cipher[modes.CBC]:
    key = base64.b64decode(encoding_aes_key + "=")
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def seal(message: str, encoding_aes_key: str, appid: str) -> str:
    text = message.encode()
    plain = secrets.token_bytes(16) + len(text).to_bytes(4, "big") + text + appid.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad] * pad)
    encryptor = _cipher(encoding_aes_key).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def unseal(encrypted: str, encoding_aes_key: str, appid: str) -> str:
    decryptor = _cipher(encoding_aes_key).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    plain = plain[: -plain[-1]]
    length = int.from_bytes(plain[16:20], "big")
    if plain[20 + length :].decode() != appid:
        raise ValueError("the reply was sealed for another appid")
    return plain[20 : 20 + length].decode()
