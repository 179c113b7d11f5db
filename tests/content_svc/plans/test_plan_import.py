"""A content plan imported from CSV: a dry run names every bad line and creates nothing; a
real run creates every post or none; UTF-8 (with or without BOM) and GB18030 read alike."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.content_svc.factories import ChannelFactory, Workspace

POSTS = "/api/v1/posts"
IMPORT = "/api/v1/posts/import"
SHANGHAI = ZoneInfo("Asia/Shanghai")
TOMORROW_NOON = (datetime.now(SHANGHAI) + timedelta(days=1)).replace(
    hour=12, minute=0, second=0, microsecond=0
)
LOCAL = TOMORROW_NOON.strftime("%Y-%m-%d %H:%M")


def plan(*rows: str, header: str = "title,body,channels,time,tags,campaign") -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


async def send(
    client: httpx.AsyncClient,
    ws: Workspace,
    content: bytes,
    *,
    dry_run: bool = False,
    role: str = "editor",
) -> httpx.Response:
    return await client.post(
        IMPORT,
        params={"dry_run": str(dry_run).lower()},
        content=content,
        headers={**ws.headers(role), "Content-Type": "text/csv"},
    )


async def post_titles(client: httpx.AsyncClient, ws: Workspace) -> list[str]:
    response = await client.get(POSTS, params={"limit": 100}, headers=ws.headers())
    return sorted(post["title"] for post in response.json()["items"])


@pytest.fixture
async def channels(known_channel: ChannelFactory) -> dict[str, str]:
    return {
        "公众号": await known_channel(name="品牌公众号", platform="wechat_oa"),
        "微博": await known_channel(name="官方微博", platform="weibo"),
    }


async def test_a_dry_run_names_every_bad_line_and_creates_nothing(
    client: httpx.AsyncClient, workspace: Workspace, channels: dict[str, str]
) -> None:
    content = plan(
        f"春季新品,正文,品牌公众号;官方微博,{LOCAL},新品;春季,",
        f",没有标题,品牌公众号,{LOCAL},,",
        "时间不对,正文,品牌公众号,明天中午,,",
        f"没这个渠道,正文,抖音号,{LOCAL},,",
        f"没这个活动,正文,{channels['微博']},{LOCAL},,双十一",
        "只是草稿,正文,,,,",
    )
    response = await send(client, workspace, content.encode(), dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["dry_run"] is True
    assert report["encoding"] == "utf-8"
    assert report["time_zone"] == "Asia/Shanghai"
    assert (report["rows"], report["valid_rows"]) == (6, 2)
    assert [(p["line"], p["column"]) for p in report["problems"]] == [
        (3, "title"),
        (4, "time"),
        (5, "channels"),
        (6, "campaign"),
    ]
    assert "抖音号" in report["problems"][2]["reason"]
    first, draft = report["posts"]
    assert first["line"] == 2
    assert first["channel_ids"] == [channels["公众号"], channels["微博"]]
    assert first["tags"] == ["新品", "春季"]
    assert datetime.fromisoformat(first["scheduled_at"]) == TOMORROW_NOON
    assert first["post_id"] is None
    assert (draft["line"], draft["channel_ids"], draft["scheduled_at"]) == (7, [], None)
    assert await post_titles(client, workspace) == []


async def test_a_real_run_creates_all_or_nothing(
    client: httpx.AsyncClient, workspace: Workspace, channels: dict[str, str]
) -> None:
    bad = plan(f"好的一行,正文,品牌公众号,{LOCAL},,", f"坏的一行,正文,品牌公众号,{LOCAL}xx,,")
    refused = await send(client, workspace, bad.encode())
    assert refused.status_code == 422
    assert {error["field"] for error in refused.json()["errors"]} == {"line.3.time"}
    assert await post_titles(client, workspace) == []

    campaign = await client.post(
        "/api/v1/campaigns",
        json={
            "name": "双十一",
            "objective": "awareness",
            "starts_at": datetime.now(UTC).isoformat(),
            "ends_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        },
        headers=workspace.headers("editor"),
    )
    assert campaign.status_code == 201, campaign.text
    good = plan(f"好的一行,正文,品牌公众号,{LOCAL},,双十一", "只是草稿,**正文**,,,新品,")
    created = await send(client, workspace, good.encode())
    assert created.status_code == 200, created.text
    planned, draft = created.json()["posts"]
    post = (await client.get(f"{POSTS}/{planned['post_id']}", headers=workspace.headers())).json()
    # An editor in a workspace that requires review: a draft keeping its plan.
    assert post["status"] == "draft"
    assert post["campaign_id"] == campaign.json()["id"]
    assert post["scheduled_channel_ids"] == [channels["公众号"]]
    assert datetime.fromisoformat(post["scheduled_at"]) == TOMORROW_NOON
    other = (await client.get(f"{POSTS}/{draft['post_id']}", headers=workspace.headers())).json()
    assert (other["status"], other["tags"], other["body_markdown"]) == (
        "draft",
        ["新品"],
        "**正文**",
    )


async def test_an_owner_who_may_skip_review_schedules_the_plan(
    client: httpx.AsyncClient, workspace: Workspace, channels: dict[str, str]
) -> None:
    created = await send(
        client, workspace, plan(f"定时发布,正文,官方微博,{LOCAL},,").encode(), role="owner"
    )
    assert created.status_code == 200, created.text
    (planned,) = created.json()["posts"]
    assert planned["status"] == "scheduled"
    post = (await client.get(f"{POSTS}/{planned['post_id']}", headers=workspace.headers())).json()
    assert post["status"] == "scheduled"
    assert post["scheduled_channel_ids"] == [channels["微博"]]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("utf-8", "utf-8")],
)
async def test_utf8_with_or_without_bom_and_gb18030_read_alike(
    client: httpx.AsyncClient,
    workspace: Workspace,
    channels: dict[str, str],
    encoding: str,
    expected: str,
) -> None:
    content = plan(
        f"双十一预热,第一篇,品牌公众号,{LOCAL},预热,", header="标题,正文,渠道,时间,标签,活动"
    )
    response = await send(client, workspace, content.encode(encoding), dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["encoding"] == expected
    assert report["problems"] == []
    assert report["posts"][0]["title"] == "双十一预热"
    assert report["posts"][0]["channel_ids"] == [channels["公众号"]]


async def test_a_multipart_upload_is_read_like_a_body(
    client: httpx.AsyncClient, workspace: Workspace, channels: dict[str, str]
) -> None:
    files = {"file": ("plan.csv", codecs.BOM_UTF8 + plan("表单上传,正文,,,,").encode(), "text/csv")}
    response = await client.post(IMPORT, files=files, headers=workspace.headers("editor"))
    assert response.status_code == 200, response.text
    assert await post_titles(client, workspace) == ["表单上传"]


async def test_another_workspace_channels_are_unknown_names(
    client: httpx.AsyncClient,
    workspace: Workspace,
    other_workspace: Workspace,
    known_channel: ChannelFactory,
) -> None:
    theirs = await known_channel(other_workspace, name="别家公众号")
    content = plan(f"一,正文,别家公众号,{LOCAL},,", f"二,正文,{theirs},{LOCAL},,")
    report = (await send(client, workspace, content.encode(), dry_run=True)).json()
    assert [(p["line"], p["column"]) for p in report["problems"]] == [
        (2, "channels"),
        (3, "channels"),
    ]


@pytest.mark.parametrize(
    ("content", "status", "field", "words"),
    [
        (b"", 422, "body", "empty"),
        (b"title,color\r\n", 422, "line.1", "unknown column"),
        (b"body\r\n", 422, "line.1", "no title"),
        (b"\xff\xfe\x00t", 422, "body", "encoding"),
        (plan(*["标题,正文,,,,"] * 6).encode(), 422, "body", "more than 5 rows"),
        (b"title\r\n" + b"x" * 3000, 413, "body", "larger than"),
    ],
)
async def test_unusable_files_are_a_4xx_naming_the_problem(
    client: httpx.AsyncClient,
    runtime: Any,
    workspace: Workspace,
    content: bytes,
    status: int,
    field: str,
    words: str,
) -> None:
    runtime.settings.plan_import_max_rows = 5
    runtime.settings.plan_import_max_bytes = 2048
    response = await send(client, workspace, content, dry_run=True)
    assert response.status_code == status, response.text
    problem = response.json()
    assert field in {error["field"] for error in problem["errors"]}
    assert words in (problem["detail"] + " ".join(e["message"] for e in problem["errors"]))
