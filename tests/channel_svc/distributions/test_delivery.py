"""From post.published to the receiver: one signed POST per post and channel, retried
when the receiver fails for a while, settled with an event either way."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from channel_svc.app import create_app, create_runtime
from channel_svc.distributions import repository
from channel_svc.distributions.leases import Lease
from channel_svc.models import Base, Distribution
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings
from event_contracts import CloudEvent
from servicekit.db import utcnow
from sqlalchemy import func, select

from tests.channel_svc.conftest import (
    SECRET,
    Receiver,
    create_channel,
    outbox_events,
    published,
)
from tests.channel_svc.helpers import running_replica, running_worker
from tests.conftest import Signer


async def apply(runtime: ChannelRuntime, event: CloudEvent) -> bool:
    return await runtime.consumer.apply(event, runtime.consumer.handlers["post.published"])


async def distributions_of(runtime: ChannelRuntime, post_id: str) -> list[Distribution]:
    async with runtime.db.transaction() as session:
        rows = await session.scalars(select(Distribution).where(Distribution.post_id == post_id))
        return list(rows.all())


async def settled(
    client: httpx.AsyncClient, headers: dict[str, str], distribution_id: str
) -> dict[str, Any]:
    """The distribution once it succeeded or failed (fails the test after 10 s)."""
    async with asyncio.timeout(10):
        while True:
            response = await client.get(f"/api/v1/distributions/{distribution_id}", headers=headers)
            assert response.status_code == 200
            body: dict[str, Any] = response.json()
            if body["status"] in ("succeeded", "failed"):
                return body
            await asyncio.sleep(0.02)


async def test_one_signed_delivery_however_often_the_post_arrives(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    runtime = worker
    channel = await create_channel(client, editor, receiver.url)
    event = published(workspace_id, [channel["id"], channel["id"]])
    assert await apply(runtime, event) is True
    assert await apply(runtime, event) is False  # the same event again: skipped
    post_id = event.data["post_id"]
    republished = published(workspace_id, [channel["id"]], post_id=post_id)
    assert await apply(runtime, republished) is True  # a new event for the same post

    [distribution] = await distributions_of(runtime, post_id)
    done = await settled(client, editor, distribution.id)
    assert done["status"] == "succeeded"
    assert done["attempts"] == 1
    await asyncio.sleep(0.3)  # time for a duplicate to show up, if there were one
    [delivery] = receiver.received

    headers, body = delivery.headers, delivery.body
    assert headers["content-type"] == "application/json"
    assert headers["x-mediaops-delivery"] == distribution.id
    timestamp = headers["x-mediaops-timestamp"]
    assert abs(time.time() - int(timestamp)) < 60
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(headers["x-mediaops-signature"], "sha256=" + expected.hexdigest())
    forged = hmac.new(b"another-secret-entirely", f"{timestamp}.".encode() + body, hashlib.sha256)
    assert headers["x-mediaops-signature"] != "sha256=" + forged.hexdigest()
    document = json.loads(body)
    assert document["event"] == "post.published"
    assert document["delivery_id"] == distribution.id
    assert document["post"]["post_id"] == post_id
    assert document["post"]["title"] == "春季新品发布会回顾"

    [succeeded] = await outbox_events(runtime, "distribution.succeeded")
    assert succeeded["subject"] == distribution.id
    assert succeeded["data"]["channel_id"] == channel["id"]
    assert succeeded["data"]["post_id"] == post_id
    assert succeeded["data"]["attempts"] == 1


async def test_the_receivers_id_and_url_for_the_copy_are_kept(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    receiver.answer = {"external_id": "cms-42", "url": "https://cms.example.com/p/42"}
    channel = await create_channel(client, editor, receiver.url)
    event = published(workspace_id, [channel["id"]])
    await apply(worker, event)
    [distribution] = await distributions_of(worker, event.data["post_id"])
    done = await settled(client, editor, distribution.id)
    assert (done["external_id"], done["url"]) == ("cms-42", "https://cms.example.com/p/42")
    [succeeded] = await outbox_events(worker, "distribution.succeeded")
    assert succeeded["data"]["url"] == "https://cms.example.com/p/42"


async def test_a_failing_receiver_is_retried_then_the_distribution_fails_with_the_reason(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    receiver.statuses = [500]
    channel = await create_channel(client, editor, receiver.url)
    event = published(workspace_id, [channel["id"]])
    await apply(worker, event)
    [distribution] = await distributions_of(worker, event.data["post_id"])

    done = await settled(client, editor, distribution.id)
    assert done["status"] == "failed"
    assert done["attempts"] == 3  # delivery_max_attempts in the test settings
    assert done["last_error"] == "webhook answered 500 Internal Server Error after 3 attempts"
    assert done["error_code"] == "http_500"
    assert len(receiver.received) == 3
    assert {d.headers["x-mediaops-delivery"] for d in receiver.received} == {distribution.id}
    [failed] = await outbox_events(worker, "distribution.failed")
    assert failed["data"]["reasons"] == [
        {
            "code": "http_500",
            "message": "webhook answered 500 Internal Server Error after 3 attempts",
            "position": None,
        }
    ]
    assert failed["data"]["attempts"] == 3
    assert failed["data"]["retryable"] is True
    assert await outbox_events(worker, "distribution.succeeded") == []


async def test_a_receiver_that_recovers_gets_the_post(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    receiver.statuses = [503, 429, 200]
    channel = await create_channel(client, editor, receiver.url)
    event = published(workspace_id, [channel["id"]])
    await apply(worker, event)
    [distribution] = await distributions_of(worker, event.data["post_id"])
    done = await settled(client, editor, distribution.id)
    assert done["status"] == "succeeded"
    assert done["attempts"] == 3
    assert done["last_error"] is None
    assert len(receiver.received) == 3


async def test_a_404_fails_at_once_and_a_redirect_is_not_followed(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    for status, message in [
        (404, "webhook answered 404 Not Found"),
        (302, "webhook answered 302 Found: redirects are not followed, give the final URL"),
    ]:
        receiver.statuses = [status]
        receiver.received.clear()
        channel = await create_channel(client, editor, receiver.url)
        event = published(workspace_id, [channel["id"]])
        await apply(worker, event)
        [distribution] = await distributions_of(worker, event.data["post_id"])
        done = await settled(client, editor, distribution.id)
        assert done["status"] == "failed"
        assert done["attempts"] == 1
        assert done["last_error"] == message
        await asyncio.sleep(0.2)
        assert len(receiver.received) == 1  # not retried, redirect not followed
    failed = await outbox_events(worker, "distribution.failed")
    assert [f["data"]["retryable"] for f in failed] == [False, False]


async def test_a_slow_receiver_times_out_and_is_retried(
    settings_for: Callable[..., Settings],
    signer: Signer,
    workspace_id: str,
    receiver: Receiver,
) -> None:
    runtime = create_runtime(settings_for(webhook_timeout_seconds=0.2, delivery_max_attempts=2))
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    receiver.delay_seconds = 1.0
    editor = signer.headers(workspace_id=workspace_id, roles=("editor",))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(runtime)), base_url="http://channel"
    ) as client:
        channel = await create_channel(client, editor, receiver.url)
        event = published(workspace_id, [channel["id"]])
        await apply(runtime, event)
        task = asyncio.create_task(runtime.worker.run())
        try:
            [distribution] = await distributions_of(runtime, event.data["post_id"])
            done = await settled(client, editor, distribution.id)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    await runtime.db.dispose()
    assert done["status"] == "failed"
    assert done["error_code"] == "timeout"
    assert done["last_error"] == "webhook did not answer within 0.2 s after 2 attempts"


async def test_unavailable_channels_fail_at_once_with_channel_unavailable(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    signer: Signer,
    workspace_id: str,
    receiver: Receiver,
) -> None:
    deleted = await create_channel(client, editor, receiver.url, name="Old CMS")
    await client.delete(f"/api/v1/channels/{deleted['id']}", headers=editor)
    stranger = signer.headers(workspace_id=str(uuid.uuid4()), roles=("owner",))
    foreign = await create_channel(client, stranger, receiver.url, name="Their CMS")
    unknown = str(uuid.uuid4())
    event = published(workspace_id, [unknown, deleted["id"], foreign["id"]])
    await apply(worker, event)

    listed = await client.get(
        "/api/v1/distributions", params={"post_id": event.data["post_id"]}, headers=editor
    )
    by_channel = {d["channel_id"]: d for d in listed.json()["items"]}
    assert set(by_channel) == {unknown, deleted["id"], foreign["id"]}
    for distribution in by_channel.values():
        assert distribution["status"] == "failed"
        assert distribution["error_code"] == "channel_unavailable"
        assert distribution["attempts"] == 0
    assert by_channel[deleted["id"]]["last_error"] == "the channel was deleted"
    assert by_channel[foreign["id"]]["platform"] == "unknown"  # nothing leaks from elsewhere
    failed = await outbox_events(worker, "distribution.failed")
    assert {f["data"]["channel_id"] for f in failed} == set(by_channel)
    assert {f["data"]["reasons"][0]["code"] for f in failed} == {"channel_unavailable"}
    await asyncio.sleep(0.2)
    assert receiver.received == []


async def test_a_channel_deleted_before_delivery_is_not_sent_to(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    channel = await create_channel(client, editor, receiver.url)
    event = published(workspace_id, [channel["id"]])
    await apply(runtime, event)
    await client.delete(f"/api/v1/channels/{channel['id']}", headers=editor)
    assert await runtime.worker.deliver_due() == 1
    [distribution] = await distributions_of(runtime, event.data["post_id"])
    assert distribution.status == "failed"
    assert distribution.error_code == "channel_unavailable"
    assert receiver.received == []


async def test_new_distributions_wake_the_worker_at_once(
    settings_for: Callable[..., Settings],
    signer: Signer,
    workspace_id: str,
    receiver: Receiver,
) -> None:
    runtime = create_runtime(settings_for(delivery_poll_seconds=60))
    assert runtime.worker.run in runtime.background  # started with the app
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    editor = signer.headers(workspace_id=workspace_id, roles=("editor",))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(runtime)), base_url="http://channel"
    ) as client:
        channel = await create_channel(client, editor, receiver.url)
        task = asyncio.create_task(runtime.worker.run())
        try:
            await asyncio.sleep(0.2)  # the worker found nothing and sleeps for a minute
            await apply(runtime, published(workspace_id, [channel["id"]]))
            await receiver.wait_for(1, timeout=3)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    await runtime.db.dispose()


async def test_deliveries_interrupted_by_a_crash_are_sent_after_a_restart(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    channel = await create_channel(client, editor, receiver.url)
    event = published(workspace_id, [channel["id"]])
    await apply(runtime, event)
    killed = Lease(holder="killed-worker", seconds=0.05)
    async with runtime.db.transaction() as session:  # claimed, then the process died
        [claimed] = await repository.claim_due(session, limit=10, lease=killed)
    assert await runtime.worker.deliver_due() == 0  # `sending` rows are not picked up
    await asyncio.sleep(0.1)  # nobody renews the killed worker's lease

    async with running_worker(runtime):  # the restart
        done = await settled(client, editor, claimed.id)
    assert done["status"] == "succeeded"
    assert done["attempts"] == 2
    assert len(receiver.received) == 1


async def test_a_replica_starting_never_takes_over_a_delivery_in_flight(
    client: httpx.AsyncClient,
    settings_for: Callable[..., Settings],
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    """The receiver takes longer than a lease: the sending replica renews it, so a replica
    started meanwhile (which takes back what killed workers left) leaves the row alone."""
    # A lease of 3 s is renewed every second: a loaded machine may delay a renewal by up to
    # two seconds before the lease could lapse; the receiver outlasts the lease.
    receiver.delay_seconds = 4.0
    channel = await create_channel(client, editor, receiver.url)
    event = published(workspace_id, [channel["id"]])
    await apply(runtime, event)
    patient = settings_for(delivery_lease_seconds=3, webhook_timeout_seconds=10)
    async with running_replica(patient):
        await receiver.wait_for(1)  # the first replica is sending
        async with running_replica(patient):
            [row] = await distributions_of(runtime, event.data["post_id"])
            done = await settled(client, editor, row.id)
    assert done["status"] == "succeeded"
    assert done["attempts"] == 1
    assert len(receiver.received) == 1


async def test_a_clean_stop_hands_back_what_it_was_sending(
    client: httpx.AsyncClient,
    settings_for: Callable[..., Settings],
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    receiver.delay_seconds = 1.5
    channel = await create_channel(client, editor, receiver.url)
    event = published(workspace_id, [channel["id"]])
    await apply(runtime, event)
    async with running_replica(settings_for(delivery_lease_seconds=600)):
        await receiver.wait_for(1)
    # Stopped mid-request: the row is free again at once, not after the 10-minute lease.
    [row] = await distributions_of(runtime, event.data["post_id"])
    assert (row.status, row.claimed_by, row.lease_until) == ("pending", None, None)
    assert row.next_attempt_at is not None
    assert row.next_attempt_at <= utcnow()


async def test_distributions_are_listed_by_filter_and_scoped_to_the_workspace(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    signer: Signer,
    workspace_id: str,
) -> None:
    first = await create_channel(client, editor, "http://127.0.0.1:9/a")
    second = await create_channel(client, editor, "http://127.0.0.1:9/b")
    post_a = published(workspace_id, [first["id"], second["id"]])
    post_b = published(workspace_id, [first["id"], str(uuid.uuid4())])
    await apply(runtime, post_a)
    await apply(runtime, post_b)

    async def ids(**params: str) -> set[tuple[str, str]]:
        response = await client.get("/api/v1/distributions", params=params, headers=editor)
        assert response.status_code == 200
        return {(d["post_id"], d["channel_id"]) for d in response.json()["items"]}

    a, b = post_a.data["post_id"], post_b.data["post_id"]
    assert await ids(post_id=a) == {(a, first["id"]), (a, second["id"])}
    assert await ids(channel_id=first["id"]) == {(a, first["id"]), (b, first["id"])}
    assert len(await ids(status="pending")) == 3
    assert {p for p, _ in await ids(status="failed")} == {b}
    assert len(await ids()) == 4
    bad = await client.get("/api/v1/distributions", params={"status": "lost"}, headers=editor)
    assert bad.status_code == 422

    stranger = signer.headers(workspace_id=str(uuid.uuid4()), roles=("owner",))
    listed = await client.get("/api/v1/distributions", headers=stranger)
    assert listed.json()["items"] == []
    async with runtime.db.transaction() as session:
        any_id = await session.scalar(select(Distribution.id).where(Distribution.post_id == a))
        count = await session.scalar(select(func.count()).select_from(Distribution))
    assert count == 4
    assert (
        await client.get(f"/api/v1/distributions/{any_id}", headers=stranger)
    ).status_code == 404
    assert (await client.get(f"/api/v1/distributions/{any_id}", headers=editor)).status_code == 200
