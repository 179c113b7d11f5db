"""A published post reaches a WeChat official account (the fake, over real HTTP): cover
and images uploaded, draft made, publish submitted and confirmed; token rotation, quotas,
rejected credentials, review rejection, a later deletion and a crash mid-send."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from channel_svc.adapters import wechat as wechat_adapter
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings
from opentelemetry.trace import SpanKind
from servicekit.tracing import continue_trace

from tests.channel_svc.conftest import WECHAT_APPID, WECHAT_SECRET, outbox_events
from tests.channel_svc.helpers import (
    apply,
    article,
    distribution_of,
    killed_during,
    running_replica,
    running_worker,
    settled,
    until,
    wechat_channel,
)
from tests.fakes.wechat import WechatFake
from tests.spans import SAMPLED, addresses, attributes, recorded_spans

Fake = tuple[WechatFake, str]


async def test_a_post_is_published_with_its_cover_and_images_rehosted(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    fake, base = wechat
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    row, done = await settled(client, editor, worker, event, channel_id)
    assert done["status"] == "succeeded", done
    [publication] = fake.published()
    assert done["url"] == publication.url
    assert done["url"].startswith("https://mp.weixin.qq.com/s/")
    assert done["external_id"] == publication.article_id
    sent = publication.article
    assert sent["title"] == "春季新品发布会回顾"
    assert sent["thumb_media_id"] in fake.accounts[WECHAT_APPID].materials
    # The body image now points at WeChat's copy, so the platform keeps it.
    [hosted] = fake.accounts[WECHAT_APPID].images
    assert f'src="{hosted}"' in sent["content"]
    assert "style=" in sent["content"]
    assert "— 品牌官方" in sent["content"]
    [succeeded] = await outbox_events(worker, "distribution.succeeded")
    assert succeeded["data"]["url"] == publication.url


async def _one_article_sent(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    base: str,
) -> str:
    """A WeChat channel with one article sent through it (our token now in use)."""
    channel_id = await wechat_channel(client, editor, base)
    _, done = await settled(
        client, editor, worker, article(workspace_id, [channel_id], base), channel_id
    )
    assert done["status"] == "succeeded", done
    return channel_id


async def test_a_token_another_system_forced_anew_is_asked_for_again_and_the_send_goes_through(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    fake, base = wechat
    channel_id = await _one_article_sent(client, worker, editor, workspace_id, base)
    fake.force_stable_refresh(WECHAT_APPID)  # ours now answers 40001
    second = article(workspace_id, [channel_id], base, title="第二篇推送")
    row, done = await settled(client, editor, worker, second, channel_id)
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 1
    # Asked again in the normal mode: the token the other system made, no new one.
    assert fake.requests.count("/cgi-bin/stable_token") == 2
    assert fake.accounts[WECHAT_APPID].stable_tokens_issued == 2
    assert len(fake.published()) == 2


async def test_a_token_another_system_fetched_the_old_way_leaves_ours_working(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    """Another tool of the brand's (an auto-reply plug-in, a second dashboard) asking
    `/cgi-bin/token` used to knock our token out; the stable token is kept apart from it."""
    fake, base = wechat
    channel_id = await _one_article_sent(client, worker, editor, workspace_id, base)
    fake.rotate_token(WECHAT_APPID)
    second = article(workspace_id, [channel_id], base, title="第二篇推送")
    row, done = await settled(client, editor, worker, second, channel_id)
    assert done["status"] == "succeeded", done
    assert fake.requests.count("/cgi-bin/stable_token") == 1
    assert len(fake.published()) == 2


async def test_a_spent_quota_defers_until_midnight_in_beijing_without_retrying(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    fake, base = wechat
    fake.spend_quota(WECHAT_APPID, "draft/add")
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    row, done = await settled(client, editor, worker, event, channel_id)
    assert done["status"] == "deferred"
    assert done["error_code"] == "wechat_45009"
    assert "quota" in done["last_error"]
    when = datetime.fromisoformat(done["next_attempt_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert (when.hour, when.minute) == (0, 0)
    assert when > datetime.now(UTC)
    await asyncio.sleep(0.3)
    assert fake.requests.count("/cgi-bin/draft/add") == 1  # no retry storm
    assert await outbox_events(worker, "distribution.failed") == []


async def test_traces_of_a_send_carry_neither_the_appsecret_nor_the_access_token(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    """With tracing exported, every platform call is a span that records its address:
    every call but the token's carries `access_token=`."""
    fake, base = wechat
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    with recorded_spans() as spans:
        with continue_trace("publish", SAMPLED, kind=SpanKind.PRODUCER):
            await apply(worker, event)  # the distribution keeps this sampled trace
        row = await distribution_of(client, editor, event.data["post_id"], channel_id)
        assert (await until(client, editor, row["id"]))["status"] == "succeeded"

    # The fake's own server spans are WeChat's side (which knows its secret); they are
    # recorded here only because the fake runs in this process.
    platform_side = httpx.URL(base).port
    ours = [
        span
        for span in spans
        if not (
            span.kind is SpanKind.SERVER
            and (span.attributes or {}).get("server.port") == platform_side
        )
    ]
    calls = [url for url in addresses(ours) if url.startswith(base)]
    # The token call sends its secret in the body, which no span records.
    assert any(url.endswith("/cgi-bin/stable_token") for url in calls), calls
    assert any("/cgi-bin/draft/add?access_token=REDACTED" in url for url in calls), calls
    account = fake.accounts[WECHAT_APPID]
    issued = {account.token, *account.old_tokens, *account.stable_tokens} - {None}
    assert issued
    recorded = str(attributes(ours))
    for secret in (WECHAT_SECRET, *issued):
        assert str(secret) not in recorded


