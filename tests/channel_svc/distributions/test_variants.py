"""A post with a version for one channel: that channel's distribution is made of it, the
others of the post itself."""

from __future__ import annotations

from typing import Any

import httpx
from channel_svc.runtime import ChannelRuntime

from tests.channel_svc.distributions.test_manual import xhs_channel
from tests.channel_svc.helpers import apply, article, distribution_of, wechat_channel
from tests.fakes.wechat import WechatFake

ARTICLE_TITLE = "春季新品发布会回顾：三大亮点、现场花絮与下一季的路线图全解读"  # 30 characters
NOTE = {
    "title": "发布会三大亮点",
    "summary": None,
    "body_markdown": "三大亮点，一图看懂！",
    "body_html": "<p>三大亮点，一图看懂！</p>",
    "tags": ["新品"],
}


async def test_a_xiaohongshu_package_carries_its_variant_and_wechat_the_original(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: tuple[WechatFake, str],
) -> None:
    _, wechat_url = wechat
    xiaohongshu = await xhs_channel(client, editor)
    article_channel = await wechat_channel(client, editor, wechat_url)
    event = article(
        workspace_id,
        [article_channel, xiaohongshu],
        wechat_url,
        title=ARTICLE_TITLE,
        variants={xiaohongshu: NOTE},
    )
    post_id = event.data["post_id"]

    await apply(runtime, event)

    note = await distribution_of(client, editor, post_id, xiaohongshu)
    assert note["status"] == "awaiting_manual", note
    package: dict[str, Any] = note["rendered"]
    assert package["title"] == NOTE["title"]  # fits the 20 characters; the article's would not
    assert package["body"].startswith("三大亮点，一图看懂！")
    assert "#新品" in package["body"]
    assert "#launch" not in package["body"]
    wechat_copy = await distribution_of(client, editor, post_id, article_channel)
    assert wechat_copy["rendered"]["title"] == ARTICLE_TITLE
    assert "新品上市，欢迎体验。" in wechat_copy["rendered"]["body"]

    previews = {}
    for channel_id in (xiaohongshu, article_channel):
        response = await client.post(
            f"/api/v1/channels/{channel_id}/preview", json={"post_id": post_id}, headers=editor
        )
        assert response.status_code == 200, response.text
        previews[channel_id] = response.json()["rendered"]["title"]
    assert previews == {xiaohongshu: NOTE["title"], article_channel: ARTICLE_TITLE}
