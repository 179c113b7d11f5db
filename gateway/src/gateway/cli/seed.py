"""`mediaops seed-demo`: a living workspace a newcomer can look around in, made through the
gateway only.

It signs up a new workspace, confirmed with the token the gateway mailed into its mail
directory (a second run makes a second one: `demo+2@…`), invites a reviewer, serves two
Chinese feeds locally and fetches them as sources (ideas), adds a manual idea, a word list,
channels of each mode, a campaign with goals, posts in every workflow state (one that the
analysis flags), a community (members from a batch of interactions, segments, a group),
and figures: three months of account figures, and the published posts' figures since
their publication (metrics-svc refuses figures observed before a post went live, and a
post cannot be published in the past).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from gateway.cli.client import ApiError, Client
from gateway.cli.demo_feeds import serve_feeds
from gateway.identity.mails import ACCOUNT_EXISTS, kind_of, signup_token
from gateway.mail import message_names, newest_message

Progress = Callable[[str], None]

WEBHOOK_SECRET = "demo-webhook-secret-0123456789"
FIGURE_BATCH = 500  # points per POST /api/v1/stats (metrics-svc takes up to 10,000)
ACCOUNT_DAYS = 90
# metrics-svc learns posts and channels from events: it may lag the API by a moment.
CATALOG_LAG_SECONDS = 30.0
MAIL_WAIT_SECONDS = 10.0
_LAG_MARKERS = ("unknown post", "unknown channel", "was not published to channel")
STATES = ("draft", "in_review", "approved", "scheduled", "published", "archived")

WORDS = [
    ("某某咖啡", "competitor"),
    ("全网最低价", "advertising_law"),
    ("国家级", "advertising_law"),
    ("治愈失眠", "medical_claim"),
]


@dataclass(frozen=True)
class DemoPost:
    key: str
    title: str
    body: str
    state: str
    channels: tuple[str, ...] = ()
    campaign: bool = False
    tags: tuple[str, ...] = ()


POSTS = [
    DemoPost(
        "autumn",
        "秋季新品上市",
        "# 秋季新品\n\n今天我们发布了**三款**秋季新品：桂花拿铁、栗子摩卡和南瓜燕麦拿铁。\n\n"
        "## 到店尝鲜\n\n每款新品前三天第二杯半价，欢迎来门店品尝。",
        "published",
        ("feed", "xiaohongshu", "webhook"),
        campaign=True,
        tags=("新品", "秋季"),
    ),
    DemoPost(
        "beans",
        "云南咖啡豆的故事",
        "# 从云南到杯中\n\n一颗咖啡豆的旅程：种植、采摘、日晒、烘焙。\n\n"
        "## 产区\n\n我们的豆子来自普洱和保山的合作农场。",
        "published",
        ("feed", "xiaohongshu"),
        campaign=True,
        tags=("咖啡豆", "云南"),
    ),
    DemoPost(
        "pourover",
        "手冲咖啡入门",
        "# 手冲咖啡入门\n\n三样器具、一把秤、一壶热水，就能在家做出好喝的手冲。\n\n"
        "## 步骤\n\n1. 研磨\n2. 闷蒸\n3. 分段注水",
        "published",
        ("feed",),
        tags=("手冲",),
    ),
    DemoPost(
        "winter",
        "冬季限定预告",
        "# 冬季限定\n\n下周上线两款热饮，敬请期待。",
        "scheduled",
        ("feed", "xiaohongshu"),
        campaign=True,
    ),
    DemoPost(
        "openday",
        "门店开放日报名",
        "# 开放日\n\n欢迎来门店参观烘焙车间，名额有限，先到先得。",
        "approved",
    ),
    DemoPost("latteart", "拿铁拉花课程", "# 拉花课程\n\n小班教学，每班六人。", "in_review"),
    DemoPost(
        "flagged",
        "广告用语示例（待修改）",
        "# 全网最低价\n\n某某咖啡做不到的，我们做到了：国家级烘焙工艺，每天一杯治愈失眠。",
        "draft",
    ),
    DemoPost(
        "summer",
        "夏日冰饮回顾",
        "# 夏日冰饮\n\n感谢大家一个夏天的支持，冷萃和气泡美式是今年的人气王。",
        "archived",
        ("feed",),
    ),
]

MEMBERS = [
    ("xiaohongshu", "xhs-1001", "小鱼爱咖啡"),
    ("xiaohongshu", "xhs-1002", "早起的拿铁"),
    ("xiaohongshu", "xhs-1003", "豆子研究所"),
    ("xiaohongshu", "xhs-1004", "周末去探店"),
    ("wechat", "wx-openid-2001", "陈老师"),
    ("wechat", "wx-openid-2002", "阿杰"),
    ("wechat", "wx-openid-2003", "May"),
    ("wechat", "wx-openid-2004", "老王"),
    ("weibo", "wb-3001", "咖啡日记本"),
    ("weibo", "wb-3002", "城市漫步者"),
]
QUESTIONS = [
    "桂花拿铁多少钱？有没有燕麦奶可选？",
    "云南的豆子可以单独买吗？",
    "开放日需要提前报名吗？",
    "手冲用什么研磨度比较好？",
    "周末门店几点开门？",
]
COMMENTS = ["太好喝了，已经打卡！", "包装很好看", "期待冬季新品", "上次的冷萃很不错"]


@dataclass
class SeedReport:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # what, how many, details


@dataclass
class Demo:
    """What the seed made so far, shared by the steps."""

    client: Client
    report: SeedReport
    progress: Progress
    owner_email: str
    password: str
    channels: dict[str, str] = field(default_factory=dict)  # key -> id
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> post
    campaign_id: str | None = None
    reviewer_token: str | None = None
    reviewer_email: str | None = None
    member_ids: list[str] = field(default_factory=list)

    def call(
        self, what: str, method: str, path: str, body: Any = None, *, quiet: bool = False
    ) -> Any:
        """One API call; a failure is recorded (never silent) and answered with None."""
        try:
            result = self.client.json(method, path, json=body)
        except ApiError as exc:
            self.report.failed.append(f"{what}: {exc}")
            return None
        if not quiet:
            self.report.done.append(what)
            self.progress(what)
        return result

    def as_reviewer(self, what: str, path: str, body: dict[str, Any]) -> Any:
        if not self.reviewer_token:
            self.report.skipped.append(f"{what}: no reviewer signed in")
            return None
        response = self.client.http.post(
            path, json=body, headers={"Authorization": f"Bearer {self.reviewer_token}"}
        )
        if response.status_code >= 400:
            self.report.failed.append(f"{what}: {ApiError(response)}")
            return None
        self.report.done.append(what)
        self.progress(what)
        return response.json()


# --- signing up ----------------------------------------------------------------------------


class MailNotFound(Exception):
    """The sign-up's mail did not show up in the mail directory."""