async def test_rejected_credentials_mark_the_channel_needs_reauth(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    fake, base = wechat
    channel_id = await wechat_channel(
        client, editor, base, credentials={"appid": WECHAT_APPID, "secret": "f" * 32}
    )
    event = article(workspace_id, [channel_id], base)
    row, done = await settled(client, editor, worker, event, channel_id)
    assert done["status"] == "failed"
    assert done["error_code"] == "wechat_40125"
    assert "AppSecret is invalid" in done["last_error"]
    channel = (await client.get(f"/api/v1/channels/{channel_id}", headers=editor)).json()
    assert channel["status"] == "needs_reauth"
    assert "40125" in channel["status_reason"]
    # New credentials re-activate it, and the distribution can be retried.
    fixed = await client.patch(
        f"/api/v1/channels/{channel_id}",
        json={"credentials": {"appid": WECHAT_APPID, "secret": WECHAT_SECRET}},
        headers=editor,
    )
    assert fixed.json()["status"] == "active"
    retried = await client.post(f"/api/v1/distributions/{row['id']}/retry", headers=editor)
    assert retried.status_code == 200, retried.text
    assert (await until(client, editor, row["id"]))["status"] == "succeeded"


async def test_5xx_and_busy_answers_are_retried_with_backoff(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    fake, base = wechat
    fake.fail_5xx = 1
    fake.busy = 1
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    row, done = await settled(client, editor, worker, event, channel_id)
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 3
    assert len(fake.published()) == 1


async def test_a_review_rejection_fails_with_the_platforms_words(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    fake, base = wechat
    fake.review_reject_words = {"发布会"}
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    row, done = await settled(client, editor, worker, event, channel_id)
    assert done["status"] == "failed"
    assert done["error_code"] == "wechat_publish_status_4"
    assert "review rejected" in done["last_error"]


async def test_a_violation_fails_at_once_with_every_reason_and_nothing_is_sent(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    fake, base = wechat
    channel_id = await wechat_channel(client, editor, base)
    body = "我们是全网第一的品牌，疗效显著。"
    event = article(
        workspace_id,
        [channel_id],
        base,
        title="一个远远超过微信公众号三十二个字标题长度限制的非常非常非常长的标题啊",
        body_markdown=body,
        body_html=f"<p>{body}</p>",
        cover_url=None,
    )
    await apply(worker, event)
    row = await distribution_of(client, editor, event.data["post_id"], channel_id)
    assert row["status"] == "failed"
    assert row["error_code"] == "validation_failed"
    codes = [(v["code"], v["field"], v["position"]) for v in row["violations"]]
    assert ("title_too_long", "title", 32) in codes
    assert ("cover_missing", "cover_url", None) in codes
    assert ("listed_word", "body", body.index("第一")) in codes
    assert ("listed_word", "body", body.index("疗效")) in codes
    [failed] = await outbox_events(worker, "distribution.failed")
    reasons = failed["data"]["reasons"]
    assert len(reasons) == len(row["violations"])
    assert {"listed_word": body.index("第一")}.items() <= {
        r["code"]: r["position"] for r in reasons if r["position"] == body.index("第一")
    }.items()
    await asyncio.sleep(0.1)
    assert fake.requests == []  # the platform never saw it


async def test_a_post_deleted_after_publishing_is_reported_as_taken_down(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    fake, base = wechat
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    row, done = await settled(client, editor, worker, event, channel_id)
    assert done["status"] == "succeeded"
    assert done["watch_until"] is not None
    fake.take_down(done["external_id"], banned=True)
    down = await until(client, editor, row["id"], {"taken_down"})
    assert down["error_code"] == "banned_after_publishing"
    assert "banned the article" in down["last_error"]
    assert down["url"] == done["url"]
    [failed] = await outbox_events(worker, "distribution.failed")
    assert failed["data"]["reasons"][0]["code"] == "banned_after_publishing"
    listed = await client.get(
        "/api/v1/distributions", params={"status": "taken_down"}, headers=editor
    )
    assert [d["id"] for d in listed.json()["items"]] == [row["id"]]


async def test_a_crash_during_the_submit_resumes_without_a_second_article(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    settings_for: Callable[..., Settings],
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    """The process dies while `freepublish/submit` is on the wire; the platform publishes
    anyway. After the restart the article is found, not submitted again."""
    fake, base = wechat
    fake.publish_after_polls = 0
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    # The worker is gone mid-request (the row is still `sending`); the platform finishes.
    await killed_during(runtime, event, fake, "/cgi-bin/freepublish/submit", then=fake.published)
    async with running_replica(settings_for()):
        row = await distribution_of(client, editor, event.data["post_id"], channel_id)
        done = await until(client, editor, row["id"])
    assert done["status"] == "succeeded", done
    assert len(fake.published()) == 1
    assert fake.requests.count("/cgi-bin/freepublish/submit") == 1
    assert fake.requests.count("/cgi-bin/draft/add") == 1
    assert "/cgi-bin/freepublish/batchget" in fake.requests  # found, not sent again
    assert done["url"] == fake.published()[0].url


async def _killed_during_the_submit(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> tuple[str, str]:
    """A worker dies while `freepublish/submit` is on the wire; WeChat accepts it and
    goes on publishing (until the test settles it). The post's and channel's ids."""
    fake, base = wechat
    fake.publish_after_seconds = None  # publishing ends when the test says so
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    submit = "/cgi-bin/freepublish/submit"
    await killed_during(runtime, event, fake, submit, then=lambda: fake.publications)  # accepted
    return event.data["post_id"], channel_id


async def test_a_crash_during_the_submit_while_wechat_still_publishes_waits_for_the_article(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    settings_for: Callable[..., Settings],
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    """The process comes back while WeChat is still publishing: the article is not among
    the published ones yet, and the draft has left the draft box. The worker waits for the
    article; it is never sent twice."""
    fake, _ = wechat
    post_id, channel_id = await _killed_during_the_submit(
        client, runtime, editor, workspace_id, wechat
    )
    async with running_replica(settings_for()):
        row = await distribution_of(client, editor, post_id, channel_id)
        async with asyncio.timeout(10):  # the second submit, refused: the draft is gone
            while fake.requests.count("/cgi-bin/freepublish/submit") < 2:
                await asyncio.sleep(0.02)
        assert (await until(client, editor, row["id"], {"confirming"}))["status"]
        with fake.lock:
            [publishing] = fake.publications.values()
            fake.settle(publishing)
        done = await until(client, editor, row["id"])
    assert done["status"] == "succeeded", done
    [publication] = fake.published()
    assert done["url"] == publication.url
    assert done["external_id"] == publication.article_id
    assert fake.requests.count("/cgi-bin/freepublish/submit") == 2
    assert fake.requests.count("/cgi-bin/draft/add") == 1


async def test_a_taken_draft_whose_article_never_appears_fails_for_the_console(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    settings_for: Callable[..., Settings],
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Refused in review (or deleted by hand): no article appears. After the wait the
    distribution fails, saying where to look, and nothing was submitted again."""
    fake, _ = wechat
    monkeypatch.setattr(wechat_adapter, "TAKEN_DRAFT_WAIT", timedelta(0))
    post_id, channel_id = await _killed_during_the_submit(
        client, runtime, editor, workspace_id, wechat
    )
    async with running_replica(settings_for()):
        row = await distribution_of(client, editor, post_id, channel_id)
        done = await until(client, editor, row["id"])
    assert (done["status"], done["error_code"]) == ("failed", "wechat_publish_unconfirmed")
    assert "WeChat console" in done["last_error"]
    assert fake.requests.count("/cgi-bin/freepublish/submit") == 2


async def test_a_submit_wechat_refused_for_its_quota_can_be_cancelled(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    fake, base = wechat
    fake.spend_quota(WECHAT_APPID, "freepublish/submit")
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    row, done = await settled(client, editor, worker, event, channel_id)
    assert (done["status"], done["error_code"]) == ("deferred", "wechat_45009")
    cancelled = await client.post(f"/api/v1/distributions/{row['id']}/cancel", headers=editor)
    assert cancelled.status_code == 200, cancelled.text
    assert fake.published() == []


async def test_a_crash_after_the_draft_does_not_make_a_second_draft(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    settings_for: Callable[..., Settings],
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    fake, base = wechat
    fake.latency_paths["/cgi-bin/freepublish/submit"] = 1.0
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    # Stop the worker once the draft is stored, while the submit waits at the platform:
    # the submit is sent only after the draft's media id is stored.
    async with running_worker(runtime):
        await apply(runtime, event)
        async with asyncio.timeout(30):
            while "/cgi-bin/freepublish/submit" not in fake.requests:
                await asyncio.sleep(0.005)
    fake.latency_paths.clear()
    async with running_replica(settings_for()):
        row = await distribution_of(client, editor, event.data["post_id"], channel_id)
        done = await until(client, editor, row["id"])
    assert done["status"] == "succeeded", done
    assert fake.requests.count("/cgi-bin/draft/add") == 1
    assert fake.requests.count("/cgi-bin/material/add_material") == 1
    assert len(fake.published()) == 1


async def test_a_spent_quota_does_not_hold_back_an_article_already_submitted(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    """A second post spends the day's drafts while the first is being published: the first
    is still confirmed, and cannot be cancelled and sent as a second article."""
    fake, base = wechat
    fake.publish_after_polls, fake.publish_after_seconds = 10_000, None  # until told
    channel_id = await wechat_channel(client, editor, base)
    first = article(workspace_id, [channel_id], base)
    await apply(worker, first)
    async with asyncio.timeout(10):
        while "/cgi-bin/freepublish/submit" not in fake.requests:
            await asyncio.sleep(0.01)
    fake.spend_quota(WECHAT_APPID, "draft/add")
    second = article(workspace_id, [channel_id], base, title="第二篇推送")
    await apply(worker, second)
    blocked = await distribution_of(client, editor, second.data["post_id"], channel_id)
    assert (await until(client, editor, blocked["id"]))["error_code"] == "wechat_45009"
    row = await distribution_of(client, editor, first.data["post_id"], channel_id)
    # Still being published while its channel's drafts are spent: not to be cancelled.
    refused = await client.post(f"/api/v1/distributions/{row['id']}/cancel", headers=editor)
    assert refused.status_code == 409, refused.text
    fake.publish_after_polls = 0  # WeChat finishes publishing
    done = await until(client, editor, row["id"])
    assert done["status"] == "succeeded", done
    assert [p.article["title"] for p in fake.published()] == [first.data["title"]]


async def test_a_submitted_article_deferred_by_its_polls_quota_cannot_be_cancelled(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
) -> None:
    fake, base = wechat
    fake.publish_after_polls = 3
    fake.spend_quota(WECHAT_APPID, "freepublish/get")
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    row, done = await settled(client, editor, worker, event, channel_id)
    assert (done["status"], done["error_code"]) == ("deferred", "wechat_45009")
    refused = await client.post(f"/api/v1/distributions/{row['id']}/cancel", headers=editor)
    assert refused.status_code == 409, refused.text
    assert (await client.get(f"/api/v1/distributions/{row['id']}", headers=editor)).json()[
        "status"
    ] == "deferred"
    assert fake.requests.count("/cgi-bin/freepublish/submit") == 1
