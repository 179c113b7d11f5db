"""Sources: watching feeds, fetching them into ideas once, and recording what went wrong."""

from __future__ import annotations

import codecs
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from content_svc.settings import Settings
from content_svc.sources.feeds import FeedError, fetch_feed, parse_feed
from content_svc.sources.fetching import SourceFetcher
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import Workspace
from tests.content_svc.feeds import FeedServer, atom, rss

SOURCES = "/api/v1/sources"
IDEAS = "/api/v1/ideas"

ZH_ENTRIES = [
    ("zh-1", "新能源汽车销量创新高", "https://news.example.cn/a/1?utm_source=rss"),
    ("zh-2", "咖啡行业迎来新品季", "https://news.example.cn/a/2"),
    ("zh-3", "直播电商规范出台", "https://news.example.cn/a/3"),
]


async def add_source(
    client: httpx.AsyncClient, ws: Workspace, url: str, **fields: Any
) -> dict[str, Any]:
    body = {"kind": "news", "name": "行业快讯", "url": url, "interval_minutes": 30, **fields}
    response = await client.post(SOURCES, json=body, headers=ws.headers("editor"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def fetch(client: httpx.AsyncClient, ws: Workspace, source_id: str) -> dict[str, Any]:
    response = await client.post(f"{SOURCES}/{source_id}/fetch", headers=ws.headers("editor"))
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def test_a_chinese_rss_feed_becomes_ideas_once(
    client: httpx.AsyncClient, workspace: Workspace, feeds: FeedServer
) -> None:
    feeds.documents["/zh.xml"] = rss(ZH_ENTRIES)
    source = await add_source(client, workspace, feeds.link("/zh.xml"))

    first = await fetch(client, workspace, source["id"])
    assert (first["outcome"], first["new_ideas"], first["entries"]) == ("fetched", 3, 3)
    assert first["source"]["last_error"] is None
    assert first["source"]["ideas_created"] == 3

    # The second fetch is conditional: the server answers 304 and nothing new appears.
    second = await fetch(client, workspace, source["id"])
    assert (second["outcome"], second["new_ideas"]) == ("not_modified", 0)
    assert feeds.conditional_hits["/zh.xml"] == 1

    ideas = (await client.get(IDEAS, headers=workspace.headers("analyst"))).json()["items"]
    assert {idea["title"] for idea in ideas} == {title for _, title, _ in ZH_ENTRIES}
    assert all(idea["origin"] == "source_entry" for idea in ideas)
    assert all(idea["source_id"] == source["id"] for idea in ideas)
    # Scripts in entry HTML never reach an idea.
    assert all("script" not in (idea["summary"] or "") for idea in ideas)


async def test_entries_are_deduplicated_across_sources_by_id_or_canonical_url(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace, feeds: FeedServer
) -> None:
    feeds.documents["/zh.xml"] = rss(ZH_ENTRIES)
    # The same stories in an Atom feed, under other ids but with the same pages
    # (http vs https, tracking parameters, a trailing slash), plus one new English story.
    feeds.documents["/en.atom"] = atom(
        [
            ("urn:x:1", "NEV sales hit a record", "http://news.example.cn/a/1/"),
            ("urn:x:2", "Coffee season", "https://news.example.cn/a/2?utm_medium=feed#top"),
            ("urn:x:9", "Creators' economy report", "https://industry.example.com/report"),
        ]
    )
    zh = await add_source(client, workspace, feeds.link("/zh.xml"))
    en = await add_source(client, workspace, feeds.link("/en.atom"), kind="industry")
    assert (await fetch(client, workspace, zh["id"]))["new_ideas"] == 3
    assert (await fetch(client, workspace, en["id"]))["new_ideas"] == 1

    # Another workspace has its own backlog: the same feed makes ideas there too.
    theirs = await add_source(client, other_workspace, feeds.link("/zh.xml"))
    assert (await fetch(client, other_workspace, theirs["id"]))["new_ideas"] == 3


BAD_FEEDS = {
    "/malformed.xml": "malformed",
    "/page.html": "not an RSS",
    "/huge.xml": "larger than",
    "/missing.xml": "HTTP 404",
}


async def test_bad_feeds_are_recorded_errors_that_back_off(
    client: httpx.AsyncClient, workspace: Workspace, feeds: FeedServer
) -> None:
    feeds.documents["/malformed.xml"] = "<rss><channel><item><title>x"
    feeds.documents["/page.html"] = "<html><body>hello</body></html>"
    feeds.oversized.add("/huge.xml")
    for path, error in BAD_FEEDS.items():
        source = await add_source(client, workspace, feeds.link(path))

        report = await fetch(client, workspace, source["id"])

        assert report["outcome"] == "failed", path
        assert error in report["error"]
        assert report["new_ideas"] == 0
        stored = report["source"]
        assert stored["last_error"] == report["error"]
        assert stored["failure_count"] == 1
        next_fetch = datetime.fromisoformat(stored["next_fetch_at"])
        assert next_fetch >= datetime.now(UTC) + timedelta(minutes=59)  # 30 min * 2^1
        again = await fetch(client, workspace, source["id"])
        assert again["source"]["failure_count"] == 2
    ideas = (await client.get(IDEAS, headers=workspace.headers())).json()["items"]
    assert ideas == []


@pytest.mark.timeout(60)
async def test_a_feed_answering_a_local_path_reads_no_local_file(
    client: httpx.AsyncClient, workspace: Workspace, feeds: FeedServer, tmp_path: Path
) -> None:
    """feedparser opens a path it is given as bytes: a feed server answering with the
    name of a file on our host must not make that file's content into ideas, and one
    answering `/dev/zero` must not make us read until memory runs out."""
    local = tmp_path / "on-our-host.xml"
    local.write_text(rss([("local-1", "本机文件的内容", "https://local.example.cn/1")]))
    feeds.documents["/points-at-a-file.xml"] = str(local)
    feeds.documents["/points-at-dev-zero.xml"] = "/dev/zero"
    feeds.documents["/padded-path.xml"] = f"\n  {local}"
    for path in ("/points-at-a-file.xml", "/points-at-dev-zero.xml", "/padded-path.xml"):
        source = await add_source(client, workspace, feeds.link(path))

        report = await fetch(client, workspace, source["id"])

        assert report["outcome"] == "failed", path
        assert "does not start with '<'" in report["error"], path
        assert report["source"]["last_error"] == report["error"]
        assert report["new_ideas"] == 0
    ideas = (await client.get(IDEAS, headers=workspace.headers())).json()["items"]
    assert ideas == []


@pytest.mark.parametrize(
    "body",
    [
        rss(ZH_ENTRIES).encode(),
        b"\xef\xbb\xbf\r\n  " + rss(ZH_ENTRIES).encode(),
        codecs.BOM_UTF16_LE + rss(ZH_ENTRIES).replace("UTF-8", "UTF-16").encode("utf-16-le"),
        "\n".join(["<!-- mirrored -->", atom(ZH_ENTRIES)]).encode(),
    ],
    ids=["plain", "utf8-bom-and-whitespace", "utf16-bom", "comment-first"],
)
def test_markup_after_a_byte_order_mark_or_whitespace_is_still_a_feed(body: bytes) -> None:
    assert {entry.title for entry in parse_feed(body)} == {title for _, title, _ in ZH_ENTRIES}


async def test_an_unreachable_feed_is_a_recorded_error(
    client: httpx.AsyncClient, workspace: Workspace
) -> None:
    from devstack.ports import free_port

    source = await add_source(client, workspace, f"http://127.0.0.1:{free_port()}/feed.xml")
    report = await fetch(client, workspace, source["id"])
    assert report["outcome"] == "failed"
    assert "could not be reached" in report["error"]


async def test_a_redirect_to_a_private_address_is_refused() -> None:
    """With private addresses refused, a public feed that redirects inside is not followed."""
    reached: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        reached.append(str(request.url))
        if request.url.host == "93.184.216.34":
            return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/"})
        return httpx.Response(200, text=rss(ZH_ENTRIES))

    with pytest.raises(FeedError, match="refused"):
        await fetch_feed(
            "http://93.184.216.34/feed.xml",
            etag=None,
            last_modified=None,
            allow_private=False,
            timeout=2,
            max_bytes=100_000,
            transport=httpx.MockTransport(handler),
        )
    assert reached == ["http://93.184.216.34/feed.xml"]


async def test_the_scheduler_fetches_due_sources_and_one_failure_stops_none(
    client: httpx.AsyncClient, runtime: ServiceRuntime, workspace: Workspace, feeds: FeedServer
) -> None:
    feeds.documents["/good.xml"] = rss(ZH_ENTRIES)
    broken = await add_source(client, workspace, feeds.link("/broken.xml"))
    good = await add_source(client, workspace, feeds.link("/good.xml"))
    paused = await add_source(client, workspace, feeds.link("/good.xml"), enabled=False)
    assert isinstance(runtime.settings, Settings)
    fetcher = SourceFetcher(runtime.db, runtime.settings)

    assert await fetcher.fetch_due() == 2
    # Both were rescheduled: nothing is due right after.
    assert await fetcher.fetch_due() == 0

    headers = workspace.headers("analyst")
    good_now = (await client.get(f"{SOURCES}/{good['id']}", headers=headers)).json()
    broken_now = (await client.get(f"{SOURCES}/{broken['id']}", headers=headers)).json()
    paused_now = (await client.get(f"{SOURCES}/{paused['id']}", headers=headers)).json()
    assert good_now["ideas_created"] == 3
    assert good_now["failure_count"] == 0
    assert broken_now["failure_count"] == 1
    assert "HTTP 404" in broken_now["last_error"]
    assert paused_now["last_fetched_at"] is None


BAD_SOURCES = [
    ({"kind": "blog", "name": "x", "url": "https://e.com/f"}, "kind"),
    ({"kind": "news", "name": "x", "url": "ftp://e.com/f"}, "url"),
    ({"kind": "news", "name": "", "url": "https://e.com/f"}, "name"),
    (
        {"kind": "news", "name": "x", "url": "https://e.com/f", "interval_minutes": 1},
        "interval_minutes",
    ),
    ({"kind": "news", "name": "x", "url": "https://e.com/f", "etag": "x"}, "etag"),
]


async def test_bad_sources_are_422_naming_the_field(
    client: httpx.AsyncClient, workspace: Workspace
) -> None:
    for body, field in BAD_SOURCES:
        response = await client.post(SOURCES, json=body, headers=workspace.headers("editor"))
        assert response.status_code == 422, body
        assert field in [error["field"] for error in response.json()["errors"]]
    assert (await client.get(SOURCES, headers=workspace.headers())).json()["items"] == []


async def test_private_feed_urls_are_refused_unless_allowed(
    runtime: ServiceRuntime, workspace: Workspace
) -> None:
    from content_svc.app import create_app

    assert isinstance(runtime.settings, Settings)
    runtime.settings.shared.allow_private_urls = False
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://content-svc") as strict:
        for url in ("http://127.0.0.1/feed", "http://10.0.0.8/rss", "http://169.254.169.254/"):
            response = await strict.post(
                SOURCES,
                json={"kind": "news", "name": "内网", "url": url},
                headers=workspace.headers("editor"),
            )
            assert response.status_code == 422, url
            assert response.json()["errors"][0]["field"] == "url"


async def test_sources_are_workspace_scoped_and_readers_cannot_write(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace, feeds: FeedServer
) -> None:
    source = await add_source(client, workspace, feeds.link("/zh.xml"))
    outsider = other_workspace.headers("owner")
    for method, path in (
        ("GET", f"{SOURCES}/{source['id']}"),
        ("POST", f"{SOURCES}/{source['id']}/fetch"),
        ("DELETE", f"{SOURCES}/{source['id']}"),
        ("GET", f"{SOURCES}/{uuid.uuid4()}"),
    ):
        assert (await client.request(method, path, headers=outsider)).status_code == 404
    listed = await client.get(SOURCES, headers=outsider)
    assert listed.json()["items"] == []
    analyst = await client.post(
        SOURCES,
        json={"kind": "news", "name": "x", "url": feeds.link("/x")},
        headers=workspace.headers("analyst"),
    )
    assert analyst.status_code == 403
