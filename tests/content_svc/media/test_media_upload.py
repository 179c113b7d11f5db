"""Uploading images and videos: judged by their content, capped, measured, thumbnailed,
stripped of their location, one item per content per workspace; bad files keep nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from pathlib import Path

import httpx
from content_svc.media.inspection import Caps
from PIL import Image
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import Workspace
from tests.content_svc.media.conftest import MEDIA, Uploader, fetch, fields
from tests.content_svc.media.files import (
    GPS_IFD,
    exif_of,
    image_bytes,
    jpeg_with_location,
    mp4_video,
    phone_mpo,
)


def _stored_files(runtime: ServiceRuntime) -> list[Path]:
    root: Path = runtime.settings.media_directory  # type: ignore[attr-defined]
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


async def _listed(client: httpx.AsyncClient, workspace: Workspace) -> list[dict[str, object]]:
    response = await client.get(MEDIA, headers=workspace.headers("analyst"))
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_a_photo_is_measured_thumbnailed_and_loses_its_location(
    client: httpx.AsyncClient, upload: Uploader
) -> None:
    response = await upload(jpeg_with_location((800, 600)), "holiday.jpg", tags=("spring",))

    assert response.status_code == 201, response.text
    item = response.json()
    assert (item["kind"], item["format"], item["content_type"]) == ("image", "jpeg", "image/jpeg")
    assert (item["width"], item["height"], item["duration_seconds"]) == (800, 600, None)
    assert (item["name"], item["tags"]) == ("holiday.jpg", ["spring"])
    original = await fetch(client, item["url"])
    assert original.status_code == 200
    assert original.headers["content-type"] == "image/jpeg"
    assert len(original.content) == item["size_bytes"]
    kept = exif_of(original.content)
    assert GPS_IFD not in kept
    assert kept[0x010F] == "Mediaops Camera"  # the rest of the EXIF stays
    thumbnail = await fetch(client, item["thumbnail_url"])
    assert thumbnail.status_code == 200
    assert Image.open(io.BytesIO(thumbnail.content)).size == (320, 240)


async def test_a_phone_photo_with_a_second_picture_is_kept_as_the_photo_alone(
    client: httpx.AsyncClient, upload: Uploader
) -> None:
    """Many phones write MPO: a JPEG with a depth map or a preview after it. It is a JPEG
    to everyone; what is kept is the photo, and no picture in it keeps a location."""
    data = phone_mpo((800, 600))
    response = await upload(data, "IMG_0001.jpg")

    assert response.status_code == 201, response.text
    item = response.json()
    assert (item["format"], item["width"], item["height"]) == ("jpeg", 800, 600)
    original = (await fetch(client, item["url"])).content
    assert len(original) == item["size_bytes"] < len(data)
    kept = Image.open(io.BytesIO(original))
    assert (kept.format, getattr(kept, "n_frames", 1)) == ("JPEG", 1)
    assert GPS_IFD not in kept.getexif()
    assert kept.getexif()[0x010F] == "Mediaops Phone"
    assert b"MPF\0" not in original


async def test_the_type_comes_from_the_content_not_the_name(upload: Uploader) -> None:
    for image_format, expected in (("PNG", "png"), ("GIF", "gif"), ("WEBP", "webp")):
        data = image_bytes(image_format, color="green" if expected == "gif" else "red")
        response = await upload(data, "misnamed.jpg")
        assert response.status_code == 201, response.text
        assert response.json()["format"] == expected


async def test_a_video_is_probed_and_gets_a_poster_frame(
    client: httpx.AsyncClient, upload: Uploader, tmp_path: Path
) -> None:
    response = await upload(mp4_video(tmp_path, seconds=2, size="320x240"), "clip.mp4")

    assert response.status_code == 201, response.text
    item = response.json()
    assert (item["kind"], item["format"], item["content_type"]) == ("video", "mp4", "video/mp4")
    assert (item["width"], item["height"]) == (320, 240)
    assert item["duration_seconds"] == 2.0
    poster = await fetch(client, item["thumbnail_url"])
    assert poster.status_code == 200
    assert Image.open(io.BytesIO(poster.content)).format == "JPEG"


async def test_the_same_bytes_again_answer_the_same_item_in_one_workspace_only(
    client: httpx.AsyncClient, upload: Uploader, workspace: Workspace, other_workspace: Workspace
) -> None:
    data = image_bytes()
    first = await upload(data, "a.png")
    again = await upload(data, "b.png", tags=("ignored",))
    elsewhere = await upload(data, "a.png", ws=other_workspace)

    assert (first.status_code, again.status_code, elsewhere.status_code) == (201, 200, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["name"] == "a.png"
    assert elsewhere.json()["id"] != first.json()["id"]
    assert len(await _listed(client, workspace)) == 1


async def test_files_that_are_not_what_they_claim_keep_nothing(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    upload: Uploader,
    workspace: Workspace,
) -> None:
    png = image_bytes()
    jpeg = jpeg_with_location()
    cases = {
        "truncated JPEG": (jpeg[: len(jpeg) - 200], "cut.jpg", 422),
        "text named .jpg": (b"just some text, not a photo", "photo.jpg", 415),
        "truncated PNG": (png[: len(png) // 2], "cut.png", 422),
        "PNG header, junk after": (png[:16] + b"\x00" * 200, "junk.png", 422),
        "ftyp box, no video": (b"\x00\x00\x00\x18ftypisom" + b"\x00" * 500, "bad.mp4", 422),
        "empty": (b"", "empty.png", 415),
    }
    for case, (data, name, status) in cases.items():
        response = await upload(data, name)
        assert response.status_code == status, (case, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert fields(response.json()) == ["file"], case

    assert await _listed(client, workspace) == []
    assert _stored_files(runtime) == []


async def test_caps_on_bytes_pixels_and_seconds(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    upload: Uploader,
    workspace: Workspace,
    tmp_path: Path,
) -> None:
    library = runtime.media  # type: ignore[attr-defined]
    caps = Caps(
        image_max_bytes=20_000, video_max_bytes=10**8, max_pixels=10**6, video_max_seconds=1
    )
    runtime.media = dataclasses.replace(library, caps=caps)  # type: ignore[attr-defined]

    small = await upload(image_bytes("PNG", (10, 10)), "small.png")
    assert small.status_code == 201, small.text
    noisy = Image.effect_noise((200, 200), 100)
    out = io.BytesIO()
    noisy.save(out, "PNG")
    heavy = await upload(out.getvalue(), "noise.png")
    assert heavy.status_code == 413, heavy.text
    assert "an image may have at most 20000" in heavy.json()["detail"]
    wide = await upload(image_bytes("PNG", (2000, 1000), "white"), "wide.png")
    assert wide.status_code == 413, wide.text
    assert "pixels" in wide.json()["detail"]
    long = await upload(mp4_video(tmp_path, seconds=2), "long.mp4")
    assert long.status_code == 413, long.text
    assert "lasts 2.0 s" in long.json()["detail"]
    assert len(await _listed(client, workspace)) == 1
    assert len(_stored_files(runtime)) == 2  # the small one and its thumbnail


async def test_readers_cannot_upload(upload: Uploader) -> None:
    response = await upload(image_bytes(), role="analyst")
    assert response.status_code == 403


async def test_the_same_bytes_uploaded_at_once_make_one_item(
    client: httpx.AsyncClient, runtime: ServiceRuntime, upload: Uploader, workspace: Workspace
) -> None:
    data = image_bytes("PNG", (300, 200), "purple")
    answers = await asyncio.gather(*(upload(data, f"{n}.png") for n in range(4)))

    assert sorted(answer.status_code for answer in answers) == [200, 200, 200, 201]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert len(await _listed(client, workspace)) == 1
    assert len(_stored_files(runtime)) == 2
