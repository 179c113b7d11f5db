"""The seed's steps, in order: the team, channels, a word list, a campaign, sources and their
ideas, and posts in every workflow state (the community and the figures have their own
modules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mediaops_cli.client import ApiError
from mediaops_cli.demo.content import POSTS, WEBHOOK_SECRET, WORDS, DemoPost
from mediaops_cli.demo.feeds import serve_feeds
from mediaops_cli.demo.workspace import Demo


def seed_team(demo: Demo) -> None:
    """A reviewer, so that a post can be approved by someone other than its author."""
    local, _, domain = demo.owner_email.partition("@")
    email = f"{local}.reviewer@{domain}"
    invited = demo.call(
        f"operator {email} invited (reviewer)",
        "POST",
        "/api/v1/operators",
        {"email": email, "role": "reviewer"},
    )
    if not isinstance(invited, dict):
        return
    http = demo.client.http
    accepted = http.post(
        "/api/v1/auth/invitations/accept",
        json={"token": invited["token"], "password": demo.password, "display_name": "李审核"},
    )
    login = http.post("/api/v1/auth/login", json={"email": email, "password": demo.password})
    if accepted.status_code != 201 or login.status_code != 200:
        failed = accepted if accepted.status_code != 201 else login
        demo.report.failed.append(f"reviewer {email} signing in: {ApiError(failed)}")
        return
    demo.reviewer_token = login.json()["access_token"]
    demo.reviewer_email = email


def seed_channels(demo: Demo, webhook_url: str, wechat_base_url: str | None) -> None:
    wanted: list[tuple[str, dict[str, Any]]] = [
        (
            "webhook",
            {
                "platform": "webhook",
                "name": "合作伙伴 CMS（Webhook）",
                "config": {"url": webhook_url},
                "secret": WEBHOOK_SECRET,
            },
        ),
        (
            "feed",
            {
                "platform": "feed",
                "name": "官网订阅源",
                "config": {"title": "星辰咖啡", "description": "星辰咖啡的文章（演示）"},
            },
        ),
        (
            "xiaohongshu",
            {
                "platform": "xiaohongshu",
                "name": "小红书 @星辰咖啡",
                "config": {"account_name": "星辰咖啡"},
                "default_tags": ["咖啡", "探店"],
            },
        ),
    ]
    if wechat_base_url:
        wanted.append(
            (
                "wechat",
                {
                    "platform": "wechat_oa",
                    "name": "微信公众号（模拟平台）",
                    "config": {"base_url": wechat_base_url, "author": "星辰咖啡"},
                    "credentials": {"appid": "wx0123456789abcdef", "secret": "a" * 32},
                },
            )
        )
    else:
        demo.report.skipped.append(
            "WeChat and Weibo channels: API platforms need a fake (pass --wechat-base-url)"
        )
    for key, body in wanted:
        created = demo.call(
            f"channel {body['name']} ({body['platform']})", "POST", "/api/v1/channels", body
        )
        if isinstance(created, dict):
            demo.channels[key] = str(created["id"])
    if "webhook" in demo.channels:
        demo.report.notes.append(
            f"The webhook channel posts to {webhook_url}; if nothing listens there its "
            "deliveries fail and are retried (the posts stay published). Pass --webhook-url "
            "to point it at a receiver."
        )


def seed_wordlist(demo: Demo) -> None:
    demo.call(
        f"word list 品牌禁用词 ({len(WORDS)} words)",
        "POST",
        "/api/v1/wordlists",
        {"name": "品牌禁用词", "words": [{"word": w, "category": c} for w, c in WORDS]},
    )


def seed_campaign(demo: Demo) -> None:
    now = datetime.now(UTC)
    created = demo.call(
        "campaign 秋冬上新 (goals: reads, likes, followers)",
        "POST",
        "/api/v1/campaigns",
        {
            "name": "秋冬上新",
            "objective": "awareness",
            "goals": {"reads": 20000, "likes": 1500, "followers": 300},
            "starts_at": (now - timedelta(days=7)).isoformat(),
            "ends_at": (now + timedelta(days=60)).isoformat(),
            "channel_ids": [
                demo.channels[k] for k in ("feed", "xiaohongshu") if k in demo.channels
            ],
            "budget": 5000,
            "tags": ["秋季", "冬季"],
        },
    )
    if isinstance(created, dict):
        demo.campaign_id = str(created["id"])


def seed_sources_and_ideas(demo: Demo) -> None:
    sources = [("news", "咖啡行业快讯"), ("peer", "同行咖啡馆的博客")]
    with serve_feeds() as urls:
        for kind, name in sources:
            created = demo.call(
                f"source {name} ({kind})",
                "POST",
                "/api/v1/sources",
                # A week between fetches: the feeds are served only while the demo is made.
                {"kind": kind, "name": name, "url": urls[kind], "interval_minutes": 7 * 24 * 60},
            )
            if not isinstance(created, dict):
                continue
            fetched = demo.call(
                f"source {name} fetched",
                "POST",
                f"/api/v1/sources/{created['id']}/fetch",
                {},
                quiet=True,
            )
            if not isinstance(fetched, dict):
                continue
            if fetched["outcome"] == "failed":
                demo.report.failed.append(f"source {name} fetch: {fetched['error']}")
            else:
                what = (
                    f"source {name} fetched: {fetched['entries']} entries, "
                    f"{fetched['new_ideas']} new ideas"
                )
                demo.did(what)
    demo.report.notes.append(
        "The demo feeds were served on 127.0.0.1 only while they were fetched; the sources "
        "keep that fetch's state, and their next fetch (in a week) will fail unless you "
        "point them at a real feed."
    )
    body: dict[str, Any] = {
        "title": "门店咖啡师的一天",
        "summary": "跟拍一位咖啡师从开店到打烊的一天。",
        "tags": ["门店", "人物"],
        "notes": "可以做成小红书图文和公众号长文两个版本。",
    }
    if demo.campaign_id:
        body["campaign_id"] = demo.campaign_id
    demo.call("idea 门店咖啡师的一天 (manual)", "POST", "/api/v1/ideas", body)


def _first_feed_idea(demo: Demo) -> dict[str, Any] | None:
    listed = demo.call("ideas listed", "GET", "/api/v1/ideas?limit=50", quiet=True)
    if not isinstance(listed, dict):
        return None
    for idea in listed.get("items", []):
        if idea.get("origin") == "source_entry" and not idea.get("post_id"):
            return dict(idea)
    return None


def seed_posts(demo: Demo) -> None:
    idea = _first_feed_idea(demo)
    if idea is not None:
        started = demo.call(
            f"post started from the idea {idea['title']} (draft)",
            "POST",
            f"/api/v1/ideas/{idea['id']}/post",
            {},
        )
        if isinstance(started, dict):
            demo.posts["from_idea"] = started
    else:
        demo.report.skipped.append("a draft started from a feed idea: no idea from the feeds")
    for post in POSTS:
        _seed_post(demo, post)
    flagged = demo.posts.get("flagged")
    if flagged:
        analysis = demo.call(
            "analysis of the flagged post",
            "GET",
            f"/api/v1/posts/{flagged['id']}/analysis",
            quiet=True,
        )
        if isinstance(analysis, dict):
            errors = [f for f in analysis["findings"] if f["severity"] == "error"]
            what = (
                f"post {flagged['title']}: the analysis flags {len(analysis['findings'])} "
                f"findings ({len(errors)} errors), score {analysis['score']}"
            )
            demo.did(what)


def _seed_post(demo: Demo, post: DemoPost) -> None:
    body: dict[str, Any] = {
        "title": post.title,
        "body_markdown": post.body,
        "tags": list(post.tags),
        "cover_url": f"https://picsum.photos/seed/{post.key}/900/500",
    }
    if post.campaign and demo.campaign_id:
        body["campaign_id"] = demo.campaign_id
    created = demo.call(f"post {post.title} (draft)", "POST", "/api/v1/posts", body)
    if not isinstance(created, dict):
        return
    demo.posts[post.key] = created
    path = f"/api/v1/posts/{created['id']}"
    if post.state in ("in_review", "approved"):
        submitted = demo.call(
            f"post {post.title} submitted for review", "POST", f"{path}/submit", {}
        )
        if isinstance(submitted, dict):
            created = submitted
    if post.state == "approved":
        # An approval names the version the reviewer read.
        demo.as_reviewer(
            f"post {post.title} approved by the reviewer",
            f"{path}/approve",
            {"version": created["version"], "comment": "内容没问题，可以发布。"},
        )
    if post.state in ("published", "scheduled", "archived"):
        channel_ids = [demo.channels[k] for k in post.channels if k in demo.channels]
        if not channel_ids:
            demo.report.skipped.append(f"post {post.title} {post.state}: no channel to publish to")
            return
        publish: dict[str, Any] = {"channel_ids": channel_ids}
        if post.state == "scheduled":
            publish["scheduled_at"] = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        state = "scheduled" if post.state == "scheduled" else "published"
        published = demo.call(f"post {post.title} {state}", "POST", f"{path}/publish", publish)
        if isinstance(published, dict):
            demo.posts[post.key] = published
    if post.state == "archived":
        demo.call(f"post {post.title} archived", "POST", f"{path}/archive", {})
