"""What an ops engineer sees after a post flows: metrics on every process, one trace.

The figures are served on each process's internal metrics port; the API ports, the
gateway's public one above all, do not answer `/metrics`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from devstack.stack import Stack
from prometheus_client.parser import text_string_to_metric_families

from tests.system.conftest import StackLog, WebhookReceiver, eventually
from tests.system.test_publish_slice import add_webhook, channel_status, sign_up, write_post

PROCESSES = ("gateway", "content", "channel", "user", "metrics")


async def scrape(stack: Stack, process: str) -> dict[str, list[Any]]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(stack.metrics_url(process))
        public = await client.get(f"{stack.url(process)}/metrics")
    assert response.status_code == 200, process
    assert public.status_code == 404, process
    samples: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def total(samples: dict[str, list[Any]], name: str, **labels: str) -> float:
    return sum(
        s.value
        for s in samples.get(name, [])
        if all(s.labels.get(k) == v for k, v in labels.items())
    )


async def test_metrics_and_one_trace_follow_a_published_post(
    stack: Stack, stack_log: StackLog, gateway: httpx.AsyncClient, webhook: WebhookReceiver
) -> None:
    auth = await sign_up(gateway, "可观测的工作区")
    channel_id = await add_webhook(gateway, auth, webhook.url)
    post_id = await write_post(gateway, auth, "可观测的稿件")
    published = await gateway.post(
        f"/api/v1/posts/{post_id}/publish", json={"channel_ids": [channel_id]}, headers=auth
    )
    assert published.status_code == 200

    async def settled() -> dict[str, Any] | None:
        return await channel_status(gateway, auth, post_id)

    assert (await eventually(settled))["status"] == "succeeded"

    scraped = {process: await scrape(stack, process) for process in PROCESSES}
    for process, samples in scraped.items():
        assert "mediaops_http_requests_total" in samples, process
    content, channel = scraped["content"], scraped["channel"]
    assert total(content, "mediaops_events_published_total", topic="post.published") >= 1
    assert (
        total(
            channel,
            "mediaops_events_consumed_total",
            topic="post.published",
            group="channel-svc",
            outcome="applied",
        )
        >= 1
    )
    assert total(channel, "mediaops_events_published_total", topic="distribution.succeeded") >= 1
    assert (
        total(
            content,
            "mediaops_events_consumed_total",
            topic="distribution.succeeded",
            outcome="applied",
        )
        >= 1
    )
    assert (
        total(channel, "mediaops_distributions_total", platform="webhook", outcome="succeeded") >= 1
    )
    assert total(content, "mediaops_outbox_waiting_events") == 0
    routes = {s.labels["route"] for s in content["mediaops_http_requests_total"]}
    assert "/api/v1/posts/{post_id}/publish" in routes
    assert not any(post_id in route for route in routes)

    # One trace: the gateway's log line for the publish call and the channel consumer's
    # line for the event it caused carry the same trace id.
    publish_lines = [
        r
        for r in stack_log.records("gateway")
        if r.get("event") == "request" and r.get("path") == f"/api/v1/posts/{post_id}/publish"
    ]
    assert publish_lines, "the gateway logged no line for the publish call"
    trace_id = publish_lines[0]["trace_id"]
    applied = [
        r
        for r in stack_log.records("channel")
        if r.get("event") == "event_applied" and r.get("topic") == "post.published"
    ]
    assert any(r.get("trace_id") == trace_id for r in applied), json.dumps(applied[-3:])
    back_in_content = [
        r
        for r in stack_log.records("content")
        if r.get("event") == "event_applied" and r.get("topic") == "distribution.succeeded"
    ]
    assert any(r.get("trace_id") == trace_id for r in back_in_content)
