"""Posts with media: the analysis checks a post's media list against each platform's media
rules (and a channel's variant against its own list), and the Markdown places library
images by `media:<id>`, refused when the item is not in the workspace's library."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace
from tests.content_svc.media.conftest import Uploader, fetch, fields
from tests.content_svc.media.files import image_bytes, mp4_video

POSTS = "/api/v1/posts"


async def _uploaded(upload: Uploader, data: bytes, name: str) -> str:
    response = await upload(data, name)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _analysis(
    client: httpx.AsyncClient, ws: Workspace, post_id: str, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(
        f"{POSTS}/{post_id}/analysis", params=params, headers=ws.headers("analyst")
    )
    assert response.status_code == 200, response.text
    return [f for f in response.json()["findings"] if (f["field"] or "").startswith("media")]


def _named(found: list[dict[str, Any]]) -> set[tuple[str, str, str | None, str]]:
    return {(f["code"], f["field"], f["media_id"], f["severity"]) for f in found}


async def test_the_analysis_names_each_medium_a_platform_would_refuse(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    upload: Uploader,
    tmp_path: Path,
) -> None:
    portrait = await _uploaded(upload, image_bytes("JPEG", (300, 400)), "portrait.jpg")
    wide = await _uploaded(upload, image_bytes("JPEG", (640, 300), "blue"), "wide.jpg")
    gif = await _uploaded(upload, image_bytes("GIF", (300, 300), "green"), "loop.gif")
    clip = await _uploaded(upload, mp4_video(tmp_path, seconds=1, size="240x320"), "clip.mp4")

    bare = await create_post()
    assert _named(await _analysis(client, workspace, bare["id"], platforms="xiaohongshu")) == {
        ("media_missing", "media_ids", None, "error")
    }

    note = await create_post(media_ids=[portrait, wide, gif, clip])
    found = await _analysis(client, workspace, note["id"], platforms=["xiaohongshu", "weibo"])
    assert {(f["platform"], c, fld, m) for f in found for (c, fld, m, _) in _named([f])} == {
        ("xiaohongshu", "media_aspect_ratio", "media_ids.1", wide),
        ("xiaohongshu", "media_format_not_accepted", "media_ids.2", gif),
        ("xiaohongshu", "media_mixed", "media_ids.3", clip),
        ("weibo", "video_not_accepted", "media_ids.3", clip),
    }
    assert {f["severity"] for f in found} == {"error"}

    fitting = await create_post(media_ids=[portrait])
    assert await _analysis(client, workspace, fitting["id"], platforms=["xiaohongshu"]) == []
    # A WeChat article takes its cover from the first image when it has no cover_url.
    wechat = await _analysis(client, workspace, fitting["id"], platforms=["wechat_oa"])
    assert wechat == []


async def test_a_variant_has_media_of_its_own_checked_for_its_channel(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
    upload: Uploader,
) -> None:
    wide = await _uploaded(upload, image_bytes("JPEG", (640, 400)), "wide.jpg")
    portrait = await _uploaded(upload, image_bytes("JPEG", (300, 400), "blue"), "portrait.jpg")
    xiaohongshu = await known_channel(platform="xiaohongshu", name="小红书")
    douyin = await known_channel(platform="douyin", name="抖音")
    post = await create_post(media_ids=[wide])
    url = f"{POSTS}/{post['id']}/variants/{xiaohongshu}"

    unknown = str(uuid.uuid4())
    refused = await client.put(
        url, json={"media_ids": [portrait, unknown]}, headers=workspace.headers("editor")
    )
    assert refused.status_code == 422, refused.text
    assert fields(refused.json()) == ["media_ids.1"]

    written = await client.put(url, json={"media_ids": [portrait]}, headers=workspace.headers())
    assert written.status_code == 200, written.text
    assert written.json()["media_ids"] == [portrait]
    assert written.json()["title"] is None

    assert await _analysis(client, workspace, post["id"], channel_id=xiaohongshu) == []
    # Douyin has no variant: it gets the post's own (wide) image, which it takes.
    assert await _analysis(client, workspace, post["id"], channel_id=douyin) == []
    # Without the variant, the post's own image is too wide for Xiaohongshu.
    on_post = await _analysis(client, workspace, post["id"], platforms="xiaohongshu")
    assert _named(on_post) == {("media_aspect_ratio", "media_ids.0", wide, "error")}

    none = await client.put(
        url, json={"version": 1, "media_ids": []}, headers=workspace.headers("editor")
    )
    assert none.json()["media_ids"] == []
    assert _named(await _analysis(client, workspace, post["id"], channel_id=xiaohongshu)) == {
        ("media_missing", "media_ids", None, "error")
    }
    shown = await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers())
    assert shown.json()["media_ids"] == [wide]


async def test_markdown_places_library_images_and_refuses_unknown_ones(
    client: httpx.AsyncClient,
    workspace: Workspace,
    other_workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
    upload: Uploader,
) -> None:
    photo = await _uploaded(upload, image_bytes("PNG", (64, 48)), "photo.png")
    theirs_response = await upload(image_bytes("PNG", (64, 48), "green"), ws=other_workspace)
    theirs = theirs_response.json()["id"]

    body = f"# 新品\n\n看图：\n\n![新品图](media:{theirs})"
    refused = await client.post(
        POSTS, json={"title": "新品", "body_markdown": body}, headers=workspace.headers("editor")
    )
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert fields(problem) == ["body_markdown"]
    assert problem["references"] == [{"media_id": theirs, "position": body.index("media:")}]

    body = f"# 新品\n\n![新品图](media:{photo})\n\n`media:not-an-image` stays text."
    post = await create_post(body_markdown=body)
    shown = await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers())
    html = shown.json()["body_html"]
    assert "media:" not in html.split("<code>")[0]
    src = html.split('src="')[1].split('"')[0].replace("&amp;", "&")
    assert f"/api/v1/media/{photo}/file" in src
    image = await fetch(client, src)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    # Every answer shows the post so, not only create and get: here, submitting it.
    submitted = await client.post(
        f"{POSTS}/{post['id']}/submit", headers=workspace.headers("editor")
    )
    assert submitted.status_code == 200, submitted.text
    assert "media:" not in submitted.json()["body_html"].split("<code>")[0]

    edit = await client.patch(
        f"{POSTS}/{post['id']}",
        json={"version": 1, "body_markdown": f"前言\n\n![x](media:{uuid.uuid4()})"},
        headers=workspace.headers("editor"),
    )
    assert edit.status_code == 422
    assert fields(edit.json()) == ["body_markdown"]

    channel = await known_channel(platform="xiaohongshu")
    variant = await client.put(
        f"{POSTS}/{post['id']}/variants/{channel}",
        json={"body_markdown": f"![x](media:{theirs})"},
        headers=workspace.headers("editor"),
    )
    assert variant.status_code == 422
    assert variant.json()["references"][0]["position"] == 5


async def test_a_variants_media_is_kept_while_its_post_is_published_and_shown_signed(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
    upload: Uploader,
) -> None:
    own = await _uploaded(upload, image_bytes("PNG", (300, 400)), "own.png")
    placed = await _uploaded(upload, image_bytes("PNG", (300, 400), "blue"), "placed.png")
    channel = await known_channel(platform="xiaohongshu")
    post = await create_post()
    variant = await client.put(
        f"{POSTS}/{post['id']}/variants/{channel}",
        json={"media_ids": [own], "body_markdown": f"![图](media:{placed})"},
        headers=workspace.headers("editor"),
    )
    assert variant.status_code == 200, variant.text
    src = variant.json()["body_html"].split('src="')[1].split('"')[0].replace("&amp;", "&")
    assert (await fetch(client, src)).status_code == 200

    published = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [channel]},
        headers=workspace.headers("owner"),
    )
    assert published.status_code == 200, published.text
    refused = await client.delete(f"/api/v1/media/{own}", headers=workspace.headers())
    assert refused.status_code == 409, refused.text
    assert refused.json()["post_ids"] == [post["id"]]


async def test_media_rules_apply_where_the_post_goes_not_to_guessed_platforms(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    # No channel yet: the title is checked against the usual platforms, the media are not.
    assert await _analysis(client, workspace, post["id"]) == []
    await known_channel(platform="xiaohongshu")
    assert _named(await _analysis(client, workspace, post["id"])) == {
        ("media_missing", "media_ids", None, "error")
    }


async def test_images_the_body_places_are_checked_where_they_are_written(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    upload: Uploader,
) -> None:
    listed = await _uploaded(upload, image_bytes("JPEG", (300, 400)), "listed.jpg")
    gif = await _uploaded(upload, image_bytes("GIF", (300, 300), "green"), "loop.gif")
    wide = await _uploaded(upload, image_bytes("JPEG", (640, 300), "blue"), "wide.jpg")
    body = (
        f"# 新品\n\n![封面](media:{listed})\n\n![动图](media:{gif})\n\n"
        f"![宽图](media:{wide})\n\n`media:{gif}` is code."
    )
    post = await create_post(body_markdown=body, media_ids=[listed])

    response = await client.get(
        f"{POSTS}/{post['id']}/analysis",
        params={"platforms": ["xiaohongshu", "wechat_oa"]},
        headers=workspace.headers("analyst"),
    )

    assert response.status_code == 200, response.text
    placed = [f for f in response.json()["findings"] if f["media_id"] is not None]
    start = body.index(f"media:{gif}")
    # A note takes no GIF (an article does); a picture in the body is not one of the note's
    # pictures, so their shape rule leaves the wide one alone.
    assert [
        (f["platform"], f["code"], f["field"], f["start"], f["end"], f["media_id"]) for f in placed
    ] == [
        (
            "xiaohongshu",
            "media_format_not_accepted",
            "body_markdown",
            start,
            start + len(f"media:{gif}"),
            gif,
        )
    ]
    assert f"at {start} of the body" in placed[0]["message"]
