"""Where media files are kept, behind one interface: `put`, `get`, `delete` and a
time-limited `url`.

`LocalMediaStorage` keeps them in a directory (`make run`, a single machine); its URLs
point at content-svc's own `/api/v1/media/{id}/file`, HMAC-signed with an expiry, so the
signature is the access. `S3MediaStorage` keeps them in an S3-compatible bucket (AWS S3,
MinIO) and hands out presigned URLs. boto3 blocks, so its calls run in a thread.

Keys are `<workspace>/<media id>/<variant>` (variant: `original` or `thumbnail`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

import boto3
from boto3.session import Config  # botocore's, as boto3 hands it on

from content_svc.settings import Settings

VARIANTS = ("original", "thumbnail")


class MissingFile(Exception):
    """The store has no file under the key."""


def media_key(workspace_id: str, media_id: str, variant: str) -> str:
    return f"{workspace_id}/{media_id}/{variant}"


class MediaStorage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes:
        """The file's bytes; MissingFile when there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the file; a missing one is no error."""
        ...

    def url(self, key: str, *, expires_in: int, content_type: str) -> str: ...


class LocalMediaStorage:
    def __init__(self, root: Path, *, secret: bytes, public_url: str) -> None:
        self.root = root
        self.secret = secret
        self.public_url = public_url.rstrip("/")

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"not a media key: {key!r}")
        return self.root.joinpath(*parts)

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then renamed: a reader never sees half a file.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError as exc:
            raise MissingFile(key) from exc

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    def signature(self, key: str, expires: int) -> str:
        message = f"{key}\n{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def verify(self, key: str, expires: int, signature: str, *, now: float | None = None) -> bool:
        """The signature is ours for this key and expiry, and the expiry has not passed."""
        current = time.time() if now is None else now
        return expires > current and hmac.compare_digest(self.signature(key, expires), signature)

    def url(self, key: str, *, expires_in: int, content_type: str) -> str:
        _, media_id, variant = key.split("/")
        expires = int(time.time()) + expires_in
        query = urlencode(
            {"variant": variant, "expires": expires, "signature": self.signature(key, expires)}
        )
        return f"{self.public_url}/api/v1/media/{media_id}/file?{query}"


class S3MediaStorage:
    def __init__(self, client: Any, bucket: str, *, signer: Any = None) -> None:
        self.client = client
        self.bucket = bucket
        # Signs URLs for the address browsers use; a signature is bound to its host, so
        # one made for an internal endpoint (minio:9000) would not do behind a proxy.
        self.signer = signer or client

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
        )

    async def get(self, key: str) -> bytes:
        try:
            answer = await asyncio.to_thread(self.client.get_object, Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey as exc:
            raise MissingFile(key) from exc
        body: bytes = await asyncio.to_thread(answer["Body"].read)
        return body

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=key)

    def url(self, key: str, *, expires_in: int, content_type: str) -> str:
        url: str = self.signer.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": key, "ResponseContentType": content_type},
            ExpiresIn=expires_in,
        )
        return url


def build_storage(settings: Settings) -> LocalMediaStorage | S3MediaStorage:
    """The S3 store when a bucket is set, the local directory otherwise."""
    if settings.media_s3_bucket:
        client = _s3_client(settings, settings.media_s3_endpoint_url)
        # Presigning makes no request: this client only ever signs.
        public = settings.media_s3_public_url
        signer = _s3_client(settings, public) if public else None
        return S3MediaStorage(client, settings.media_s3_bucket, signer=signer)
    return LocalMediaStorage(
        settings.media_directory,
        secret=settings.media_url_secret.get_secret_value().encode(),
        public_url=settings.shared.public_url,
    )


def _s3_client(settings: Settings, endpoint_url: str | None) -> Any:
    secret = settings.media_s3_secret_access_key
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=settings.media_s3_region,
        aws_access_key_id=settings.media_s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        # Path-style addressing: MinIO and most S3-compatible stores expect it.
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
