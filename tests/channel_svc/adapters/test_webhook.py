"""The webhook adapter on its own: what it refuses to reach, and how it reads an answer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from channel_svc.adapters import Delivery, Outcome, UnlockedChannel, WebhookAdapter
from channel_svc.models import Distribution
from event_contracts import PostPublishedV1

from tests.channel_svc.conftest import SECRET, Receiver, published


def delivery_to(url: str) -> Delivery:
    workspace_id = str(uuid.uuid4())
    channel = UnlockedChannel(
        id=str(uuid.uuid4()),
        workspace_id=workspace_id,
        platform="webhook",
        name="CMS",
        config={"url": url},
        secret=SECRET,
    )
    snapshot = PostPublishedV1.model_validate(published(workspace_id, [channel.id]).data)
    distribution = Distribution(
        id=str(uuid.uuid4()),
        workspace_id=workspace_id,
        post_id=snapshot.post_id,
        channel_id=channel.id,
        platform="webhook",
        status="sending",
        attempts=1,
        snapshot=snapshot.model_dump(mode="json"),
        created_at=datetime.now(UTC),
        updated_at=datetime.now(UTC),
    )
    return Delivery(distribution, channel, snapshot)


async def test_a_private_address_is_not_contacted_when_private_urls_are_refused(
    receiver: Receiver,
) -> None:
    # The URL passed the check when the channel was saved; a host can change where it points.
    adapter = WebhookAdapter(timeout_seconds=2, allow_private=False)
    result = await adapter.send(delivery_to(receiver.url))
    assert result.outcome is Outcome.REJECTED
    assert result.code == "unsafe_url"
    assert receiver.received == []


async def test_an_unreachable_receiver_is_a_transient_failure() -> None:
    adapter = WebhookAdapter(timeout_seconds=2, allow_private=True)
    result = await adapter.send(delivery_to("http://127.0.0.1:9/hook"))
    assert result.outcome is Outcome.RETRY
    assert result.code == "unreachable"
    assert result.message is not None
    assert result.message.startswith("webhook unreachable")


async def test_408_is_transient_and_other_4xx_are_not(receiver: Receiver) -> None:
    adapter = WebhookAdapter(timeout_seconds=2, allow_private=True)
    receiver.statuses = [408, 400]
    timeout = await adapter.send(delivery_to(receiver.url))
    assert (timeout.outcome, timeout.code) == (Outcome.RETRY, "http_408")
    bad = await adapter.send(delivery_to(receiver.url))
    assert (bad.outcome, bad.message) == (Outcome.REJECTED, "webhook answered 400 Bad Request")
