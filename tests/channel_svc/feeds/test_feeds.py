"""Feed channels serve the posts distributed to them as RSS 2.0 and Atom at a public,
unguessable address."""

from __future__ import annotations

from typing import Any

import feedparser
import httpx
import pytest
from channel_svc.runtime import ChannelRuntime
from servicekit import metrics

from tests.channel_svc.conftest import published
from tests.channel_svc.helpers import apply, distribution_of
from tests.fakes.media_files import MediaFiles
from tests.spans import SAMPLED, addresses, attributes, recorded_spans


async def test_a_feed_serves_rss_and_atom_without_a_token(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    response = await client.post(
        "/api/v1/channels",
        json={
            "platform": "feed",
            "name": "品牌博客订阅",
            "config": {"title": "品牌动态", "link_template": "https://www.example.com/p/{post_id}"},
        },
        headers=editor,
    )
    assert response.status_code == 201, response.text
    channel = response.json()
    path = channel["feed_path"]
    assert path.startswith("/feeds/")
    assert len(path.removeprefix("/feeds/").removesuffix(".xml")) >= 30
    event = published(workspace_id, [channel["id"]], title="春季新品")
    await apply(runtime, event)
    row = await distribution_of(client, editor, event.data["post_id"], channel["id"])
    assert row["status"] == "succeeded"
    rss = await client.get(path)
    assert rss.status_code == 200
    assert rss.headers["content-type"].startswith("application/rss+xml")
    parsed = feedparser.parse(rss.content)
    assert parsed.version == "rss20"
    assert parsed.feed.title == "品牌动态"
    # The feed names itself by the public address, not by the host the request reached.
    public = runtime.settings.shared.public_url
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [public + path]
    assert (await client.get("/api" + "/v1" + path)).content == rss.content
    [entry] = parsed.entries
    assert entry.title == "春季新品"
    assert entry.link == f"https://www.example.com/p/{event.data['post_id']}"
    atom = feedparser.parse((await client.get(path, params={"format": "atom"})).content)
    assert atom.version == "atom10"
    assert [e.title for e in atom.entries] == ["春季新品"]
    assert (await client.get("/api/v1/feeds/not-a-real-token-at-all-0000.xml")).status_code == 404
    await client.delete(f"/api/v1/channels/{channel['id']}", headers=editor)
    assert (await client.get(path)).status_code == 404


class AccessLog:
    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def info(self, event: str, **fields: Any) -> None:
        self.lines.append({"event": event, **fields})


async def test_a_feeds_token_is_in_no_access_log_line_and_no_span(
    client: httpx.AsyncClient, editor: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The feed's path is its only lock: whoever reads the logs or the traces must not
    learn it. (Tracked links, `/l/{code}`, are public and stay readable.)"""
    created = await client.post(
        "/api/v1/channels", json={"platform": "feed", "name": "订阅"}, headers=editor
    )
    path = created.json()["feed_path"]
    token = path.removeprefix("/feeds/").removesuffix(".xml")
    log = AccessLog()
    monkeypatch.setattr(metrics, "access_log", log)
    with recorded_spans() as spans:
        for address in (path, f"/api/v1{path}?format=atom"):
            response = await client.get(address, headers={"traceparent": SAMPLED})
            assert response.status_code == 200

    assert [line["path"] for line in log.lines] == [
        "/feeds/REDACTED.xml",
        "/api/v1/feeds/REDACTED.xml",
    ]
    recorded = addresses(spans)
    assert any("/api/v1/feeds/REDACTED.xml?format=atom" in url for url in recorded), recorded
    assert token not in str(attributes(spans))
    assert token not in str(log.lines)


async def test_a_feed_item_encloses_the_posts_library_media(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    media_files: MediaFiles,
) -> None:
    response = await client.post(
        "/api/v1/channels", json={"platform": "feed", "name": "订阅"}, headers=editor
    )
    assert response.status_code == 201, response.text
    channel = response.json()
    cover, video = media_files.image("JPEG"), media_files.add(b"\0" * 2048, "video/mp4")
    await apply(runtime, published(workspace_id, [channel["id"]], media=[cover, video]))

    rss = feedparser.parse((await client.get(channel["feed_path"])).content)
    [item] = rss.entries
    # RSS 2.0 has room for one enclosure an item: the cover.
    assert [(e.href, e.type, e.length) for e in item.enclosures] == [
        (cover.url, "image/jpeg", str(cover.size_bytes))
    ]
    atom = feedparser.parse(
        (await client.get(channel["feed_path"], params={"format": "atom"})).content
    )
    [entry] = atom.entries
    assert [(e.href, e.type) for e in entry.enclosures] == [
        (cover.url, "image/jpeg"),
        (video.url, "video/mp4"),
    ]
