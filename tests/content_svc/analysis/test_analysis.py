"""The analysis report, word lists (and their events), trends, and the performance sort."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import httpx
from content_svc.consumers import HANDLERS
from content_svc.models import Idea, OutboxMessage, Source
from content_svc.wordlists.schemas import Category
from event_contracts import CloudEvent, PostTotals, StatsIngestedV1, WordlistChangedV1
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select
from textkit import WORD_CATEGORIES, tokens

from tests.content_svc.factories import PostFactory, Workspace

POSTS = "/api/v1/posts"
WORDLISTS = "/api/v1/wordlists"


def findings(report: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["code"] == code]


async def analysis(
    client: httpx.AsyncClient, ws: Workspace, post_id: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"{POSTS}/{post_id}/analysis", params=params, headers=ws.headers("analyst")
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def test_the_report_says_what_to_fix_and_where(
    client: httpx.AsyncClient, workspace: Workspace, create_post: PostFactory
) -> None:
    words = await client.post(
        WORDLISTS,
        json={"name": "竞品", "words": [{"word": "星巴克", "category": "competitor"}]},
        headers=workspace.headers("editor"),
    )
    assert words.status_code == 201, words.text
    title = "全网最低价的秋季咖啡豆礼盒限时优惠快来看看吧"  # 23 characters
    body = "# 选豆\n\n我们的豆子比星巴克更新鲜。\n\n" + "长" * 320
    post = await create_post(title=title, body_markdown=body, keywords=["咖啡豆", "冷萃"])

    report = await analysis(client, workspace, post["id"], platforms=["xiaohongshu", "wechat"])

    assert report["platforms"] == ["xiaohongshu", "wechat_oa"]
    [too_long] = findings(report, "title_too_long")
    assert (too_long["platform"], too_long["severity"], too_long["start"]) == (
        "xiaohongshu",
        "error",
        20,
    )
    assert {(x["platform"], x["fits"]) for x in report["title"]["limits"]} == {
        ("xiaohongshu", False),
        ("wechat_oa", True),
    }
    superlatives = {
        (w["word"], w["start"], w["end"])
        for w in report["words"]
        if w["category"] == "advertising_law" and w["field"] == "title"
    }
    assert {("全网最低", 0, 4), ("最低价", 2, 5)} <= superlatives
    assert title[2:5] == "最低价"
    [rival] = [w for w in report["words"] if w["category"] == "competitor"]
    assert body[rival["start"] : rival["end"]] == "星巴克"
    assert (rival["line"], rival["field"]) == (3, "body_markdown")
    by_keyword = {k["keyword"]: k for k in report["keywords"]}
    assert by_keyword["咖啡豆"]["in_title"] is True
    assert by_keyword["冷萃"]["in_title"] is False
    assert by_keyword["冷萃"]["band"] == "low"
    assert findings(report, "keyword_not_in_title")[0]["message"].count("冷萃") == 1
    assert findings(report, "summary_missing")
    assert report["structure"]["long_paragraphs"] == 1
    assert report["structure"]["headings"] == 1
    assert 0 <= report["score"] < 60
    assert [f["severity"] for f in report["findings"]] == sorted(
        (f["severity"] for f in report["findings"]), key=["error", "warning", "info"].index
    )


async def test_a_clean_post_scores_high_and_a_copy_is_a_near_duplicate(
    client: httpx.AsyncClient,
    workspace: Workspace,
    other_workspace: Workspace,
    create_post: PostFactory,
) -> None:
    body = (
        "# 冷萃咖啡怎么做\n\n冷萃咖啡做法很简单。准备咖啡豆和冷水。\n\n"
        "## 步骤\n\n将咖啡粉浸泡十二小时。过滤后冷藏保存。冷萃咖啡口感顺滑。"
    )
    first = await create_post(
        title="冷萃咖啡在家就能做",
        body_markdown=body,
        summary="三步学会冷萃咖啡，在家也能喝到顺滑口感。",
        keywords=["冷萃"],
    )
    report = await analysis(client, workspace, first["id"], platforms=["wechat_oa"])
    assert report["near_duplicates"] == []
    assert report["score"] >= 90, report["findings"]

    await create_post(other_workspace, title="冷萃咖啡在家就能做", body_markdown=body)
    copy = await create_post(title="冷萃咖啡在家就能做！", body_markdown=body + "\n\n欢迎留言。")
    again = await analysis(client, workspace, copy["id"])
    [duplicate] = again["near_duplicates"]
    assert duplicate["post_id"] == first["id"]
    assert duplicate["similarity"] > 0.8
    assert findings(again, "near_duplicate")[0]["severity"] == "error"


async def test_analysis_is_workspace_scoped(
    client: httpx.AsyncClient, other_workspace: Workspace, create_post: PostFactory
) -> None:
    post = await create_post()
    response = await client.get(f"{POSTS}/{post['id']}/analysis", headers=other_workspace.headers())
    assert response.status_code == 404
    bad = await client.get(
        f"{POSTS}/{post['id']}/analysis",
        params={"platforms": "myspace"},
        headers=other_workspace.headers(),
    )
    assert bad.status_code == 404


def test_the_api_categories_are_textkits() -> None:
    assert set(get_args(Category)) == set(WORD_CATEGORIES)


async def test_word_lists_validate_categories_and_emit_the_whole_list(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    other_workspace: Workspace,
) -> None:
    unknown = await client.post(
        WORDLISTS,
        json={
            "name": "x",
            "words": [{"word": "a", "category": "political"}, {"word": "b", "category": "rude"}],
        },
        headers=workspace.headers("editor"),
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "words.1.category"

    created = await client.post(
        WORDLISTS,
        json={"name": "广告法", "words": [{"word": "国家级", "category": "advertising_law"}]},
        headers=workspace.headers("editor"),
    )
    wordlist = created.json()
    replaced = await client.put(
        f"{WORDLISTS}/{wordlist['id']}",
        json={
            "name": "广告法",
            "words": [
                {"word": "国家级", "category": "advertising_law"},
                {"word": "特效", "category": "medical_claim"},
            ],
        },
        headers=workspace.headers("editor"),
    )
    assert replaced.json()["version"] == 2
    assert (
        await client.get(f"{WORDLISTS}/{wordlist['id']}", headers=other_workspace.headers())
    ).status_code == 404
    deleted = await client.delete(f"{WORDLISTS}/{wordlist['id']}", headers=workspace.headers())
    assert deleted.status_code == 204

    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    payloads = [CloudEvent.from_bytes(row.value).payload() for row in rows]
    lists = [p for p in payloads if isinstance(p, WordlistChangedV1)]
    assert len(lists) == len(payloads)
    assert [(p.deleted, [w.word for w in p.words]) for p in lists] == [
        (False, ["国家级"]),
        (False, ["国家级", "特效"]),
        (True, []),
    ]


def stats(
    workspace_id: str, totals: dict[str, dict[str, int]], verdicts: dict[str, str], end: datetime
) -> CloudEvent:
    batch = str(uuid.uuid4())
    return CloudEvent.create(
        "stats.ingested",
        "/metrics-svc",
        batch,
        workspace_id,
        StatsIngestedV1(
            batch_id=batch,
            workspace_id=workspace_id,
            points_received=1,
            points_stored=1,
            period_start=end - timedelta(days=1),
            period_end=end,
            post_ids=list(totals),
            channel_ids=[],
            post_totals=[
                PostTotals(post_id=pid, totals=t, verdict=verdicts.get(pid))
                for pid, t in totals.items()
            ],
        ),
    )


async def test_stats_give_each_post_a_performance_and_a_sort(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
) -> None:
    hit, flop, quiet, fresh = [
        (await create_post(title=t))["id"] for t in ("hit", "flop", "quiet", "fresh")
    ]
    now = datetime.now(UTC)
    handler = HANDLERS["stats.ingested"]
    await runtime.consumer.apply(
        stats(
            workspace.id,
            {
                hit: {"reads": 9000, "likes": 300, "comments": 20},
                flop: {"reads": 12000, "likes": 5},
                quiet: {"reads": 800},
                str(uuid.uuid4()): {"reads": 1},
            },
            {hit: "outperforming", flop: "underperforming"},
            now,
        ),
        handler,
    )
    # An older batch does not undo newer figures.
    await runtime.consumer.apply(
        stats(workspace.id, {hit: {"reads": 1}}, {}, now - timedelta(days=3)), handler
    )

    post = (await client.get(f"{POSTS}/{hit}", headers=workspace.headers())).json()
    assert post["performance"]["reads"] == 9000
    assert post["performance"]["engagement"] == 320
    assert post["performance"]["verdict"] == "outperforming"

    order: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {
            "sort": "performance",
            "limit": 3,
            **({"cursor": cursor} if cursor else {}),
        }
        page = (await client.get(POSTS, params=params, headers=workspace.headers())).json()
        order += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert order == [hit, quiet, flop, fresh]


async def test_trends_show_rising_keywords_and_the_peers_covering_them(
    client: httpx.AsyncClient, runtime: ServiceRuntime, workspace: Workspace
) -> None:
    now = datetime.now(UTC)
    titles_now = [
        "冷萃咖啡销量大涨",
        "冷萃咖啡成夏季爆款",
        "Oat milk latte trend grows",
        "Oat milk shortage",
    ]
    titles_before = ["门店开业", "Oat milk prices", "咖啡豆涨价"]
    async with runtime.db.transaction() as session:
        peer = Source(
            id=str(uuid.uuid4()),
            workspace_id=workspace.id,
            kind="peer",
            name="同行公众号",
            url="https://peer.example.com/rss",
            interval_minutes=60,
            created_by="t",
            next_fetch_at=now,
            failure_count=0,
            ideas_created=0,
            created_at=now,
            updated_at=now,
        )
        session.add(peer)
        for i, title in enumerate(titles_now + titles_before):
            recent = i < len(titles_now)
            session.add(
                Idea(
                    id=str(uuid.uuid4()),
                    workspace_id=workspace.id,
                    origin="source_entry",
                    status="new",
                    title=title,
                    tags=[],
                    terms=tokens(title),
                    asker_ids=[],
                    asker_count=0,
                    sample_questions=[],
                    source_id=peer.id if recent else None,
                    url_key=f"https://e.com/{i}",
                    seen_at=now - timedelta(hours=1 if recent else 30),
                    created_at=now,
                    updated_at=now,
                )
            )
    response = await client.get(
        "/api/v1/trends", params={"window": "24h"}, headers=workspace.headers("analyst")
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["entries"], report["previous_entries"]) == (4, 3)
    by_word = {t["keyword"]: t for t in report["keywords"]}
    assert any("冷萃" in word and t["count"] == 2 for word, t in by_word.items())
    oat = by_word["oat"]
    assert (oat["count"], oat["previous_count"], oat["lift"], oat["language"]) == (2, 1, 1.5, "en")
    assert oat["peers"] == [{"source_id": peer.id, "name": "同行公众号", "entries": 2}]
    assert {s["title"] for s in oat["samples"]} == {
        "Oat milk latte trend grows",
        "Oat milk shortage",
    }
    assert "门店" not in by_word

    bad = await client.get(
        "/api/v1/trends", params={"window": "yesterday"}, headers=workspace.headers()
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.window"
    for window in ("0h", "31d", "24"):
        response = await client.get(
            "/api/v1/trends", params={"window": window}, headers=workspace.headers()
        )
        assert response.status_code == 422, window
