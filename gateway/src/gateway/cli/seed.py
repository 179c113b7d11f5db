"""`mediaops seed-demo`: a workspace a newcomer can look around in.

Today it creates what the services' APIs support: the workspace and its owner, webhook
channels, and posts in several states (draft, in review, published now, scheduled,
archived). The remaining parts of the demo wait for their services; each has an extension
point below (`seed_sources`, `seed_community`, `seed_figures`) that reports itself as
skipped until it is filled in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.cli.client import ApiError, Client

POSTS = [
    ("秋季新品上市", "# 秋季新品\n\n今天我们发布了**三款**秋季新品。", "published"),
    ("咖啡豆的故事", "# 从云南到杯中\n\n一颗咖啡豆的旅程。", "scheduled"),
    ("门店开放日报名", "# 开放日\n\n欢迎来门店参观烘焙车间。", "in_review"),
    ("冬季饮品草稿", "# 冬季饮品\n\n还在构思中……", "draft"),
    ("夏日冰饮回顾", "# 夏日冰饮\n\n感谢大家一个夏天的支持。", "archived"),
]
CHANNELS = [("品牌官网", "webhook"), ("合作伙伴推送", "webhook")]


@dataclass
class SeedReport:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def seed(
    client: Client, *, webhook_url: str, progress: Callable[[str], None] = lambda _: None
) -> SeedReport:
    """Fill the signed-in workspace. Every step is reported; none fails silently."""
    report = SeedReport()
    channel_ids = seed_channels(client, webhook_url, report, progress)
    seed_posts(client, channel_ids, report, progress)
    for extension in (seed_sources, seed_community, seed_figures):
        extension(client, report, progress)
    return report


def _step(
    report: SeedReport,
    what: str,
    progress: Callable[[str], None],
    client: Client,
    path: str,
    body: dict[str, Any],
) -> object:
    try:
        result = client.json("POST", path, json=body)
    except ApiError as exc:
        report.failed.append(f"{what}: {exc}")
        return None
    report.done.append(what)
    progress(what)
    return result


def seed_channels(
    client: Client, webhook_url: str, report: SeedReport, progress: Callable[[str], None]
) -> list[str]:
    ids = []
    for name, platform in CHANNELS:
        body = {
            "platform": platform,
            "name": name,
            "config": {"url": webhook_url},
            "secret": "demo-webhook-secret-0123456789",
        }
        created = _step(
            report,
            f"channel {name} ({platform})",
            progress,
            client,
            "/api/v1/channels",
            body,
        )
        if isinstance(created, dict):
            ids.append(str(created["id"]))
    return ids


def seed_posts(
    client: Client, channel_ids: list[str], report: SeedReport, progress: Callable[[str], None]
) -> None:
    for title, body, state in POSTS:
        created = _step(
            report,
            f"post {title} (draft)",
            progress,
            client,
            "/api/v1/posts",
            {"title": title, "body_markdown": body},
        )
        if not isinstance(created, dict):
            continue
        post = f"/api/v1/posts/{created['id']}"
        if state == "in_review":
            _step(
                report,
                f"post {title} submitted for review",
                progress,
                client,
                f"{post}/submit",
                {},
            )
        elif state in ("published", "scheduled"):
            if not channel_ids:
                report.skipped.append(f"post {title} {state}: no channel to publish to")
                continue
            publish: dict[str, Any] = {"channel_ids": channel_ids}
            if state == "scheduled":
                publish["scheduled_at"] = (datetime.now(UTC) + timedelta(days=1)).isoformat()
            _step(
                report,
                f"post {title} {state}",
                progress,
                client,
                f"{post}/publish",
                publish,
            )
        elif state == "archived":
            _step(
                report,
                f"post {title} archived",
                progress,
                client,
                f"{post}/archive",
                {},
            )


# --- Extension points: fill these in as the services land ------------------------------


def seed_sources(client: Client, report: SeedReport, progress: Callable[[str], None]) -> None:
    """EXTENSION POINT (issue 3, content-svc collection): serve demo RSS sources locally
    and register them (`POST /api/v1/sources`), plus ideas and trends from them."""
    report.skipped.append("sources served locally, ideas, trends: waits for issue 3")


def seed_community(client: Client, report: SeedReport, progress: Callable[[str], None]) -> None:
    """EXTENSION POINT (issue 5, user-svc): members, interactions, a community, segments."""
    report.skipped.append("community, members, interactions: waits for issue 5")


def seed_figures(client: Client, report: SeedReport, progress: Callable[[str], None]) -> None:
    """EXTENSION POINT (issue 6, metrics-svc): three months of figures for the published
    posts through `POST /api/v1/stats` (batches of up to 10,000 points)."""
    report.skipped.append("three months of figures: waits for issue 6")
