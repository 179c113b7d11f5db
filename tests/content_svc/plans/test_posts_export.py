"""The posts' export: a CSV a spreadsheet opens, one row per post and channel, with the
post's state, each channel's delivery state and the post's figures; filters; GB18030."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import UTC, datetime

import httpx
from content_svc.consumers import HANDLERS
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace
from tests.content_svc.posts.test_posts_performance import stats

EXPORT = "/api/v1/posts/export"


def rows_of(response: httpx.Response, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode(encoding))))


async def publish(client: httpx.AsyncClient, ws: Workspace, post_id: str, *channels: str) -> None:
    response = await client.post(
        f"/api/v1/posts/{post_id}/publish",
        json={"channel_ids": list(channels)},
        headers=ws.headers("owner"),
    )
    assert response.status_code == 200, response.text


async def test_the_export_shows_states_deliveries_and_figures(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    other_workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    wechat = await known_channel(name="品牌公众号", platform="wechat_oa")
    weibo = await known_channel(name="官方微博", platform="weibo")
    published = (await create_post(title='=HYPERLINK("x")'))["id"]
    draft = (await create_post(title="草稿", tags=["新品", "春季"]))["id"]
    await create_post(other_workspace, title="别家的")
    await publish(client, workspace, published, wechat, weibo)
    await runtime.consumer.apply(
        stats(
            workspace.id,
            {published: {"reads": 1200, "likes": 30}},
            {published: "above_peers"},
            datetime.now(UTC),
        ),
        HANDLERS["stats.ingested"],
    )

    response = await client.get(EXPORT, params={"format": "csv"}, headers=workspace.headers())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(codecs.BOM_UTF8)
    rows = rows_of(response)
    assert sorted(
        (row["post_id"], row["channel"], row["delivery_status"]) for row in rows
    ) == sorted(
        [(published, "品牌公众号", "pending"), (published, "官方微博", "pending"), (draft, "", "")]
    )
    (first,) = [row for row in rows if row["channel"] == "品牌公众号"]
    assert first["title"] == '\'=HYPERLINK("x")'  # shown as text, never run
    assert (first["status"], first["platform"], first["reads"]) == (
        "published",
        "wechat_oa",
        "1200",
    )
    assert first["verdict"] == "above_peers"
    assert (rows[-1]["status"], rows[-1]["tags"], rows[-1]["reads"]) == ("draft", "新品; 春季", "")


async def test_filters_narrow_the_export_and_gb18030_is_offered(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    weibo = await known_channel(name="官方微博", platform="weibo")
    sent = (await create_post(title="已发微博"))["id"]
    await create_post(title="草稿")
    await publish(client, workspace, sent, weibo)

    by_channel = await client.get(
        EXPORT, params={"channel_id": weibo, "encoding": "gb18030"}, headers=workspace.headers()
    )
    assert by_channel.status_code == 200, by_channel.text
    assert [row["title"] for row in rows_of(by_channel, "gb18030")] == ["已发微博"]
    drafts = await client.get(EXPORT, params={"status": "draft"}, headers=workspace.headers())
    assert [row["title"] for row in rows_of(drafts)] == ["草稿"]
    future = await client.get(
        EXPORT, params={"created_after": "2100-01-01T00:00:00Z"}, headers=workspace.headers()
    )
    assert rows_of(future) == []


async def test_bad_filters_and_too_many_posts_are_a_422_naming_them(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
) -> None:
    bad = await client.get(EXPORT, params={"campaign_id": "nope"}, headers=workspace.headers())
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.campaign_id"
    wrong_format = await client.get(EXPORT, params={"format": "xlsx"}, headers=workspace.headers())
    assert wrong_format.status_code == 422
    assert wrong_format.json()["errors"][0]["field"] == "query.format"
    runtime.settings.posts_export_max_posts = 1  # type: ignore[attr-defined]
    await create_post(title="一")
    await create_post(title="二")
    too_many = await client.get(EXPORT, headers=workspace.headers())
    assert too_many.status_code == 422
    assert "more than 1 posts" in too_many.json()["errors"][0]["message"]
