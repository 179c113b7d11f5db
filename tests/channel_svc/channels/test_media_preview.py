"""A preview checks the post's media against the platform's media rules, naming each
problem's item by its place in the list and its library id."""

from __future__ import annotations

from typing import Any

import httpx

from tests.channel_svc.helpers import add, weibo_channel

MB = 1024 * 1024


def image(media_id: str, width: int = 1080, height: int = 1440, **facts: Any) -> dict[str, Any]:
    return {
        "media_id": media_id,
        "kind": "image",
        "content_type": "image/jpeg",
        "width": width,
        "height": height,
        "size_bytes": 300_000,
        "url": f"https://media.example.com/{media_id}.jpg",
        **facts,
    }


def video(media_id: str, seconds: float = 30.0, **facts: Any) -> dict[str, Any]:
    return {
        "media_id": media_id,
        "kind": "video",
        "content_type": "video/mp4",
        "width": 1080,
        "height": 1920,
        "duration_seconds": seconds,
        "size_bytes": 20 * MB,
        **facts,
    }


async def preview(
    client: httpx.AsyncClient, editor: dict[str, str], channel_id: str, **post: Any
) -> dict[str, Any]:
    body = {"title": "春日穿搭", "body_markdown": "三套搭配，一次看懂。", **post}
    response = await client.post(
        f"/api/v1/channels/{channel_id}/preview", json=body, headers=editor
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def problems(answer: dict[str, Any]) -> set[tuple[str, str, int | None, str | None]]:
    return {
        (v["code"], v["field"], v["media_index"], v["media_id"])
        for v in answer["violations"]
        if v["field"].startswith("media") or v["code"] == "cover_missing"
    }


async def test_a_xiaohongshu_note_needs_images_or_a_video_in_its_shape(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    channel_id = await add(client, editor, {"platform": "xiaohongshu", "name": "小红书"})

    bare = await preview(client, editor, channel_id)
    assert ("media_missing", "media", None, None) in problems(bare)

    fine = await preview(client, editor, channel_id, media=[image("a"), image("b", 1080, 1080)])
    assert problems(fine) == set()
    assert fine["ok"] is True
    assert fine["rendered"]["cover_url"] == "https://media.example.com/a.jpg"
    assert [m["media_id"] for m in fine["rendered"]["media"]] == ["a", "b"]
    # The cover shown is the one the platform gets: the library's first image, before
    # an outside cover_url (the adapters upload the library file).
    both = await preview(
        client,
        editor,
        channel_id,
        cover_url="https://img.example.com/outside.jpg",
        media=[image("a"), image("b")],
    )
    assert both["rendered"]["cover_url"] == "https://media.example.com/a.jpg"

    nineteen = [image(f"i{n}") for n in range(19)]
    too_many = await preview(client, editor, channel_id, media=nineteen)
    assert problems(too_many) == {("too_many_images", "media.18", 18, "i18")}

    wrong = await preview(
        client,
        editor,
        channel_id,
        media=[
            image("wide", 1920, 1080),
            image("gif", content_type="image/gif"),
            video("clip", seconds=20 * 60),
        ],
    )
    assert problems(wrong) == {
        ("media_aspect_ratio", "media.0", 0, "wide"),
        ("media_format_not_accepted", "media.1", 1, "gif"),
        ("media_mixed", "media.2", 2, "clip"),
        ("video_too_long", "media.2", 2, "clip"),
        ("media_aspect_ratio", "media.2", 2, "clip"),
    }
    assert wrong["ok"] is False


async def test_weibo_takes_its_picture_formats_and_no_video_and_a_column_needs_a_cover(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    weibo = await weibo_channel(client, editor, "http://127.0.0.1:9")
    answer = await preview(
        client,
        editor,
        weibo,
        media=[
            image("big", size_bytes=6 * MB),
            image("webp", content_type="image/webp"),
            video("v"),
        ],
    )
    # A picture of 5 MB or more is re-encoded when it is sent: no problem here.
    assert problems(answer) == {
        ("media_format_not_accepted", "media.1", 1, "webp"),
        ("video_not_accepted", "media.2", 2, "v"),
    }

    channel = await add(client, editor, {"platform": "bilibili", "name": "B站专栏"})
    without = await preview(client, editor, channel)
    assert ("cover_missing", "cover_url", None, None) in problems(without)
    with_image = await preview(client, editor, channel, media=[image("cover", 1280, 720)])
    assert problems(with_image) == set()


async def test_a_video_platform_needs_a_video(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    channel_id = await add(client, editor, {"platform": "xigua", "name": "西瓜视频"})
    # An item as `GET /media` lists it does as well.
    listed = {"id": "poster", "name": "poster.jpg", **image("poster")}
    del listed["media_id"]
    only_images = await preview(client, editor, channel_id, media=[listed])
    assert ("video_missing", "media", None, None) in problems(only_images)
    with_video = await preview(
        client, editor, channel_id, media=[image("poster"), video("film", seconds=600)]
    )
    assert problems(with_video) == set()
