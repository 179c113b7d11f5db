"""Deliveries to a real subscriber on a port of its own: signed as Standard Webhooks define
and verified with the `standardwebhooks` library, once per event and subscription, retried
on 5xx with every attempt in the log, sent again on request, and the subscription turned
off with a notice when a delivery used up its retries with no success since."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from channel_svc.runtime import ChannelRuntime
from event_contracts import CloudEvent, InvalidEvent
from standardwebhooks import Webhook, WebhookVerificationError

from tests.channel_svc.conftest import (
    Receiver,
    create_channel,
    outbox_events,
    published,
)
from tests.channel_svc.webhook_subscriptions.conftest import (
    consume,
    example_event,
    send_all,
    subscribe,
)
from tests.conftest import Signer

API = "/api/v1/webhook-subscriptions"


async def deliveries(
    client: httpx.AsyncClient, headers: dict[str, str], subscription_id: str, **params: str
) -> list[dict[str, Any]]:
    response = await client.get(
        f"{API}/{subscription_id}/deliveries", params=params, headers=headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def delivery(
    client: httpx.AsyncClient, headers: dict[str, str], subscription_id: str, delivery_id: str
) -> dict[str, Any]:
    response = await client.get(
        f"{API}/{subscription_id}/deliveries/{delivery_id}", headers=headers
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


@pytest.fixture
async def running(runtime: ChannelRuntime) -> AsyncIterator[ChannelRuntime]:
    """The runtime with its webhook worker running in the background."""
    task = asyncio.create_task(runtime.webhooks.run())
    yield runtime
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_a_subscriber_gets_a_published_post_once_signed(
    client: httpx.AsyncClient,
    running: ChannelRuntime,
    owner: dict[str, str],
    signer: Signer,
    workspace_id: str,
    receiver: Receiver,
) -> None:
    runtime = running
    subscription = await subscribe(client, owner, receiver.url, "post.published")
    # Beside it: one for other types, and another workspace's for the same type.
    other_types = await subscribe(client, owner, receiver.url, "distribution.failed")
    other_owner = signer.headers(workspace_id=str(uuid.uuid4()), roles=("owner",))
    other_workspace = await subscribe(client, other_owner, receiver.url, "post.published")
    event = published(workspace_id, [])

    assert await consume(runtime, event)
    assert not await consume(runtime, event)  # Kafka gave it again: applied once
    await receiver.wait_for(1)
    async with asyncio.timeout(10):  # settled by the worker
        while (await deliveries(client, owner, subscription["id"]))[0]["status"] != "delivered":
            await asyncio.sleep(0.02)
    assert await send_all(runtime) == 0  # nothing left to send

    (request,) = receiver.received
    sent = Webhook(subscription["secret"]).verify(request.body, request.headers)
    assert sent["type"] == "post.published"
    assert sent["data"]["post_id"] == event.data["post_id"]
    assert sent["data"]["title"] == "春季新品发布会回顾"
    assert sent["timestamp"].startswith(event.time.strftime("%Y-%m-%dT%H:%M:%S"))
    with pytest.raises(WebhookVerificationError):  # another subscription's secret
        Webhook(other_types["secret"]).verify(request.body, request.headers)

    (logged,) = await deliveries(client, owner, subscription["id"])
    assert logged["id"] == request.headers["webhook-id"]
    assert logged["event_id"] == event.id
    assert logged["status"] == "delivered"
    detail = await delivery(client, owner, subscription["id"], logged["id"])
    assert [(a["outcome"], a["status_code"]) for a in detail["attempt_log"]] == [("delivered", 200)]
    assert detail["data"]["post_id"] == event.data["post_id"]
    assert await deliveries(client, owner, other_types["id"]) == []
    assert await deliveries(client, other_owner, other_workspace["id"]) == []
    # Another workspace's owner cannot read this delivery under its own subscription.
    foreign = await client.get(
        f"{API}/{other_workspace['id']}/deliveries/{logged['id']}", headers=other_owner
    )
    assert foreign.status_code == 404


async def test_a_failing_subscriber_gets_the_retries_and_they_show_in_the_log(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    owner: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    receiver.statuses = [500, 503, 200]
    subscription = await subscribe(client, owner, receiver.url, "stats.ingested")
    await consume(runtime, example_event("stats.ingested", workspace_id))

    assert await send_all(runtime) == 3
    ids = {request.headers["webhook-id"] for request in receiver.received}
    assert len(receiver.received) == 3
    assert len(ids) == 1  # one delivery, tried three times
    for request in receiver.received:
        Webhook(subscription["secret"]).verify(request.body, request.headers)

    (logged,) = await deliveries(client, owner, subscription["id"], status="delivered")
    assert logged["attempts"] == 3
    assert await deliveries(client, owner, subscription["id"], status="failed") == []
    detail = await delivery(client, owner, subscription["id"], logged["id"])
    assert [(a["outcome"], a["status_code"]) for a in detail["attempt_log"]] == [
        ("retry", 500),
        ("retry", 503),
        ("delivered", 200),
    ]
    assert "503" in detail["attempt_log"][1]["error"]
    assert all(a["duration_ms"] >= 0 for a in detail["attempt_log"])
    read = (await client.get(f"{API}/{subscription['id']}", headers=owner)).json()
    assert read["enabled"] is True
    assert read["failing_since"] is None


async def test_a_4xx_fails_at_once_and_a_delivery_is_sent_again_on_request(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    owner: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    receiver.statuses = [410, 200]
    subscription = await subscribe(client, owner, receiver.url, "post.published")
    await consume(runtime, published(workspace_id, []))
    assert await send_all(runtime) == 1
    (failed,) = await deliveries(client, owner, subscription["id"], status="failed")
    assert failed["last_status_code"] == 410
    redeliver = f"{API}/{subscription['id']}/deliveries/{failed['id']}/redeliver"

    again = await client.post(redeliver, headers=owner)
    assert again.status_code == 202, again.text
    assert again.json()["status"] == "pending"
    assert (await client.post(redeliver, headers=owner)).status_code == 409  # queued already
    assert await send_all(runtime) == 1

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == failed["id"]
    Webhook(subscription["secret"]).verify(second.body, second.headers)
    detail = await delivery(client, owner, subscription["id"], failed["id"])
    assert detail["status"] == "delivered"
    assert [(a["outcome"], a["status_code"]) for a in detail["attempt_log"]] == [
        ("failed", 410),
        ("delivered", 200),
    ]
    # The subscription stayed on: a refusal is not a URL failing for a day.
    read = (await client.get(f"{API}/{subscription['id']}", headers=owner)).json()
    assert read["enabled"] is True


async def test_a_subscription_failing_through_its_retries_is_turned_off_with_a_notice(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    owner: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    receiver.statuses = [500]
    subscription = await subscribe(client, owner, receiver.url, "post.published")
    # Another system hears of it (its URL is never reached: nothing is sent to port 9).
    watcher = await subscribe(
        client, owner, "http://127.0.0.1:9/notices", "webhook.subscription.disabled"
    )
    first = published(workspace_id, [])
    await consume(runtime, first)
    while not receiver.received:  # the first attempt only, then a second event waits
        await runtime.webhooks.send_due()
    await consume(runtime, published(workspace_id, []))
    await send_all(runtime)

    read = (await client.get(f"{API}/{subscription['id']}", headers=owner)).json()
    assert read["enabled"] is False
    assert "3 attempts" in read["disabled_reason"]
    assert "500" in read["disabled_reason"]
    logged = await deliveries(client, owner, subscription["id"])
    assert {d["status"] for d in logged} == {"failed"}
    assert len(logged) == 2
    # The notice: an event for Kafka subscribers, and a delivery to the watcher (whose own
    # URL failed in turn: it was turned off too, and said so).
    notices = await outbox_events(runtime, "webhook.subscription.disabled")
    (notice,) = [n for n in notices if n["data"]["subscription_id"] == subscription["id"]]
    assert notice["data"]["url"] == receiver.url
    assert notice["workspaceid"] == workspace_id
    (told,) = await deliveries(client, owner, watcher["id"])
    assert told["event_type"] == "webhook.subscription.disabled"

    # Nothing more goes out while it is off, and it cannot be redelivered.
    seen = len(receiver.received)
    await consume(runtime, published(workspace_id, []))
    await send_all(runtime)
    assert len(receiver.received) == seen
    redeliver = f"{API}/{subscription['id']}/deliveries/{logged[0]['id']}/redeliver"
    assert (await client.post(redeliver, headers=owner)).status_code == 409

    # Turned on again (the subscriber mended), a redelivery goes through.
    receiver.statuses = [200]
    on = await client.patch(f"{API}/{subscription['id']}", json={"enabled": True}, headers=owner)
    assert on.json()["enabled"] is True
    assert (await client.post(redeliver, headers=owner)).status_code == 202
    await send_all(runtime)
    assert len(receiver.received) == seen + 1


async def test_the_events_channel_svc_emits_reach_subscriptions(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    owner: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    """A post published to a webhook channel: the subscriber hears of the publication and
    of its distribution's success (an event channel-svc itself emits)."""
    runtime = worker
    subscription = await subscribe(
        client, owner, receiver.url, "post.published", "distribution.succeeded"
    )
    channel = await create_channel(client, owner, receiver.url)
    await consume(runtime, published(workspace_id, [channel["id"]]))
    async with asyncio.timeout(10):
        while len(await deliveries(client, owner, subscription["id"])) < 2:
            await asyncio.sleep(0.02)
    await send_all(runtime)

    hooks = [r for r in receiver.received if "webhook-id" in r.headers]
    types = sorted(Webhook(subscription["secret"]).verify(r.body, r.headers)["type"] for r in hooks)
    assert types == ["distribution.succeeded", "post.published"]


