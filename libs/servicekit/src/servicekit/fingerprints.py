"""What makes two requests "the same request" for an `Idempotency-Key`: the method, the path,
the query and the body, the body judged by what it says rather than by accidents of its bytes.

- JSON is compared as data: key order and spacing do not matter (the body is small; it is
  parsed once more when the whole of it has passed).
- `multipart/form-data` is compared part by part (each part's headers and content), never by
  its boundary, which clients draw at random for every send: a retried upload is the same
  request. The parts are hashed as they stream past, so a large file is read once.
- Anything else (CSV, plain text) is compared byte for byte, hashed as it streams.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header


def fingerprint(document: Any) -> str:
    """The SHA-256 of `document` as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Parts:
    """Hashes a multipart body part by part (headers and content), boundary left out."""

    def __init__(self, boundary: bytes, digest: Any) -> None:
        def add(marker: bytes) -> Any:
            return lambda: digest.update(marker)

        def add_bytes(data: bytes, start: int, end: int) -> None:
            digest.update(data[start:end])

        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": add(b"\x00part\x00"),
                "on_header_field": add_bytes,
                "on_header_value": add_bytes,
                "on_header_end": add(b"\x00header\x00"),
                "on_headers_finished": add(b"\x00content\x00"),
                "on_part_data": add_bytes,
                "on_part_end": add(b"\x00end\x00"),
            },
        )

    def feed(self, chunk: bytes) -> None:
        self.parser.write(chunk)


class BodyFingerprint:
    """The fingerprint of one request, fed its body a chunk at a time (`feed`), read with
    `hexdigest` once the body has passed."""

    def __init__(self, method: str, path: str, query: bytes, content_type: str) -> None:
        media_type, options = parse_options_header(content_type)
        self.media_type = media_type.decode("latin-1").lower()
        self.head = b"\x00".join([method.encode(), path.encode(), query, media_type.lower(), b""])
        self.raw = hashlib.sha256()
        self.is_json = self.media_type == "application/json" or self.media_type.endswith("+json")
        self.json_chunks: list[bytes] = []
        self.parts: _Parts | None = None
        self.parts_digest = hashlib.sha256()
        boundary = options.get(b"boundary")
        if self.media_type == "multipart/form-data" and boundary:
            self.parts = _Parts(boundary, self.parts_digest)

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.raw.update(chunk)
        if self.is_json:
            self.json_chunks.append(chunk)
        if self.parts is not None:
            try:
                self.parts.feed(chunk)
            except Exception:  # not well-formed multipart: judged by its bytes
                self.parts = None

    def _body_digest(self) -> bytes:
        if self.is_json:
            try:
                document = json.loads(b"".join(self.json_chunks))
            except ValueError:
                return self.raw.digest()
            return bytes.fromhex(fingerprint(document))
        if self.parts is not None:
            return self.parts_digest.digest()
        return self.raw.digest()

    def hexdigest(self) -> str:
        return hashlib.sha256(self.head + self._body_digest()).hexdigest()
