"""A manual hand-off package is a zip: the post as the platform takes it (its variant
there) and the media files in the post's order, each checked against its reference."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
import uuid
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from channel_svc.distributions import packages
from channel_svc.runtime import ChannelRuntime
from event_contracts import MediaReference, PostVariantV1

from tests.channel_svc.conftest import published
from tests.channel_svc.distributions.test_manual import xhs_channel
from tests.channel_svc.helpers import apply, distribution_of
from tests.conftest import Signer
from tests.fakes.media_files import MediaFiles


async def test_a_package_holds_the_variant_and_the_media_in_order(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    signer: Signer,
    media_files: MediaFiles,
) -> None:
    cover, second = media_files.image("JPEG", "red"), media_files.image("PNG", "blue")
    channel_id = await xhs_channel(client, editor)
    variant = PostVariantV1(
        title="春日穿搭小红书版", body_markdown="三套穿搭", body_html="<p>三套穿搭</p>", tags=[]
    )
    event = published(
        workspace_id,
        [channel_id],
        title="春季新品发布会回顾：三套穿搭",
        cover_url="https://cdn.example.com/c.png",
        media=[cover, second],
        variants={channel_id: variant},
    )
    await apply(runtime, event)
    row = await distribution_of(client, editor, event.data["post_id"], channel_id)
    assert row["status"] == "awaiting_manual"

    response = await client.get(f"/api/v1/distributions/{row['id']}/package.zip", headers=editor)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert f"xiaohongshu-{event.data['post_id']}.zip" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert names[-2:] == ["media/01.jpg", "media/02.png"]
    assert archive.read("media/01.jpg") == media_files.files[cover.media_id][0]
    assert archive.read("media/02.png") == media_files.files[second.media_id][0]
    assert archive.read("title.txt").decode() == "春日穿搭小红书版"
    [body] = [name for name in names if name.startswith("body.")]
    assert archive.read(body).decode() == row["rendered"]["body"]
    assert "三套穿搭" in archive.read(body).decode()
    assert "20 characters" in archive.read("checklist.txt").decode()

    stranger = signer.headers(workspace_id=str(uuid.uuid4()), roles=("owner",))
    theirs = await client.get(f"/api/v1/distributions/{row['id']}/package.zip", headers=stranger)
    assert theirs.status_code == 404


async def test_a_package_whose_media_links_expired_is_refused_without_the_link(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    media_files: MediaFiles,
) -> None:
    medium = media_files.image("JPEG")
    channel_id = await xhs_channel(client, editor)
    event = published(
        workspace_id, [channel_id], cover_url="https://cdn.example.com/c.png", media=[medium]
    )
    await apply(runtime, event)
    row = await distribution_of(client, editor, event.data["post_id"], channel_id)
    media_files.expired = True

    response = await client.get(f"/api/v1/distributions/{row['id']}/package.zip", headers=editor)
    assert response.status_code == 409
    problem = response.json()
    assert medium.media_id in problem["detail"]
    assert "media library" in problem["detail"]
    assert media_files.signature not in response.text


async def test_a_large_medium_is_packaged_without_being_held_in_memory(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    piece = bytes(range(256)) * 256  # 64 kB, served 128 times: an 8 MB file
    pieces = 128
    digest = hashlib.sha256()
    for _ in range(pieces):
        digest.update(piece)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(pieces):
            yield piece

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "video/mp4"}, content=body())

    medium = MediaReference(
        media_id=str(uuid.uuid4()),
        kind="video",
        content_type="video/mp4",
        width=1080,
        height=1920,
        duration_seconds=30.0,
        size_bytes=len(piece) * pieces,
        sha256=digest.hexdigest(),
        url="https://media.example.com/files/clip?signature=abc",
        url_expires_at=datetime.now(UTC) + timedelta(days=3),
    )
    channel_id = await xhs_channel(client, editor)
    event = published(
        workspace_id, [channel_id], cover_url="https://cdn.example.com/c.png", media=[medium]
    )
    await apply(runtime, event)
    row = await distribution_of(client, editor, event.data["post_id"], channel_id)
    # Past 256 kB the package is on disk (the service keeps up to 16 MB in memory).
    monkeypatch.setattr(packages, "IN_MEMORY_BYTES", 256 * 1024)

    async with httpx.AsyncClient(transport=httpx.MockTransport(serve)) as http:
        async with runtime.db.transaction() as session:
            tracemalloc.start()
            try:
                package = await packages.build_package(
                    session, http, workspace_id=workspace_id, distribution_id=row["id"]
                )
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    with package.file, zipfile.ZipFile(package.file) as archive:
        packaged = hashlib.sha256()
        with archive.open("media/01.mp4") as member:
            while chunk := member.read(len(piece)):
                packaged.update(chunk)
    assert packaged.hexdigest() == medium.sha256
    # The file went through in its chunks: never held whole (nor twice, as a list of
    # chunks and their join).
    assert peak < medium.size_bytes / 4
