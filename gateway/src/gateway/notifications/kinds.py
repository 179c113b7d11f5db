"""What operators are told of, and whom each notice is for.

One notice per event: `notice_for` turns an applied event into what it says (in Chinese,
as the operators read) and to whom it goes by mail (roles of the workspace, or one
operator, never the one who caused it); every robot of the workspace that takes the kind
posts it too.

Every kind is mailed unless the operator turns it off, except those in `MAIL_OFF_BY_DEFAULT`,
which are mailed only to whoever turns them on: a successful publish is news for the
team's group robot (new robots take every kind), but a mail per post and channel would bury
the notices that ask something of the operator (GitLab and GitHub mail a failed pipeline
and keep a passing one quiet, the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import singledispatch

from event_contracts import (
    AlertRaisedV1,
    DistributionFailedV1,
    DistributionManualWaitingV1,
    DistributionSucceededV1,
    InboxItemAssignedV1,
    Payload,
    PostReviewChangedV1,
    WebhookSubscriptionDisabledV1,
)


class Kind(StrEnum):
    REVIEW_REQUESTED = "review_requested"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    DISTRIBUTION_FAILED = "distribution_failed"
    NEEDS_REAUTH = "needs_reauth"
    MANUAL_HANDOFF = "manual_handoff"
    INBOX_ASSIGNED = "inbox_assigned"
    ALERT_RAISED = "alert_raised"
    DISTRIBUTION_SUCCEEDED = "distribution_succeeded"
    WEBHOOK_SUBSCRIPTION_DISABLED = "webhook_subscription_disabled"


KINDS = tuple(kind.value for kind in Kind)
# Mailed only to the operators who turn them on (robots post them like any kind).
MAIL_OFF_BY_DEFAULT = frozenset({Kind.DISTRIBUTION_SUCCEEDED})
# Who hears of a distribution's trouble: whoever publishes and manages channels.
PUBLISHERS = ("owner", "editor")


@dataclass(frozen=True)
class Notice:
    kind: Kind
    title: str
    body: str
    roles: tuple[str, ...] = ()  # mail every operator of these roles ...
    operator_id: str | None = None  # ... or this one operator
    not_to: str | None = None  # never the one who caused it
    # Where to look: an address, or a path of the gateway's API (`MEDIAOPS_PUBLIC_URL`
    # goes before it).
    link: str | None = None


@singledispatch
def notice_for(payload: Payload) -> Notice | None:
    """What an event tells operators; None for an event that tells them nothing."""
    return None


@notice_for.register
def _review(changed: PostReviewChangedV1) -> Notice:
    title = f"《{changed.title}》"
    comment = f"\n意见：{changed.comment}" if changed.comment else ""
    if changed.action == "submitted":
        return Notice(
            Kind.REVIEW_REQUESTED,
            f"待审核：{title}",
            f"{title}（第 {changed.version} 版）已提交审核，等待审核。",
            roles=("owner", "reviewer"),
            not_to=changed.actor_id,
        )
    if changed.action == "changes_requested":
        return Notice(
            Kind.CHANGES_REQUESTED,
            f"需修改：{title}",
            f"{title}被退回修改。{comment}",
            operator_id=changed.author_id,
            not_to=changed.actor_id,
        )
    return Notice(
        Kind.APPROVED,
        f"已通过：{title}",
        f"{title}（第 {changed.version} 版）已审核通过，可以发布。{comment}",
        operator_id=changed.author_id,
        not_to=changed.actor_id,
    )


@notice_for.register
def _failed(failed: DistributionFailedV1) -> Notice | None:
    if failed.reasons and failed.reasons[0].code == "cancelled":
        return None  # an operator cancelled it: nothing to tell
    reasons = "；".join(reason.message for reason in failed.reasons)
    where = f"帖子 {failed.post_id} 发往 {failed.platform} 渠道 {failed.channel_id}"
    if failed.needs_reauth:
        return Notice(
            Kind.NEEDS_REAUTH,
            f"渠道需要重新授权：{failed.platform}",
            f"{where}失败：平台拒绝了渠道的凭据，请重新授权后重试。\n原因：{reasons}",
            roles=PUBLISHERS,
        )
    again = "可以重试。" if failed.retryable else "修改后重新发布。"
    return Notice(
        Kind.DISTRIBUTION_FAILED,
        f"发布失败：{failed.platform}",
        f"{where}失败，{again}\n原因：{reasons}",
        roles=PUBLISHERS,
    )


@notice_for.register
def _manual(waiting: DistributionManualWaitingV1) -> Notice:
    what = f"《{waiting.title}》" if waiting.title else f"帖子 {waiting.post_id}"
    return Notice(
        Kind.MANUAL_HANDOFF,
        f"待手动发布：{what}（{waiting.platform}）",
        f"{what}需要手动发到 {waiting.platform}（渠道 {waiting.channel_id}）：复制发布包发出后，"
        f"在分发 {waiting.distribution_id} 上标记完成。",
        roles=PUBLISHERS,
    )


@notice_for.register
def _assigned(assigned: InboxItemAssignedV1) -> Notice:
    excerpt = f"：“{assigned.excerpt}”" if assigned.excerpt else ""
    return Notice(
        Kind.INBOX_ASSIGNED,
        f"收件箱分配给你：{assigned.platform}",
        f"收件箱条目 {assigned.item_id}（{assigned.platform}）分配给了你{excerpt}",
        operator_id=assigned.assignee_id,
        not_to=assigned.assigned_by,
    )


@notice_for.register
def _alert(raised: AlertRaisedV1) -> Notice:
    about = f"《{raised.title}》" if raised.title else (raised.channel_name or raised.kind)
    return Notice(
        Kind.ALERT_RAISED,
        f"数据预警：{about}",
        f"{raised.kind}：{raised.message}",
        roles=("owner", "editor", "analyst"),
    )


@notice_for.register
def _succeeded(succeeded: DistributionSucceededV1) -> Notice:
    where = f"帖子 {succeeded.post_id} 已发到 {succeeded.platform}（渠道 {succeeded.channel_id}）"
    return Notice(
        Kind.DISTRIBUTION_SUCCEEDED,
        f"发布成功：{succeeded.platform}",
        f"{where}。" if succeeded.url else f"{where}，平台没有给出链接。",
        roles=PUBLISHERS,
        link=succeeded.url,
    )


@notice_for.register
def _subscription_disabled(disabled: WebhookSubscriptionDisabledV1) -> Notice:
    since = disabled.failing_since.strftime("%Y-%m-%d %H:%M UTC")
    return Notice(
        Kind.WEBHOOK_SUBSCRIPTION_DISABLED,
        f"Webhook 订阅已停用：{disabled.url}",
        f"发往 {disabled.url} 的 webhook 订阅（{disabled.subscription_id}）自 {since} 起"
        f"一直投递失败，已被自动停用，之后的事件不再发送。\n原因：{disabled.reason}\n"
        "修好接收端后，在订阅上重新启用，并重新投递错过的事件。",
        roles=("owner",),  # who manages the workspace's webhook subscriptions
        link=f"/api/v1/webhook-subscriptions/{disabled.subscription_id}/deliveries",
    )
