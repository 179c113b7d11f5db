"""The whole way: a `distribution.failed` on a real Kafka-protocol broker, delivered twice,
reaches the Feishu robot signed, once, with the gateway's own consumer and sender running."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from event_contracts import CloudEvent, message_key
from servicekit.settings import SharedSettings

from tests.conftest import Broker
from tests.fakes.robots import RobotsFake, robots_app
from tests.fakes.server import serve_in_thread
from tests.gateway.gateway_harness import GatewayFactory, bearer
from tests.gateway.notifications.helpers import failed, runtime_of, send, team
from tests.servicekit.test_outbox_and_consumer import eventually

SECRET = "SEC-broker-secret"


@pytest.fixture
def robots() -> Iterator[tuple[RobotsFake, str]]:
    fake = RobotsFake()
    server = serve_in_thread(robots_app(fake))
    yield fake, server.url
    server.stop()


async def test_a_failure_on_the_broker_delivered_twice_reaches_the_robot_once(
    make_gateway: GatewayFactory,
    broker: Broker,
    tmp_path: Path,
    robots: tuple[RobotsFake, str],
) -> None:
    fake, url = robots
    shared = SharedSettings(
        environment="test",
        data_dir=tmp_path,
        kafka_bootstrap=broker.bootstrap,
        allow_private_urls=True,
        consumer_retry_backoff_seconds=0.01,
    )
    async with make_gateway(
        shared=shared, consume_events=True, notification_poll_seconds=0.1
    ) as gw:
        owner, _, signed_up = await team(gw)
        added = await gw.client.post(
            "/api/v1/notifications/robots",
            json={
                "name": "运营群",
                "platform": "feishu",
                "webhook_url": url + fake.feishu("broker-hook", SECRET),
                "secret": SECRET,
            },
            headers=bearer(owner),
        )
        assert added.status_code == 201, added.text
        payload = failed(signed_up["workspace"]["id"])
        event = CloudEvent.create(
            "distribution.failed", "/channel-svc", payload.post_id, payload.workspace_id, payload
        )
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        await producer.start()
        try:
            for _ in range(2):  # a redelivery: the same event again
                await producer.send_and_wait(
                    "distribution.failed", event.to_bytes(), key=message_key(event)
                )
        finally:
            await producer.stop()
        runner = runtime_of(gw).consumer

        async def both_seen_and_sent() -> bool:
            return runner.skipped >= 1 and len(fake.received) >= 1

        await eventually(both_seen_and_sent, timeout=60)
        await send(gw)  # anything left would go now

    assert [(r.platform, r.token) for r in fake.received] == [("feishu", "broker-hook")]
    assert fake.refused == []
    assert "发布失败" in fake.received[0].text
