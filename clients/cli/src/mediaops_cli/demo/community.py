"""The demo's community: members made from a batch of interactions (questions, comments,
likes, follows), two segments, and a group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mediaops_cli.demo.content import COMMENTS, MEMBERS, QUESTIONS
from mediaops_cli.demo.workspace import Demo


def seed_community(demo: Demo) -> None:
    now = datetime.now(UTC)
    on_posts = [demo.posts[k]["id"] for k in ("autumn", "beans") if k in demo.posts]
    items: list[dict[str, Any]] = []

    def add(n: int, kind: str, text: str | None, post_id: str | None, ago: timedelta) -> None:
        platform, external_id, name = MEMBERS[n % len(MEMBERS)]
        item: dict[str, Any] = {
            "platform": platform,
            "kind": kind,
            "author": {"external_id": external_id, "handle": name, "display_name": name},
            "external_id": f"demo-{len(items) + 1}",
            "occurred_at": (now - ago).isoformat(),
        }
        if text:
            item["text"] = text
        if post_id:
            item["post_id"] = post_id
        items.append(item)

    for n in range(len(MEMBERS)):
        add(n, "follow", None, None, timedelta(days=60 - 5 * n))
    for n, question in enumerate(QUESTIONS):
        post_id = on_posts[n % len(on_posts)] if on_posts else None
        add(n, "comment", question, post_id, timedelta(minutes=10 + n))
    for n, comment in enumerate(COMMENTS):
        post_id = on_posts[n % len(on_posts)] if on_posts else None
        add(n + 5, "comment", comment, post_id, timedelta(minutes=5 + n))
    for n in range(len(MEMBERS)):
        post_id = on_posts[n % len(on_posts)] if on_posts else None
        add(n, "like", None, post_id, timedelta(minutes=2 + n))
    add(2, "share", None, on_posts[0] if on_posts else None, timedelta(minutes=3))
    add(4, "direct_message", "请问可以团购吗？公司下午茶想订二十杯。", None, timedelta(hours=3))
    result = demo.call(
        "interactions batch", "POST", "/api/v1/interactions/batch", {"items": items}, quiet=True
    )
    if isinstance(result, dict):
        demo.member_ids = list(dict.fromkeys(item["member_id"] for item in result["items"]))
        what = (
            f"{result['stored']} interactions (questions, comments, likes, follows) from "
            f"{result['members_created']} new members"
        )
        demo.did(what)
    for name, rules in (
        ("最近提问的读者", {"asked_question_within_days": 30}),
        ("小红书粉丝", {"platforms_any": ["xiaohongshu"]}),
    ):
        segment = demo.call(
            f"segment {name}",
            "POST",
            "/api/v1/segments",
            {"name": name, "rules": rules},
            quiet=True,
        )
        if isinstance(segment, dict):
            what = f"segment {name}: {segment['count']} members"
            demo.did(what)
    group = demo.call(
        "community group 星辰咖啡读者 1 群",
        "POST",
        "/api/v1/communities",
        {"name": "星辰咖啡读者 1 群", "kind": "wechat_group", "description": "老顾客和新品试饮群"},
    )
    if isinstance(group, dict):
        joined = 0
        for n, member_id in enumerate(demo.member_ids[:8]):
            role = "owner" if n == 0 else "admin" if n == 1 else "member"
            body = {
                "member_id": member_id,
                "role": role,
                "joined_at": (now - timedelta(days=40 - 4 * n)).isoformat(),
            }
            if demo.call(
                "join", "POST", f"/api/v1/communities/{group['id']}/members", body, quiet=True
            ):
                joined += 1
        what = f"community group 星辰咖啡读者 1 群: {joined} members joined"
        demo.did(what)
