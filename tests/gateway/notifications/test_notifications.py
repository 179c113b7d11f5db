"""Operators hear of what waits on them: by mail, unless they turned the kind off, one by
one or as a digest; and in their chat groups, through robots that sign as their platform
wants. One event makes one notice per destination, however often it is delivered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from event_contracts import (
    AlertRaisedV1,
    InboxItemAssignedV1,
    PostReviewChangedV1,
    WebhookSubscriptionDisabledV1,
)

from tests.fakes.robots import RobotsFake, robots_app
from tests.fakes.server import serve_in_thread
from tests.gateway.gateway_harness import Gateway, bearer
from tests.gateway.notifications.helpers import (
    ADA,
    BOB,
    apply,
    failed,
    notices_to,
    runtime_of,
    send,
    succeeded,
    team,
    waiting,
)

SECRET = "SEC0123456789abcdef"


@pytest.fixture
def robots() -> Iterator[tuple[RobotsFake, str]]:
    fake = RobotsFake()
    server = serve_in_thread(robots_app(fake))
    yield fake, server.url
    server.stop()


async def _add_robot(gw: Gateway, owner: str, **body: object) -> dict[str, object]:
    added = await gw.client.post("/api/v1/notifications/robots", json=body, headers=bearer(owner))
    assert added.status_code == 201, added.text
    result: dict[str, object] = added.json()
    return result


async def test_a_failed_distribution_reaches_the_feishu_robot_signed_once(
    gw: Gateway, robots: tuple[RobotsFake, str]
) -> None:
    fake, url = robots
    owner, _, signed_up = await team(gw)
    workspace_id = signed_up["workspace"]["id"]
    path = fake.feishu("hook-1", SECRET)
    robot = await _add_robot(
        gw, owner, name="运营群", platform="feishu", webhook_url=url + path, secret=SECRET
    )

    event = await apply(gw, failed(workspace_id))
    await apply(gw, failed(workspace_id), event=event)  # delivered twice
    first = await send(gw)
    again = await send(gw, datetime.now(UTC) + timedelta(hours=2))

    assert fake.refused == []
    assert [(r.platform, r.token) for r in fake.received] == [("feishu", "hook-1")]
    assert "发布失败：weibo" in fake.received[0].text
    assert "正文包含敏感词" in fake.received[0].text
    assert len(first.sent) == 3  # the robot, Ada (owner) and Bob (editor)
    assert again.sent == []
    assert again.failed == {}
    assert len(notices_to(gw, ADA)) == 1
    assert len(notices_to(gw, BOB)) == 1
    # What the API shows of the robot: never its URL or secret.
    assert robot["webhook_host"] == "127.0.0.1"
    assert robot["signed"] is True
    assert "hook-1" not in str(robot)
    assert SECRET not in str(robot)


@pytest.mark.parametrize("platform", ["dingtalk", "wecom"])
async def test_dingtalk_and_wecom_robots_get_their_own_formats(
    gw: Gateway, robots: tuple[RobotsFake, str], platform: str
) -> None:
    fake, url = robots
    owner, _, signed_up = await team(gw)
    if platform == "dingtalk":
        body = {"webhook_url": url + fake.dingtalk("tok", SECRET), "secret": SECRET}
    else:
        body = {"webhook_url": url + fake.wecom("key-1")}
    await _add_robot(gw, owner, name="群", platform=platform, **body)

    await apply(gw, failed(signed_up["workspace"]["id"], needs_reauth=True))
    await send(gw)

    assert fake.refused == []
    assert [r.platform for r in fake.received] == [platform]
    assert "渠道需要重新授权" in fake.received[0].text


async def test_a_wrong_secret_is_refused_by_the_platform_and_tried_again_later(
    gw: Gateway, robots: tuple[RobotsFake, str]
) -> None:
    fake, url = robots
    owner, _, signed_up = await team(gw)
    path = fake.feishu("hook-2", "the-real-secret")
    await _add_robot(
        gw, owner, name="群", platform="feishu", webhook_url=url + path, secret="a-wrong-one"
    )

    await apply(gw, failed(signed_up["workspace"]["id"]))
    outcome = await send(gw)

    assert fake.received == []
    assert fake.refused == [("feishu", 19021)]
    assert len(outcome.failed) == 1
    assert "19021" in next(iter(outcome.failed.values()))


async def test_an_operator_who_turned_a_kind_off_gets_no_mail_of_it(gw: Gateway) -> None:
    _, bob, signed_up = await team(gw)
    workspace_id = signed_up["workspace"]["id"]
    changed = await gw.client.patch(
        "/api/v1/notifications/preferences",
        json={"mail": {"distribution_failed": False}},
        headers=bob,
    )

    await apply(gw, failed(workspace_id))
    await apply(gw, waiting(workspace_id))
    await send(gw)

    assert changed.status_code == 200, changed.text
    assert changed.json()["mail"]["distribution_failed"] is False
    assert changed.json()["mail"]["manual_handoff"] is True
    assert [text.splitlines()[0] for text in notices_to(gw, BOB)] == [
        "[Mediaops] 待手动发布：《春季新品》（xiaohongshu）"
    ]
    assert len(notices_to(gw, ADA)) == 2


async def test_a_digest_gathers_the_notices_of_the_hour_into_one_mail(gw: Gateway) -> None:
    _, bob, signed_up = await team(gw)
    workspace_id = signed_up["workspace"]["id"]
    await gw.client.patch(
        "/api/v1/notifications/preferences", json={"digest": "hourly"}, headers=bob
    )

    await apply(gw, failed(workspace_id, post="p-1"))
    await apply(gw, failed(workspace_id, post="p-9"))
    await apply(gw, waiting(workspace_id))
    await send(gw)
    before = notices_to(gw, BOB)
    await send(gw, datetime.now(UTC) + timedelta(hours=1, minutes=1))

    assert before == []
    (digest,) = notices_to(gw, BOB)
    assert digest.startswith("[Mediaops] 3 条通知")
    assert "p-1" in digest
    assert "p-9" in digest
    assert "春季新品" in digest
    assert len(notices_to(gw, ADA)) == 3  # Ada kept one mail each


async def test_review_and_inbox_notices_go_to_whom_they_concern(gw: Gateway) -> None:
    owner, bob, signed_up = await team(gw)
    workspace_id = signed_up["workspace"]["id"]
    me = await gw.client.get("/api/v1/auth/me", headers=bob)
    bob_id = me.json()["operator"]["id"]
    ada_id = signed_up["operator"]["id"]
    now = datetime.now(UTC)
    review = {"post_id": "p-5", "workspace_id": workspace_id, "title": "新品", "version": 2}

    await apply(
        gw,
        PostReviewChangedV1(
            **review, author_id=bob_id, actor_id=bob_id, action="submitted", changed_at=now
        ),
    )
    await apply(
        gw,
        PostReviewChangedV1(
            **review,
            author_id=bob_id,
            actor_id=ada_id,
            action="changes_requested",
            comment="标题再短一些",
            changed_at=now,
        ),
    )
    await apply(
        gw,
        InboxItemAssignedV1(
            item_id="i-1",
            workspace_id=workspace_id,
            assignee_id=bob_id,
            assigned_by=ada_id,
            platform="weibo",
            excerpt="什么时候开售？",
            assigned_at=now,
        ),
    )
    await send(gw)

    # The owner reviews; the author hears what the reviewer said; the assignee their item.
    assert [text.splitlines()[0] for text in notices_to(gw, ADA)] == ["[Mediaops] 待审核：《新品》"]
    bob_heard = notices_to(gw, BOB)
    assert [text.splitlines()[0] for text in bob_heard] == [
        "[Mediaops] 需修改：《新品》",
        "[Mediaops] 收件箱分配给你：weibo",
    ]
    assert "标题再短一些" in bob_heard[0]
    assert "什么时候开售" in bob_heard[1]


async def test_workspaces_never_see_or_reach_each_others_robots(
    gw: Gateway, robots: tuple[RobotsFake, str]
) -> None:
    fake, url = robots
    owner, _, signed_up = await team(gw)
    await gw.signup("erin@example.com", workspace_name="Elsewhere")
    erin = await gw.login("erin@example.com")
    ada_robot = await _add_robot(
        gw, owner, name="A", platform="wecom", webhook_url=url + fake.wecom("ada-key")
    )
    await _add_robot(gw, erin, name="E", platform="wecom", webhook_url=url + fake.wecom("erin-key"))

    await apply(gw, failed(signed_up["workspace"]["id"]))
    await send(gw)
    erins = await gw.client.get("/api/v1/notifications/robots", headers=bearer(erin))
    erin_changes = await gw.client.patch(
        f"/api/v1/notifications/robots/{ada_robot['id']}", json={"name": "x"}, headers=bearer(erin)
    )

    assert [r.token for r in fake.received] == ["ada-key"]
    assert [robot["name"] for robot in erins.json()["items"]] == ["E"]
    assert erin_changes.status_code == 404
    assert notices_to(gw, "erin@example.com") == []


async def test_robots_are_checked_and_only_owners_manage_them(gw: Gateway) -> None:
    owner, bob, _ = await team(gw)
    hook = "https://open.feishu.cn/open-apis/bot/v2/hook/x"

    unsigned = await gw.client.post(
        "/api/v1/notifications/robots",
        json={"name": "群", "platform": "feishu", "webhook_url": hook},
        headers=bearer(owner),
    )
    not_a_url = await gw.client.post(
        "/api/v1/notifications/robots",
        json={"name": "群", "platform": "wecom", "webhook_url": "ftp://example.com/x"},
        headers=bearer(owner),
    )
    by_editor = await gw.client.post(
        "/api/v1/notifications/robots",
        json={"name": "群", "platform": "wecom", "webhook_url": hook},
        headers=bob,
    )

    assert unsigned.status_code == 422
    assert [e["field"] for e in unsigned.json()["errors"]] == ["secret"]
    assert not_a_url.status_code == 422
    assert [e["field"] for e in not_a_url.json()["errors"]] == ["webhook_url"]
    assert by_editor.status_code == 403


async def test_a_raised_alert_reaches_the_team_and_the_analysts(gw: Gateway) -> None:
    owner, _, signed_up = await team(gw)
    await gw.invite(owner, "cat@example.com", "analyst")
    await gw.invite(owner, "rex@example.com", "reviewer")

    await apply(
        gw,
        AlertRaisedV1(
            alert_id="underperforming:c-1:p-1:",
            workspace_id=signed_up["workspace"]["id"],
            kind="underperforming",
            channel_id="c-1",
            post_id="p-1",
            title="新品发布会回顾",
            message="reads 3,000 at 48 h against a median of 6,000: 0.5, underperforming",
            detected_at=datetime.now(UTC),
        ),
    )
    await send(gw)

    told = {a: notices_to(gw, a) for a in (ADA, BOB, "cat@example.com", "rex@example.com")}
    assert {a: [t.splitlines()[0] for t in texts] for a, texts in told.items()} == {
        ADA: ["[Mediaops] 数据预警：《新品发布会回顾》"],
        BOB: ["[Mediaops] 数据预警：《新品发布会回顾》"],
        "cat@example.com": ["[Mediaops] 数据预警：《新品发布会回顾》"],
        "rex@example.com": [],
    }


async def test_a_disabled_webhook_subscription_tells_the_owners_why_and_where_to_look(
    gw: Gateway, robots: tuple[RobotsFake, str]
) -> None:
    fake, url = robots
    owner, _, signed_up = await team(gw)
    workspace_id = signed_up["workspace"]["id"]
    await _add_robot(gw, owner, name="运维群", platform="wecom", webhook_url=url + fake.wecom("k"))
    now = datetime.now(UTC)
    disabled = WebhookSubscriptionDisabledV1(
        subscription_id="sub-1",
        workspace_id=workspace_id,
        url="https://shop.example.com/hooks/mediaops",
        reason="8 attempts over 27 hours failed, with no success since; the last: 503",
        failing_since=now - timedelta(hours=27),
        delivery_id="del-1",
        disabled_at=now,
    )

    event = await apply(gw, disabled)
    await apply(gw, disabled, event=event)  # delivered twice
    await send(gw)

    log = f"{runtime_of(gw).settings.public_url}/api/v1/webhook-subscriptions/sub-1/deliveries"
    (mail,) = notices_to(gw, ADA)
    assert mail.startswith("[Mediaops] Webhook 订阅已停用：https://shop.example.com/hooks/mediaops")
    assert "the last: 503" in mail
    assert log in mail
    assert [r.token for r in fake.received] == ["k"]
    assert log in fake.received[0].text
    assert notices_to(gw, BOB) == []  # an editor manages no webhook subscriptions


async def test_a_successful_publish_goes_to_robots_and_is_mailed_only_to_who_asks(
    gw: Gateway, robots: tuple[RobotsFake, str]
) -> None:
    fake, url = robots
    owner, bob, signed_up = await team(gw)
    workspace_id = signed_up["workspace"]["id"]
    await _add_robot(
        gw,
        owner,
        name="运营群",
        platform="feishu",
        webhook_url=url + fake.feishu("hook-ok", SECRET),
        secret=SECRET,
    )
    defaults = await gw.client.get("/api/v1/notifications/preferences", headers=bob)
    turned_on = await gw.client.patch(
        "/api/v1/notifications/preferences",
        json={"mail": {"distribution_succeeded": True}},
        headers=bob,
    )

    await apply(gw, succeeded(workspace_id, "p-ok"))
    await apply(gw, succeeded(workspace_id, "p-no-url", url=None))
    await send(gw)

    assert defaults.json()["mail"]["distribution_succeeded"] is False
    assert defaults.json()["mail"]["distribution_failed"] is True
    assert turned_on.json()["mail"]["distribution_succeeded"] is True
    assert fake.refused == []
    assert [r.token for r in fake.received] == ["hook-ok", "hook-ok"]
    assert "发布成功：wechat" in fake.received[0].text
    assert "https://mp.weixin.qq.com/s/p-ok" in fake.received[0].text
    assert "没有给出链接" in fake.received[1].text
    assert notices_to(gw, ADA) == []  # the owner kept the default: no mail of it
    assert [text.splitlines()[0] for text in notices_to(gw, BOB)] == [
        "[Mediaops] 发布成功：wechat"
    ] * 2
