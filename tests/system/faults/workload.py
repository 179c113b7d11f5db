"""A steady workload through the gateway that records every answer and every acknowledgement.

Three loops run side by side until stopped: posts written and published to channels,
stats points pushed (cumulative reads, with an Idempotency-Key, retried until answered),
interactions pushed (retried with the same platform id). Every request's status is kept
with its start and end time, so that 5xx answers can be matched against the faults.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

NO_ANSWER = 0  # the connection failed or broke: no HTTP status at all


@dataclass(frozen=True)
class Call:
    label: str
    method: str
    path: str
    status: int
    started: float
    ended: float
    detail: str = ""


@dataclass
class Window:
    """A deliberate fault, from when it was caused to when the system was whole again."""

    name: str
    start: float
    end: float = float("inf")

    def overlaps(self, call: Call, grace: float = 1.0) -> bool:
        return call.started <= self.end + grace and call.ended >= self.start


@dataclass
class Channels:
    webhook: str
    feed: str
    wechat: list[str]  # (channel id) one per WeChat account


@dataclass
class Workload:
    base_url: str
    email: str
    password: str
    channels: Channels
    stats_posts: list[str]
    cover_url: str
    auth: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # post id -> title
    publications: dict[str, list[str]] = field(default_factory=dict)  # acknowledged
    unacknowledged: list[str] = field(default_factory=list)  # publish never answered 200
    stats_acked: dict[str, int] = field(default_factory=dict)  # post id -> reads sent
    stats_rejected: list[Call] = field(default_factory=list)
    interactions_acked: set[str] = field(default_factory=set)
    interactions_rejected: list[Call] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    _client: httpx.AsyncClient | None = None

    # -- plumbing -------------------------------------------------------------------------

    async def login(self) -> None:
        assert self._client is not None
        for _ in range(60):
            try:
                response = await self._client.post(
                    "/api/v1/auth/login", json={"email": self.email, "password": self.password}
                )
            except httpx.HTTPError:
                await asyncio.sleep(0.5)
                continue
            if response.status_code == 200:
                self.auth = {"Authorization": f"Bearer {response.json()['access_token']}"}
                return
            await asyncio.sleep(0.5)
        raise AssertionError("the workload could not log in again")

    async def request(
        self,
        label: str,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response | None:
        assert self._client is not None
        for _ in range(2):
            started = time.monotonic()
            try:
                response = await self._client.request(
                    method, path, headers={**self.auth, **(headers or {})}, **kwargs
                )
            except httpx.HTTPError as exc:
                self.calls.append(
                    Call(label, method, path, NO_ANSWER, started, time.monotonic(), repr(exc))
                )
                return None
            detail = response.text[:300] if response.status_code >= 400 else ""
            self.calls.append(
                Call(label, method, path, response.status_code, started, time.monotonic(), detail)
            )
            if response.status_code != 401:
                return response
            await self.login()  # a restarted gateway may have forgotten our session
        return response

    async def run(self) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=20) as client:
            self._client = client
            await self.login()
            await asyncio.gather(self._publisher(), self._stats(), self._interactions())
            self._client = None

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.stop.wait(), seconds)
        except TimeoutError:
            pass

    # -- the loops ------------------------------------------------------------------------

    async def _publisher(self) -> None:
        for n in itertools.count():
            if self.stop.is_set():
                return
            title = f"故障演练第{n:03d}篇"
            created = await self.request(
                "create-post",
                "POST",
                "/api/v1/posts",
                json={
                    "title": title,
                    "body_markdown": f"## 第{n}篇\n\n稳定的工作负载，正常的**新品**介绍。",
                    "summary": "故障演练中的稿件。",
                    "cover_url": self.cover_url,
                },
            )
            if created is not None and created.status_code == 201:
                post_id = str(created.json()["id"])
                self.created.append(post_id)
                self.titles[post_id] = title
                wechat = self.channels.wechat[n % len(self.channels.wechat)]
                channel_ids = [self.channels.webhook, self.channels.feed, wechat]
                await self._publish(post_id, channel_ids)
            await self._pause(1.0)

    async def _publish(self, post_id: str, channel_ids: list[str]) -> None:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            answer = await self.request(
                "publish",
                "POST",
                f"/api/v1/posts/{post_id}/publish",
                json={"channel_ids": channel_ids},
            )
            if answer is not None and answer.status_code == 200:
                self.publications[post_id] = channel_ids
                return
            if answer is not None and answer.status_code < 500:
                break  # refused for good: not acknowledged
            await asyncio.sleep(0.5)
        self.unacknowledged.append(post_id)

    async def _stats(self) -> None:
        for n in itertools.count():
            if self.stop.is_set():
                return
            post_id = self.stats_posts[n % len(self.stats_posts)]
            gain = 1 + n % 7
            value = self.stats_acked.get(post_id, 0) + gain
            body = {
                "points": [
                    {
                        "post_id": post_id,
                        "metric": "reads",
                        "value": value,
                        "observed_at": datetime.now(UTC).isoformat(),
                    }
                ]
            }
            key = f"faults-{uuid.uuid4()}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # until answered, even after stop
                answer = await self.request(
                    "stats", "POST", "/api/v1/stats", json=body, headers={"Idempotency-Key": key}
                )
                if answer is not None and answer.status_code in (200, 201):
                    self.stats_acked[post_id] = value
                    break
                if answer is not None and "Retry-After" in answer.headers:
                    # 409: the first try with this key still runs (or died mid-request
                    # and its claim is not yet stale): the answer comes to a later try.
                    await asyncio.sleep(float(answer.headers["Retry-After"]))
                    continue
                if answer is not None and answer.status_code < 500:
                    self.stats_rejected.append(self.calls[-1])
                    break
                await asyncio.sleep(0.3)
            await self._pause(0.3)

    async def _interactions(self) -> None:
        for n in itertools.count():
            if self.stop.is_set():
                return
            external_id = f"faults-comment-{n}-{uuid.uuid4().hex[:8]}"
            body = {
                "platform": "weibo",
                "kind": "comment",
                "author": {"external_id": f"fan-{n % 5}", "display_name": f"粉丝{n % 5}"},
                "external_id": external_id,
                "text": f"第{n}条评论：什么时候上新？",
            }
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                answer = await self.request(
                    "interaction", "POST", "/api/v1/interactions", json=body
                )
                if answer is not None and answer.status_code in (200, 201):
                    self.interactions_acked.add(external_id)
                    break
                if answer is not None and answer.status_code < 500:
                    self.interactions_rejected.append(self.calls[-1])
                    break
                await asyncio.sleep(0.3)
            await self._pause(0.4)
