"""Publishing refuses what the platform would refuse of a post's media, as the preview
and the analysis say: the distribution fails naming each medium by index and id."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from channel_svc.runtime import ChannelRuntime
from event_contracts import PostPublishedV1

from tests.channel_svc.conftest import published
from tests.channel_svc.helpers import add, apply, distribution_of

pytestmark = pytest.mark.skipif(
    "media" not in PostPublishedV1.model_fields,
    reason="post.published carries a post's media from issue 19 item 3 (event-contracts) on",
)


def medium(media_id: str, kind: str, width: int, height: int, **facts: Any) -> dict[str, Any]:
    return {
        "media_id": media_id,
        "kind": kind,
        "content_type": "video/mp4" if kind == "video" else "image/jpeg",
        "width": width,
        "height": height,
        "duration_seconds": 12.0 if kind == "video" else None,
        "size_bytes": 500_000,
        "sha256": "0" * 64,
        "url": f"https://media.example.com/{media_id}",
        "url_expires_at": "2026-12-10T00:00:00Z",
        **facts,
    }


async def test_a_note_with_refused_media_fails_and_a_fitting_one_is_handed_off(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    channel_id = await add(client, editor, {"platform": "xiaohongshu", "name": "小红书"})
    refused = published(
        workspace_id,
        [channel_id],
        media=[
            medium("tall", "image", 300, 400),
            medium("wide", "image", 1920, 800),
            medium("clip", "video", 1080, 1440),
        ],
    )
    await apply(runtime, refused)
    row = await distribution_of(client, editor, refused.data["post_id"], channel_id)
    assert row["status"] == "failed"
    assert row["error_code"] == "validation_failed"
    media = {(v["code"], v["field"], v["media_id"]) for v in row["violations"] if v["media_id"]}
    assert media == {
        ("media_aspect_ratio", "media.1", "wide"),
        ("media_mixed", "media.2", "clip"),
    }

    fitting = published(workspace_id, [channel_id], media=[medium("tall", "image", 300, 400)])
    await apply(runtime, fitting)
    row = await distribution_of(client, editor, fitting.data["post_id"], channel_id)
    assert row["status"] == "awaiting_manual", row
    assert [m["media_id"] for m in row["rendered"]["media"]] == ["tall"]
