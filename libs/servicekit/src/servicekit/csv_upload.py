"""Taking a CSV file from an operator: the upload spooled as it streams, its encoding
detected, its rows read with the line each starts on.

Operators send what their spreadsheet or a Chinese platform's console saved: UTF-8 with or
without a BOM, or GB18030. The file arrives as the request body (`text/csv`) or as the
form field `file` of a `multipart/form-data` upload; it is spooled to disk past a few MiB,
never held whole, and refused (413) past the caller's size limit. A file that is not CSV
or not in one of the encodings is a 422 naming it, never a 5xx.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import IO

from starlette.datastructures import UploadFile
from starlette.requests import Request

from servicekit.problems import FieldError, Invalid, TooLarge

CSV_REQUEST_BODY = {
    "requestBody": {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
        "required": True,
    }
}
"""`openapi_extra` of an endpoint taking a CSV file either way."""


class UnreadableCsv(Invalid):
    pass


async def upload_chunks(request: Request) -> AsyncIterator[bytes]:
    """The uploaded file's bytes, from a plain body or a form's `file` field."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return request.stream()
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise Invalid.field("file", "send the CSV file in the form field named 'file'")

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await upload.read(1 << 16):
            yield chunk

    return chunks()


async def spool_body(chunks: AsyncIterator[bytes], spool: IO[bytes], max_bytes: int) -> int:
    """Write the upload to `spool` (rewound after); past `max_bytes` a 413 naming the cap."""
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(
                f"The file is larger than {_size_text(max_bytes)}; split it.",
                errors=[FieldError(field="body", message="too large")],
            )
        spool.write(chunk)
    spool.seek(0)
    return size


def _size_text(size: int) -> str:
    if size >= 1 << 20:
        return f"{size // (1 << 20)} MiB"
    return f"{size:,} bytes"


def detect_encoding(spool: IO[bytes]) -> str:
    """utf-8-sig (BOM), utf-8, or gb18030 (what Chinese platforms export); one pass."""
    spool.seek(0)
    head = spool.read(3)
    if head == codecs.BOM_UTF8:
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        spool.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := spool.read(1 << 16):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        spool.seek(0)
        return encoding
    raise UnreadableCsv(
        "The file is neither UTF-8 (with or without BOM) nor GB18030; save it in one of them.",
        errors=[FieldError(field="body", message="unknown text encoding")],
    )


@contextmanager
def csv_rows(spool: IO[bytes]) -> Iterator[tuple[str, list[str], Iterator[tuple[int, list[str]]]]]:
    """The file's encoding, its header and its other rows with their line numbers, read as
    they are taken; an empty file or a header that is not CSV is a 422."""
    encoding = detect_encoding(spool)
    text = io.TextIOWrapper(spool, encoding=encoding, newline="")
    try:
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            raise UnreadableCsv(
                "The file is empty.", errors=[FieldError(field="body", message="empty")]
            ) from None
        except csv.Error as exc:
            raise UnreadableCsv(
                f"Line 1 is not CSV: {exc}", errors=[FieldError(field="line.1", message=str(exc))]
            ) from exc
        yield encoding, header, numbered_rows(reader)
    finally:
        text.detach()


def numbered_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Rows with the line each starts on; a malformed row is a 422 naming its line."""
    start = getattr(reader, "line_num", 0) + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UnreadableCsv(
                f"Line {start} is not CSV: {exc}",
                errors=[FieldError(field=f"line.{start}", message=str(exc))],
            ) from exc
        yield start, row
        start = getattr(reader, "line_num", 0) + 1
