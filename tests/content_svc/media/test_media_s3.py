"""The media library on an S3-compatible store: moto's S3 server over real HTTP, started
in this process (MinIO speaks the same API); presigned URLs fetched as a browser would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from content_svc.media.service import Library
from content_svc.media.storage import S3MediaStorage, build_storage
from content_svc.settings import Settings
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import Workspace
from tests.content_svc.media.conftest import MEDIA, Uploader
from tests.content_svc.media.files import image_bytes

BUCKET = "mediaops-media"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # moto[server] is a dev dependency; say so if it is missing
        pytest.skip(f"moto's S3 server is not installed: {exc}")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        server.start()
    except OSError as exc:
        pytest.skip(f"moto's S3 server could not start: {exc}")
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_library(runtime: ServiceRuntime, s3_endpoint: str) -> Iterator[S3MediaStorage]:
    """Point the runtime's media library at a fresh bucket of the S3 server."""
    settings: Any = runtime.settings
    s3_settings = Settings(
        database_url=settings.database_url,
        shared=settings.shared,
        media_s3_bucket=BUCKET,
        media_s3_endpoint_url=s3_endpoint,
        media_s3_access_key_id="test",
        media_s3_secret_access_key="test-secret",
    )
    storage = build_storage(s3_settings)
    assert isinstance(storage, S3MediaStorage)
    storage.client.create_bucket(Bucket=BUCKET)
    runtime.media = Library.from_settings(s3_settings, storage)  # type: ignore[attr-defined]
    yield storage
    for found in storage.client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        storage.client.delete_object(Bucket=BUCKET, Key=found["Key"])
    storage.client.delete_bucket(Bucket=BUCKET)


def _keys(storage: S3MediaStorage) -> list[str]:
    listed = storage.client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return sorted(found["Key"] for found in listed)


async def test_files_go_to_the_bucket_and_come_back_by_presigned_urls(
    client: httpx.AsyncClient, upload: Uploader, workspace: Workspace, s3_library: S3MediaStorage
) -> None:
    data = image_bytes("PNG", (400, 300))
    response = await upload(data, "banner.png")
    assert response.status_code == 201, response.text
    item = response.json()
    assert _keys(s3_library) == [
        f"{workspace.id}/{item['id']}/original",
        f"{workspace.id}/{item['id']}/thumbnail",
    ]
    assert "X-Amz-Signature" in item["url"]
    async with httpx.AsyncClient() as browser:
        original = await browser.get(item["url"])
        thumbnail = await browser.get(item["thumbnail_url"])
    assert (original.status_code, original.content) == (200, data)
    assert original.headers["content-type"] == "image/png"
    assert (thumbnail.status_code, thumbnail.headers["content-type"]) == (200, "image/jpeg")

    bad = await upload(b"not an image at all", "fake.png")
    assert bad.status_code == 415
    assert len(_keys(s3_library)) == 2

    deleted = await client.delete(f"{MEDIA}/{item['id']}", headers=workspace.headers())
    assert deleted.status_code == 204
    assert _keys(s3_library) == []


async def test_links_are_signed_for_the_public_address_when_one_is_set(s3_endpoint: str) -> None:
    # content-svc reaches the store at one address (http://minio:9000 in compose), browsers
    # at another (the proxy in front): the links name the second, and open there.
    public = s3_endpoint.replace("127.0.0.1", "localhost")
    settings = Settings(
        media_s3_bucket="mediaops-public",
        media_s3_endpoint_url=s3_endpoint,
        media_s3_public_url=f"{public}/",
        media_s3_access_key_id="test",
        media_s3_secret_access_key="test-secret",
    )
    storage = build_storage(settings)
    assert isinstance(storage, S3MediaStorage)
    storage.client.create_bucket(Bucket="mediaops-public")
    data = image_bytes("PNG", (40, 30))
    await storage.put("w/m/original", data, "image/png")

    url = storage.url("w/m/original", expires_in=600, content_type="image/png")

    assert url.startswith(f"{public}/mediaops-public/w/m/original?")
    assert "X-Amz-Signature" in url
    async with httpx.AsyncClient() as browser:
        fetched = await browser.get(url)
    assert (fetched.status_code, fetched.content) == (200, data)
    assert fetched.headers["content-type"] == "image/png"
    # Files still travel over the internal address.
    assert storage.client.meta.endpoint_url == s3_endpoint
    await storage.delete("w/m/original")
    storage.client.delete_bucket(Bucket="mediaops-public")
