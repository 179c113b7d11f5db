"""The analysis report: what to fix in a post, and where."""

from __future__ import annotations

from typing import Any

import httpx

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
        # WeChat refuses an article without a cover, and the analysis says so.
        cover_url="https://cdn.example.com/cold-brew.jpg",
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