def sign_up(
    client: Client, email: str, password: str, workspace: str, mail_dir: Path
) -> tuple[str, str]:
    """Sign up a new workspace, confirm it with the token the gateway mailed (read from its
    mail directory), and sign in. When the address has an account already (an earlier demo:
    the mail says so), `local+2@domain` and "workspace 2" are tried, and so on.
    Returns (email, workspace)."""
    local, _, domain = email.partition("@")
    for n in range(1, 100):
        address = email if n == 1 else f"{local}+{n}@{domain}"
        name = workspace if n == 1 else f"{workspace} {n}"
        names = message_names(mail_dir)
        mark = names[-1] if names else ""
        client.json(
            "POST",
            "/api/v1/auth/signup",
            auth=False,
            ok=(202,),
            json={"workspace_name": name, "email": address, "password": password},
        )
        message = _mail_to(mail_dir, address, after=mark)
        if kind_of(message) == ACCOUNT_EXISTS:
            continue
        token = signup_token(message)
        if token is None:
            raise MailNotFound(f"the newest mail to {address} in {mail_dir} has no sign-up token")
        client.json("POST", "/api/v1/auth/signup/confirm", auth=False, json={"token": token})
        client.login(address, password)
        return address, name
    raise RuntimeError(f"{email} and its 99 variants are all taken; pass another --email")


