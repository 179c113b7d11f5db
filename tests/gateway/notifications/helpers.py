"""What the notification and stream tests share: a gateway whose robots may be on this
machine, events applied as the gateway's consumer applies them, and the mail it sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from event_contracts import (
    CloudEvent,
    DistributionFailedV1,
    DistributionManualWaitingV1,
    DistributionSucceededV1,
    FailureReason,
    Payload,
    topic_of,
)
from gateway.mail.mailbox import message_names, read_message, text_of
from gateway.notifications.delivery import MAIL_KIND, Outcomes, send_due
from gateway.runtime import GatewayRuntime
from servicekit.settings import SharedSettings

from tests.gateway.gateway_harness import Gateway, GatewayFactory

ADA = "ada@example.com"  # the owner
BOB = "bob@example.com"  # an editor


@pytest.fixture
async def gw(
    make_gateway: GatewayFactory, database_url: str, tmp_path: Path
) -> AsyncIterator[Gateway]:
    shared = SharedSettings(environment="test", data_dir=tmp_path, allow_private_urls=True)
    async with make_gateway(database_url=database_url, shared=shared) as gateway:
        yield gateway


def runtime_of(gw: Gateway) -> GatewayRuntime:
    runtime = gw.app.state.runtime
    assert isinstance(runtime, GatewayRuntime)
    return runtime


async def apply(gw: Gateway, payload: Payload, *, event: CloudEvent | None = None) -> CloudEvent:
    """Apply an event as the gateway's consumer does (its processed-events check included);
    the same `event` again is a redelivery."""
    topic = topic_of(type(payload))
    event = event or CloudEvent.create(
        topic.name,
        f"/{topic.producers[0]}",
        str(getattr(payload, topic.key)),
        str(getattr(payload, "workspace_id")),  # noqa: B009
        payload,
    )
    runner = runtime_of(gw).consumer
    await runner.apply(event, runner.handlers[event.type])
    return event


async def send(gw: Gateway, now: datetime | None = None) -> Outcomes:
    runtime = runtime_of(gw)
    return await send_due(
        runtime.db,
        mailer=runtime.mailer,
        http=runtime.robots,
        box=lambda: runtime.notification_box,
        now=now,
    )


def failed(
    workspace_id: str, *, needs_reauth: bool = False, post: str = "p-1"
) -> DistributionFailedV1:
    return DistributionFailedV1(
        distribution_id=f"d-{post}",
        post_id=post,
        channel_id="c-1",
        workspace_id=workspace_id,
        platform="weibo",
        reasons=[FailureReason(code="sensitive_word", message="正文包含敏感词“内幕”")],
        attempts=1,
        failed_at=datetime.now(UTC),
        retryable=False,
        needs_reauth=needs_reauth,
    )


def succeeded(workspace_id: str, post: str, *, url: str | None = "") -> DistributionSucceededV1:
    """`post` reached a WeChat channel; at `url` (the post's own address when not given)."""
    return DistributionSucceededV1(
        distribution_id=f"d-{post}",
        post_id=post,
        channel_id="c-1",
        workspace_id=workspace_id,
        platform="wechat",
        url=f"https://mp.weixin.qq.com/s/{post}" if url == "" else url,
        attempts=1,
        succeeded_at=datetime.now(UTC),
    )


def waiting(workspace_id: str) -> DistributionManualWaitingV1:
    return DistributionManualWaitingV1(
        distribution_id="d-manual",
        post_id="p-2",
        channel_id="c-2",
        workspace_id=workspace_id,
        platform="xiaohongshu",
        title="春季新品",
        waiting_since=datetime.now(UTC),
    )


def notices_to(gw: Gateway, address: str) -> list[str]:
    """The texts of the notification mails `address` received, oldest first."""
    found = []
    for name in message_names(gw.mail_dir):
        message = read_message(gw.mail_dir / name)
        if message.get("X-Mediaops-Mail") == MAIL_KIND and message["To"] == address:
            found.append(f"{message['Subject']}\n{text_of(message)}")
    return found


async def team(gw: Gateway) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Ada (owner) with Bob (editor) in her workspace: her token, his headers, her sign-up."""
    signed_up = await gw.signup(ADA)
    owner = await gw.login(ADA)
    bob = await gw.invite(owner, BOB, "editor")
    return owner, bob, signed_up
