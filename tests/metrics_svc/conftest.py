"""metrics-svc fixtures: a runtime on each database, an API client, events to seed it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from event_contracts import (
    ChannelChangedV1,
    CloudEvent,
    DistributionSucceededV1,
    InteractionReceivedV1,
    PostPublishedV1,
)
from metrics_svc.app import create_app, create_runtime
from metrics_svc.consumers.handlers import HANDLERS
from metrics_svc.models import Base
from metrics_svc.runtime import MetricsRuntime
from metrics_svc.settings import Settings
from servicekit.settings import SharedSettings

from tests.conftest import Signer


@pytest.fixture
def workspace_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
async def runtime(
    database_url: str, shared_settings: SharedSettings
) -> AsyncIterator[MetricsRuntime]:
    runtime = create_runtime(Settings(database_url=database_url, shared=shared_settings))
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield runtime
    await runtime.db.dispose()


@pytest.fixture
async def client(runtime: MetricsRuntime) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(runtime)), base_url="http://metrics"
    ) as client:
        yield client


@pytest.fixture
def editor(signer: Signer, workspace_id: str) -> dict[str, str]:
    return signer.headers(workspace_id=workspace_id, roles=("editor",))


class Seeder:
    """Feeds the service the events it would receive from the other services."""

    def __init__(self, runtime: MetricsRuntime, workspace_id: str) -> None:
        self.runtime = runtime
        self.workspace_id = workspace_id

    async def apply(self, topic: str, payload: Any, subject: str) -> CloudEvent:
        event = CloudEvent.create(topic, "/test", subject, self.workspace_id, payload)
        await self.runtime.consumer.apply(event, HANDLERS[topic])
        return event

    async def channel(self, *, platform: str = "wechat", name: str = "品牌公众号") -> str:
        channel_id = str(uuid.uuid4())
        await self.apply(
            "channel.changed",
            ChannelChangedV1(
                channel_id=channel_id,
                workspace_id=self.workspace_id,
                platform=platform,
                name=name,
                status="active",
                deleted=False,
                changed_at=datetime(2020, 1, 1).astimezone(),
            ),
            channel_id,
        )
        return channel_id

    async def post(
        self,
        channel_ids: list[str],
        published_at: datetime,
        *,
        title: str = "新品发布",
        external_ids: dict[str, str] | None = None,
        platform: str = "wechat",
        tags: list[str] | None = None,
        keywords: list[str] | None = None,
        campaign_id: str | None = None,
    ) -> str:
        post_id = str(uuid.uuid4())
        await self.apply(
            "post.published",
            PostPublishedV1(
                post_id=post_id,
                workspace_id=self.workspace_id,
                version=1,
                title=title,
                body_markdown="正文",
                body_html="<p>正文</p>",
                tags=["新品"] if tags is None else tags,
                keywords=["发布"] if keywords is None else keywords,
                channel_ids=channel_ids,
                author_id=str(uuid.uuid4()),
                published_at=published_at,
                campaign_id=campaign_id,
            ),
            post_id,
        )
        for channel_id, external in (external_ids or {}).items():
            await self.distributed(post_id, channel_id, external, published_at, platform=platform)
        return post_id

    async def distributed(
        self,
        post_id: str,
        channel_id: str,
        external_id: str,
        at: datetime,
        *,
        platform: str = "wechat",
    ) -> CloudEvent:
        return await self.apply(
            "distribution.succeeded",
            DistributionSucceededV1(
                distribution_id=str(uuid.uuid4()),
                post_id=post_id,
                channel_id=channel_id,
                workspace_id=self.workspace_id,
                platform=platform,
                external_id=external_id,
                url=f"https://mp.weixin.qq.com/s/{external_id}",
                attempts=1,
                succeeded_at=at,
            ),
            post_id,
        )

    def comment(self, post_id: str, platform: str = "webhook") -> CloudEvent:
        return CloudEvent.create(
            "interaction.received",
            "/test",
            post_id,
            self.workspace_id,
            InteractionReceivedV1(
                interaction_id=str(uuid.uuid4()),
                workspace_id=self.workspace_id,
                member_id=str(uuid.uuid4()),
                platform=platform,
                kind="comment",
                text="写得好",
                post_id=post_id,
                external_id=uuid.uuid4().hex,
                is_question=False,
                occurred_at=datetime(2025, 1, 1).astimezone(),
            ),
        )


@pytest.fixture
def seed(runtime: MetricsRuntime, workspace_id: str) -> Seeder:
    return Seeder(runtime, workspace_id)


def point(metric: str, value: int, observed_at: datetime, **target: str) -> dict[str, Any]:
    return {"metric": metric, "value": value, "observed_at": observed_at.isoformat(), **target}


PointFactory = Callable[..., dict[str, Any]]