def _mail_to(mail_dir: Path, address: str, *, after: str) -> EmailMessage:
    # The directory backend writes before the gateway answers; the wait covers a gateway
    # on a slow disk.
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while (message := newest_message(mail_dir, address, after=after)) is None:
        if time.monotonic() > deadline:
            raise MailNotFound(
                f"no mail to {address} arrived in {mail_dir}. Is the gateway writing its mail "
                "there (GATEWAY_MAIL_DIR, or MEDIAOPS_DATA_DIR/mail) rather than sending it "
                "(GATEWAY_MAIL_URL)? Pass --mail-dir, or sign up and confirm by hand "
                "(mediaops signup, then mediaops confirm-signup TOKEN)."
            )
        time.sleep(0.1)
    return message


# --- the steps -----------------------------------------------------------------------------


def seed(
    client: Client,
    *,
    owner_email: str,
    password: str,
    webhook_url: str,
    wechat_base_url: str | None = None,
    progress: Progress = lambda _: None,
) -> SeedReport:
    """Fill the signed-in workspace. Every step is reported; none fails silently."""
    demo = Demo(client, SeedReport(), progress, owner_email, password)
    seed_team(demo)
    seed_channels(demo, webhook_url, wechat_base_url)
    seed_wordlist(demo)
    seed_campaign(demo)
    seed_sources_and_ideas(demo)
    seed_posts(demo)
    seed_community(demo)
    seed_figures(demo)
    summarise(demo)
    return demo.report


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
                demo.report.done.append(what)
                demo.progress(what)
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
            demo.report.done.append(what)
            demo.progress(what)


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
        demo.report.done.append(what)
        demo.progress(what)
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
            demo.report.done.append(what)
            demo.progress(what)
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
        demo.report.done.append(what)
        demo.progress(what)


# --- figures -------------------------------------------------------------------------------


