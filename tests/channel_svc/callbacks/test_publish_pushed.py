"""`PUBLISHJOBFINISH` settles a submitted WeChat publish without waiting for the next poll;
polling stays as the fallback, and whichever comes first is applied once."""

from __future__ import annotations

import httpx
from channel_svc.runtime import ChannelRuntime

from tests.channel_svc.callbacks.helpers import configured, event, push
from tests.channel_svc.conftest import outbox_events
from tests.channel_svc.helpers import (
    apply,
    article,
    distribution_of,
    running_worker,
    until,
)
from tests.fakes.wechat import WechatFake

Fake = tuple[WechatFake, str]


def finished(
    publish_id: str, status: int, article_id: str = "", url: str = ""
) -> dict[str, object]:
    info: dict[str, object] = {"publish_id": publish_id, "publish_status": status}
    if article_id:
        info["article_id"] = article_id
        info["article_detail"] = {"count": 1, "item": {"idx": 1, "article_url": url}}
    return event("PUBLISHJOBFINISH", openid="oSYSTEM", PublishEventInfo=info)


async def test_the_pushed_result_confirms_the_publish_once(
    slow_polls: tuple[ChannelRuntime, httpx.AsyncClient],
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    runtime, client = slow_polls
    fake, base = wechat
    account = await configured(client, editor, base)
    async with running_worker(runtime):
        sent = article(workspace_id, [account.channel_id], base)
        await apply(runtime, sent)
        row = await distribution_of(client, editor, sent.data["post_id"], account.channel_id)
        waiting = await until(client, editor, row["id"], {"confirming"})
    [publication] = fake.publications.values()
    assert waiting["external_id"] == publication.publish_id
    url = "https://mp.weixin.qq.com/s/pushed"
    message = finished(publication.publish_id, 0, "ARTICLE_1", url)
    response, reply = await push(client, account, message)
    assert response.status_code == 200
    assert reply is None
    done = (await client.get(f"/api/v1/distributions/{row['id']}", headers=editor)).json()
    assert done["status"] == "succeeded"
    assert done["url"] == url
    assert done["external_id"] == "ARTICLE_1"
    # WeChat's retry of the event, and a late poll's answer, change nothing.
    await push(client, account, message)
    [succeeded] = await outbox_events(runtime, "distribution.succeeded")
    assert succeeded["data"]["url"] == url
    assert fake.accounts[next(iter(fake.accounts))].calls.get("freepublish/get", 0) == 0


async def test_a_pushed_rejection_fails_the_distribution(
    slow_polls: tuple[ChannelRuntime, httpx.AsyncClient],
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    runtime, client = slow_polls
    fake, base = wechat
    account = await configured(client, editor, base, mode="plain")
    async with running_worker(runtime):
        sent = article(workspace_id, [account.channel_id], base)
        await apply(runtime, sent)
        row = await distribution_of(client, editor, sent.data["post_id"], account.channel_id)
        await until(client, editor, row["id"], {"confirming"})
    [publication] = fake.publications.values()
    await push(client, account, finished(publication.publish_id, 4))
    done = (await client.get(f"/api/v1/distributions/{row['id']}", headers=editor)).json()
    assert done["status"] == "failed"
    assert "review" in done["last_error"]
    assert len(await outbox_events(runtime, "distribution.failed")) == 1
