"""The platform catalogue: every platform Mediaops knows, and the API's view of it."""

from __future__ import annotations

import httpx
from channel_svc.platforms.catalogue import PLATFORMS, Mode, Platform, get_platform


def platform(key: str) -> Platform:
    found = get_platform(key)
    assert found is not None
    return found


def test_the_catalogue_has_every_platform_of_the_issue_and_the_extra_ten() -> None:
    keys = {p.key for p in PLATFORMS}
    assert {
        "wechat_oa",
        "weibo",
        "webhook",
        "feed",
        "toutiao",
        "zhihu",
        "xiaohongshu",
        "douyin",
        "bilibili",
        "baijiahao",
        "dayu",
        "douban",
        "ximalaya",
        "yidian",
        "netease",
        "qingting",
        "lizhi",
        "kuaishou",
        "meipai",
        "xigua",
        "tieba",
        "jianshu",
        "taobao_weitao",
    } <= keys
    assert {p.key for p in PLATFORMS if p.mode is Mode.API} == {"wechat_oa", "weibo"}
    assert platform("xiaohongshu").rules.title_max == 20
    assert platform("douyin").rules.topics_max == 5


async def test_the_catalogue_lists_every_platform_with_its_rules(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    response = await client.get("/api/v1/platforms", headers=editor)
    assert response.status_code == 200
    page = response.json()
    platforms = {p["key"]: p for p in page["items"]}
    assert page["next_cursor"] is None  # the whole catalogue on one page
    assert len(platforms) >= 23
    assert platforms["wechat_oa"]["mode"] == "api"
    assert platforms["wechat_oa"]["rules"]["title_max"] == 32
    assert platforms["weibo"]["rules"]["body_max"] == 140
    assert platforms["xiaohongshu"]["rules"]["hashtag_style"] == "trailing_space"
    assert platforms["taobao_weitao"]["mode"] == "manual"
    assert (await client.get("/api/v1/platforms/myspace", headers=editor)).status_code == 404
    assert (await client.get("/api/v1/platforms")).status_code == 401