def _parse(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def account_points(channel_ids: list[str], now: datetime) -> list[dict[str, Any]]:
    """Daily followers (a level) and follows gained / lost (running totals) for 90 days."""
    points: list[dict[str, Any]] = []
    start = (now - timedelta(days=ACCOUNT_DAYS)).replace(hour=12, minute=0, second=0, microsecond=0)
    for c, channel_id in enumerate(channel_ids):
        followers, gained, lost = 800 + 400 * c, 0, 0
        for day in range(ACCOUNT_DAYS):
            at = start + timedelta(days=day)
            if at > now:
                break
            new = 6 + (day * 7 + c * 3) % 11 + day // 10
            gone = 1 + (day * 5 + c) % 4
            gained, lost = gained + new, lost + gone
            followers += new - gone
            for metric, value in (
                ("followers", followers),
                ("follows_gained", gained),
                ("unfollows", lost),
            ):
                points.append(
                    {
                        "channel_id": channel_id,
                        "metric": metric,
                        "value": value,
                        "observed_at": at.isoformat(),
                    }
                )
    return points


def post_points(
    post_id: str, channel_ids: list[str], published_at: datetime, now: datetime, scale: int
) -> list[dict[str, Any]]:
    """Running totals from publication to now, ten observations per channel."""
    points: list[dict[str, Any]] = []
    span = max(now - published_at, timedelta(seconds=1))
    steps = 10
    for c, channel_id in enumerate(channel_ids):
        for step in range(1, steps + 1):
            at = published_at + span * step / steps
            reads = scale * (c + 1) * step * step
            figures = {
                "reads": reads,
                "readers": reads * 4 // 5,
                "likes": reads // 12,
                "comments": reads // 60,
                "shares": reads // 40,
                "favorites": reads // 25,
            }
            for metric, value in figures.items():
                points.append(
                    {
                        "post_id": post_id,
                        "channel_id": channel_id,
                        "metric": metric,
                        "value": value,
                        "observed_at": at.isoformat(),
                    }
                )
    return points


def _send(demo: Demo, points: list[dict[str, Any]]) -> int:
    """POST the points in batches; waits while metrics-svc has not yet learned a post or a
    channel from the events. Returns the points stored."""
    stored = 0
    for start in range(0, len(points), FIGURE_BATCH):
        batch = {"points": points[start : start + FIGURE_BATCH], "source": "demo"}
        deadline = time.monotonic() + CATALOG_LAG_SECONDS
        while True:
            try:
                answer = demo.client.json("POST", "/api/v1/stats", json=batch)
            except ApiError as exc:
                lagging = (
                    exc.status == 422
                    and exc.errors
                    and all(
                        any(m in str(e.get("message", "")) for m in _LAG_MARKERS)
                        for e in exc.errors
                    )
                )
                if lagging and time.monotonic() < deadline:
                    time.sleep(0.3)
                    continue
                demo.report.failed.append(f"figures batch from point {start}: {exc}")
                break
            stored += int(answer.get("points_stored", 0)) if isinstance(answer, dict) else 0
            break
    return stored


def seed_figures(demo: Demo) -> None:
    now = datetime.now(UTC)
    account_channels = [demo.channels[k] for k in ("feed", "xiaohongshu") if k in demo.channels]
    account = account_points(account_channels, now)
    posts: list[dict[str, Any]] = []
    for scale, key in enumerate(("autumn", "beans", "pourover"), start=1):
        post = demo.posts.get(key)
        if not post or post.get("status") != "published" or not post.get("published_at"):
            continue
        channel_ids = [c["channel_id"] for c in post.get("channels", [])] or [
            demo.channels[k] for k in next(p.channels for p in POSTS if p.key == key)
        ]
        posts.extend(
            post_points(post["id"], channel_ids, _parse(post["published_at"]), now, 40 // scale)
        )
    stored_account = _send(demo, account) if account else 0
    stored_posts = _send(demo, posts) if posts else 0
    what = (
        f"figures: {stored_account} account points over {ACCOUNT_DAYS} days, "
        f"{stored_posts} post points since publication"
    )
    demo.report.done.append(what)
    demo.progress(what)
    demo.report.notes.append(
        f"Account figures cover the last {ACCOUNT_DAYS} days. The posts were published just "
        "now and metrics-svc refuses figures observed before a post went live, so the posts' "
        "figures span only the time since their publication (seconds)."
    )


# --- the summary ---------------------------------------------------------------------------


def _count(demo: Demo, path: str, limit: int = 100) -> int:
    """How many items a list answers (following cursors)."""
    total, cursor = 0, None
    for _ in range(50):
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = demo.call(f"count {path}", "GET", url, quiet=True)
        if isinstance(page, list):
            return len(page)
        if not isinstance(page, dict):
            return total
        total += len(page.get("items", []))
        cursor = page.get("next_cursor")
        if not cursor:
            return total
    return total


def _items(answer: Any) -> list[dict[str, Any]] | None:
    """The items of a list answer, paged (`{"items": [...]}`) or not; None on failure."""
    if isinstance(answer, list):
        return [dict(i) for i in answer]
    if isinstance(answer, dict):
        return [dict(i) for i in answer.get("items", [])]
    return None


def summarise(demo: Demo) -> None:
    """Count what exists now, through the API, for the summary table."""
    rows = demo.report.rows

    def listed(path: str) -> list[dict[str, Any]]:
        found = _items(demo.call(f"GET {path}", "GET", path, quiet=True))
        return found if found is not None else []

    team = f"owner {demo.owner_email}"
    if demo.reviewer_email:
        team += f", reviewer {demo.reviewer_email}"
    rows.append(("operators", "2" if demo.reviewer_email else "1", team))
    sources = listed("/api/v1/sources?limit=100")
    rows.append(
        (
            "sources",
            str(len(sources)),
            ", ".join(f"{s['name']} ({s['kind']}, {s['ideas_created']} ideas)" for s in sources),
        )
    )
    origins = Counter(i["origin"] for i in listed("/api/v1/ideas?limit=100"))
    rows.append(
        ("ideas", str(sum(origins.values())), ", ".join(f"{k}: {v}" for k, v in origins.items()))
    )
    states = Counter(p["status"] for p in listed("/api/v1/posts?limit=100"))
    rows.append(
        (
            "posts",
            str(sum(states.values())),
            ", ".join(f"{s}: {states.get(s, 0)}" for s in STATES),
        )
    )
    channels = listed("/api/v1/channels?limit=100")
    rows.append(
        ("channels", str(len(channels)), ", ".join(f"{c['name']} ({c['mode']})" for c in channels))
    )
    wordlists = listed("/api/v1/wordlists")
    rows.append(
        ("word lists", str(len(wordlists)), "品牌禁用词: " + "、".join(w for w, _ in WORDS))
    )
    campaigns = listed("/api/v1/campaigns")
    in_campaign = sum(1 for p in POSTS if p.campaign and p.key in demo.posts)
    rows.append(
        (
            "campaigns",
            str(len(campaigns)),
            ", ".join(
                f"{c['name']} (goals: "
                + ", ".join(f"{k} {v:,.0f}" for k, v in c["goals"].items())
                + f"; {in_campaign} posts)"
                for c in campaigns
            ),
        )
    )
    rows.append(("members", str(_count(demo, "/api/v1/members")), "from the interactions batch"))
    segments = listed("/api/v1/segments?with_counts=true")
    rows.append(
        (
            "segments",
            str(len(segments)),
            ", ".join(f"{s['name']}: {s['count']} members" for s in segments),
        )
    )
    groups = listed("/api/v1/communities")
    rows.append(
        (
            "community groups",
            str(len(groups)),
            ", ".join(f"{g['name']} ({g['summary']['size']} members)" for g in groups),
        )
    )


# --- the command ---------------------------------------------------------------------------


def run_seed_demo(
    client: Client,
    console: Any,
    *,
    email: str,
    password: str,
    workspace: str,
    webhook_url: str,
    wechat_base_url: str | None,
    mail_dir: Path,
) -> SeedReport:
    """Sign up a new demo workspace, fill it, and print what was made and how to sign in."""
    from rich.panel import Panel
    from rich.table import Table

    owner, name = sign_up(client, email, password, workspace, mail_dir)
    console.print(f"Workspace [bold]{name}[/bold] created; signed in as {owner} (owner).")
    report = seed(
        client,
        owner_email=owner,
        password=password,
        webhook_url=webhook_url,
        wechat_base_url=wechat_base_url,
        progress=lambda step: console.print(f"[green]✓[/green] {step}"),
    )
    for item in report.skipped:
        console.print(f"[yellow]–[/yellow] skipped: {item}")
    for item in report.failed:
        console.print(f"[red]✗[/red] {item}")
    table = Table("what", "count", "details", title=f"Demo workspace {name}", show_lines=True)
    for what, count, details in report.rows:
        table.add_row(what, count, details)
    console.print(table)
    gateway = client.credentials.gateway.rstrip("/")
    sign_in = [
        f"Gateway: {gateway}   API docs: {gateway}/docs",
        f"Owner:    mediaops login --email {owner} --password '{password}'",
    ]
    reviewer = f"{owner.partition('@')[0]}.reviewer@{owner.partition('@')[2]}"
    if any(reviewer in row[2] for row in report.rows):
        sign_in.append(f"Reviewer: mediaops login --email {reviewer} --password '{password}'")
    sign_in.append(f"You are signed in as {owner} now.")
    console.print(Panel("\n".join(sign_in), title="How to sign in"))
    for note in report.notes:
        console.print(f"[blue]note:[/blue] {note}", soft_wrap=True)
    return report