async def test_an_erased_members_interactions_leave_the_delivery_log(
    client: httpx.AsyncClient, runtime: ChannelRuntime, owner: dict[str, str], workspace_id: str
) -> None:
    subscription = await subscribe(
        client, owner, "http://127.0.0.1:9/hook", "interaction.received", "member.erased"
    )
    member_id, other_member = str(uuid.uuid4()), str(uuid.uuid4())
    for member in (member_id, other_member):
        await consume(
            runtime, example_event("interaction.received", workspace_id, member_id=member)
        )
    assert len(await deliveries(client, owner, subscription["id"])) == 2

    await consume(runtime, example_event("member.erased", workspace_id, member_id=member_id))
    left = await deliveries(client, owner, subscription["id"])
    assert sorted(d["event_type"] for d in left) == ["interaction.received", "member.erased"]
    kept = next(d for d in left if d["event_type"] == "interaction.received")
    detail = await delivery(client, owner, subscription["id"], kept["id"])
    assert detail["data"]["member_id"] == other_member


async def test_a_subscription_with_a_success_since_the_failures_began_stays_on(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    owner: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    """One delivery fails through its retries, but another got through meanwhile: the URL
    works, the subscription stays on."""
    runtime.webhooks.batch_size = 1  # one delivery a round, the earliest due first
    receiver.statuses = [500, 500, 200, 500]  # A, A, B, A
    subscription = await subscribe(client, owner, receiver.url, "post.published")
    await consume(runtime, published(workspace_id, []))  # A
    assert await runtime.webhooks.send_due() == 1
    await consume(runtime, published(workspace_id, []))  # B
    assert await send_all(runtime) == 3

    read = (await client.get(f"{API}/{subscription['id']}", headers=owner)).json()
    assert read["enabled"] is True
    assert read["last_success_at"] is not None
    statuses = sorted(d["status"] for d in await deliveries(client, owner, subscription["id"]))
    assert statuses == ["delivered", "failed"]


async def test_an_event_that_is_not_what_its_topic_carries_is_not_sent_on(
    client: httpx.AsyncClient, runtime: ChannelRuntime, owner: dict[str, str], workspace_id: str
) -> None:
    subscription = await subscribe(client, owner, "http://127.0.0.1:9/hook", "stats.ingested")
    broken = CloudEvent(
        source="/metrics-svc",
        type="stats.ingested",
        workspaceid=workspace_id,
        data={"batch_id": "b-1", "rows": "many"},  # keyed, but no batch summary
    )
    with pytest.raises(InvalidEvent):  # dead-lettered by the consumer runner
        await consume(runtime, broken)
    assert await deliveries(client, owner, subscription["id"]) == []


async def test_the_log_forgets_settled_deliveries_after_its_days(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    owner: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    subscription = await subscribe(client, owner, receiver.url, "post.published")
    await consume(runtime, published(workspace_id, []))
    await send_all(runtime)
    await consume(runtime, published(workspace_id, []))  # waits, not yet sent
    now = datetime.now(UTC)

    assert await runtime.webhooks.prune(now + timedelta(days=29)) == 0
    assert len(await deliveries(client, owner, subscription["id"])) == 2
    assert await runtime.webhooks.prune(now + timedelta(days=31)) == 1
    (left,) = await deliveries(client, owner, subscription["id"])
    assert left["status"] == "pending"
