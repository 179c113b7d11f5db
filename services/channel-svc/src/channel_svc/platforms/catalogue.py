"""Every platform Mediaops knows, in one declarative table.

Adding a platform is adding an entry here (and, for an `api` platform, an adapter in
`channel_svc.adapters`). Figures marked "(check)" in PLATFORMS.md are defaults an operator
may revisit; they live here and nowhere else, so the renderer, the pre-publish checks, the
manual hand-off checklist and `GET /api/v1/platforms` always agree.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from channel_svc.platforms.media import GIF, JPEG, MB, MP4, PNG, WEBP, MediaNeed, MediaRules


class Mode(StrEnum):
    API = "api"  # an adapter sends through the platform's API
    MANUAL = "manual"  # Mediaops prepares a copy-ready package; the operator publishes it
    WEBHOOK = "webhook"  # a signed POST to a URL the team owns
    FEED = "feed"  # an RSS 2.0 / Atom feed any reader can subscribe to


class BodyFormat(StrEnum):
    HTML = "html"
    MARKDOWN = "markdown"
    PLAIN = "plain"


class HashtagStyle(StrEnum):
    WEIBO = "weibo"  # #话题#
    TRAILING_SPACE = "trailing_space"  # #话题 (space after each: Xiaohongshu, Douyin...)
    NONE = "none"  # the platform takes tags in a separate field, not in the text


class LinkPolicy(StrEnum):
    ALLOWED = "allowed"  # outside links are fine in the body
    SAFE_DOMAIN = "safe_domain"  # only links under the channel's registered domain
    NONE = "none"  # outside links get the post throttled or removed


class Rules(BaseModel):
    """What a post must respect on the platform. `None` means no limit known."""

    model_config = ConfigDict(frozen=True)

    title_max: int | None = Field(default=None, description="Characters in the title.")
    title_required: bool = True
    body_max: int | None = Field(default=None, description="Characters in the rendered body.")
    summary_max: int | None = None
    body_format: BodyFormat
    images_max: int | None = Field(
        default=None, description="Images in one post (in the body, and in its media list)."
    )
    topics_max: int | None = Field(default=None, description="Hashtags/topics in one post.")
    hashtag_style: HashtagStyle = HashtagStyle.NONE
    link_policy: LinkPolicy = LinkPolicy.ALLOWED
    qr_codes_allowed: bool = True
    cover_required: bool = Field(
        default=False, description="A cover: the post's cover_url, or else its first image."
    )
    media: MediaRules = MediaRules()
    daily_quota: int | None = Field(default=None, description="Posts per account per day.")
    hourly_quota: int | None = Field(default=None, description="Posts per account per hour.")
    screen_words: bool = Field(
        default=True,
        description="Whether the workspace's word lists and the starter list are checked.",
    )
    notes: tuple[str, ...] = Field(default=(), description="Other rules, in words.")


class Platform(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    name: str
    name_zh: str
    mode: Mode
    rules: Rules
    console_url: str | None = Field(default=None, description="Where a manual post is made.")
    # Sends per minute across all of a deployment's channels of this platform, and per channel.
    platform_rate_per_minute: int = 600
    channel_rate_per_minute: int = 60


_MANUAL_NO_LINKS = ("Outside links and QR codes get the post throttled or removed.",)

# Image notes and short videos (Xiaohongshu, Douyin, Kuaishou...): one video, or images,
# never both in one post; MP4 video (check).
_NOTE_MEDIA: dict[str, Any] = {
    "need": MediaNeed.ANY,
    "videos_max": 1,
    "mixed": False,
    "image_types": (JPEG, PNG, WEBP),
    "video_types": (MP4,),
}
_VIDEO_MEDIA: dict[str, Any] = {
    "need": MediaNeed.VIDEO,
    "videos_max": 1,
    "image_types": (JPEG, PNG),
    "video_types": (MP4,),
}
# Article platforms take pictures in the body and no uploaded video (check).
_ARTICLE_MEDIA = MediaRules(videos_max=0, image_types=(JPEG, PNG, GIF, WEBP))

# What most platforms an operator publishes on by hand share.
_MANUAL_RULES: dict[str, Any] = {
    "body_format": BodyFormat.PLAIN,
    "link_policy": LinkPolicy.NONE,
    "qr_codes_allowed": False,
    "cover_required": True,
    "media": _ARTICLE_MEDIA,
    "notes": _MANUAL_NO_LINKS,
}


def _manual_rules(**rules: Any) -> Rules:
    """The rules of a platform an operator publishes on by hand: `rules` say where they
    differ from `_MANUAL_RULES`."""
    return Rules(**(_MANUAL_RULES | rules))


PLATFORMS: tuple[Platform, ...] = (
    Platform(
        key="wechat_oa",
        name="WeChat official account",
        name_zh="微信公众号",
        mode=Mode.API,
        console_url="https://mp.weixin.qq.com/",
        platform_rate_per_minute=120,
        channel_rate_per_minute=20,
        rules=Rules(
            title_max=32,
            body_max=20_000,
            summary_max=128,
            body_format=BodyFormat.HTML,
            link_policy=LinkPolicy.ALLOWED,
            qr_codes_allowed=True,
            cover_required=True,
            daily_quota=100,
            # Permanent image material: BMP/PNG/JPEG/GIF up to 10 MB; a draft carries no
            # uploaded video (video goes through the console's own library).
            media=MediaRules(videos_max=0, image_types=(JPEG, PNG, GIF), image_max_bytes=10 * MB),
            notes=(
                "The cover is uploaded as a permanent material; body images are re-hosted.",
                "Scripts are stripped; outside links stay as text, not clickable.",
                "Publishing is asynchronous and reviewed; a post may be deleted afterwards.",
            ),
        ),
    ),
    Platform(
        key="weibo",
        name="Weibo",
        name_zh="微博",
        mode=Mode.API,
        console_url="https://weibo.com/",
        platform_rate_per_minute=120,
        channel_rate_per_minute=10,
        rules=Rules(
            title_required=False,
            body_max=140,
            body_format=BodyFormat.PLAIN,
            images_max=9,
            hashtag_style=HashtagStyle.WEIBO,
            link_policy=LinkPolicy.SAFE_DOMAIN,
            # `statuses/share.json` takes one `pic`: JPEG, GIF or PNG under 5 MB; no video.
            # A larger library photo is re-encoded to fit (adapters.fitting), so no size
            # rule here refuses the phone photos most posts carry.
            media=MediaRules(videos_max=0, image_types=(JPEG, GIF, PNG)),
            hourly_quota=30,
            notes=(
                "The text must carry a link under the app's registered safe domain.",
                "Posting the same text twice is refused as repeated content.",
            ),
        ),
    ),
    Platform(
        key="webhook",
        name="Webhook",
        name_zh="Webhook 推送",
        mode=Mode.WEBHOOK,
        rules=Rules(body_format=BodyFormat.HTML, screen_words=False),
        # The brand's own systems: they take bursts that a social platform would not.
        platform_rate_per_minute=6000,
        channel_rate_per_minute=1200,
    ),
    Platform(
        key="feed",
        name="RSS / Atom feed",
        name_zh="RSS / Atom 订阅源",
        mode=Mode.FEED,
        rules=Rules(body_format=BodyFormat.HTML),
    ),
    Platform(
        key="toutiao",
        name="Toutiao",
        name_zh="今日头条",
        mode=Mode.MANUAL,
        console_url="https://mp.toutiao.com/",
        rules=_manual_rules(
            title_max=30,
            body_max=50_000,
            images_max=100,
            topics_max=5,
            daily_quota=5,
            notes=("Title between 5 and 30 characters.", *_MANUAL_NO_LINKS),
        ),
    ),
    Platform(
        key="zhihu",
        name="Zhihu",
        name_zh="知乎",
        mode=Mode.MANUAL,
        console_url="https://zhuanlan.zhihu.com/write",
        rules=_manual_rules(
            title_max=100,
            body_max=100_000,
            body_format=BodyFormat.MARKDOWN,
            topics_max=3,
            link_policy=LinkPolicy.ALLOWED,
            notes=("Topics are chosen in the editor, up to 3.",),
            cover_required=False,
        ),
    ),
    Platform(
        key="xiaohongshu",
        name="Xiaohongshu (RED)",
        name_zh="小红书",
        mode=Mode.MANUAL,
        console_url="https://creator.xiaohongshu.com/",
        rules=_manual_rules(
            title_max=20,
            body_max=1_000,
            images_max=18,
            topics_max=10,
            hashtag_style=HashtagStyle.TRAILING_SPACE,
            # An image note (1 to 18 images) or a video note; shown between 3:4 and 4:3,
            # cropped beyond (check).
            media=MediaRules(
                **_NOTE_MEDIA,
                image_max_bytes=20 * MB,
                video_max_seconds=15 * 60,
                aspect=("3:4", "4:3"),
            ),
            notes=("Hashtags are written `#tag ` with a space after each.", *_MANUAL_NO_LINKS),
        ),
    ),
    Platform(
        key="douyin",
        name="Douyin (articles and notes)",
        name_zh="抖音",
        mode=Mode.MANUAL,
        console_url="https://creator.douyin.com/",
        rules=_manual_rules(
            title_max=30,
            body_max=1_000,
            images_max=12,
            topics_max=5,
            hashtag_style=HashtagStyle.TRAILING_SPACE,
            # An image note or a video, portrait to landscape (check).
            media=MediaRules(**_NOTE_MEDIA, video_max_seconds=60 * 60, aspect=("9:16", "16:9")),
        ),
    ),
    Platform(
        key="bilibili",
        name="Bilibili (columns)",
        name_zh="哔哩哔哩专栏",
        mode=Mode.MANUAL,
        console_url="https://member.bilibili.com/platform/upload/text/edit",
        rules=_manual_rules(title_max=40, body_max=100_000, topics_max=10),
    ),
    Platform(
        key="baijiahao",
        name="Baijiahao",
        name_zh="百家号",
        mode=Mode.MANUAL,
        console_url="https://baijiahao.baidu.com/",
        rules=_manual_rules(
            title_max=30,
            body_max=50_000,
            topics_max=5,
            daily_quota=5,
            notes=("Title between 8 and 30 characters.", *_MANUAL_NO_LINKS),
        ),
    ),
    Platform(
        key="dayu",
        name="Dayu (Big Fish)",
        name_zh="大鱼号",
        mode=Mode.MANUAL,
        console_url="https://mp.dayu.com/",
        rules=_manual_rules(title_max=30, body_max=50_000, topics_max=5),
    ),
    Platform(
        key="douban",
        name="Douban",
        name_zh="豆瓣",
        mode=Mode.MANUAL,
        console_url="https://www.douban.com/note/create",
        rules=_manual_rules(
            title_max=40,
            body_max=50_000,
            topics_max=3,
            link_policy=LinkPolicy.ALLOWED,
            cover_required=False,
            notes=(),
        ),
    ),
    Platform(
        key="ximalaya",
        name="Ximalaya",
        name_zh="喜马拉雅",
        mode=Mode.MANUAL,
        console_url="https://studio.ximalaya.com/",
        rules=_manual_rules(
            title_max=40,
            body_max=5_000,
            topics_max=5,
            notes=("Audio is uploaded in the studio; the text is the episode's notes.",),
        ),
    ),
    Platform(
        key="yidian",
        name="Yidian Zixun",
        name_zh="一点资讯",
        mode=Mode.MANUAL,
        console_url="https://mp.yidianzixun.com/",
        rules=_manual_rules(title_max=30, body_max=50_000, topics_max=5),
    ),
    Platform(
        key="netease",
        name="NetEase accounts",
        name_zh="网易号",
        mode=Mode.MANUAL,
        console_url="https://mp.163.com/",
        rules=_manual_rules(title_max=30, body_max=50_000, topics_max=5),
    ),
    Platform(
        key="qingting",
        name="Qingting FM (Dragonfly FM)",
        name_zh="蜻蜓FM",
        mode=Mode.MANUAL,
        console_url="https://studio.qingting.fm/",
        rules=_manual_rules(
            title_max=40,
            body_max=2_000,
            topics_max=5,
            notes=("Audio is uploaded in the studio; the text is the programme notes.",),
        ),
    ),
    Platform(
        key="lizhi",
        name="Lizhi FM",
        name_zh="荔枝FM",
        mode=Mode.MANUAL,
        console_url="https://www.lizhi.fm/",
        rules=_manual_rules(
            title_max=40,
            body_max=2_000,
            topics_max=5,
            notes=("Audio is uploaded in the app; the text is the programme notes.",),
        ),
    ),
    Platform(
        key="kuaishou",
        name="Kuaishou",
        name_zh="快手",
        mode=Mode.MANUAL,
        console_url="https://cp.kuaishou.com/",
        rules=_manual_rules(
            title_max=30,
            body_max=500,
            images_max=12,
            topics_max=5,
            hashtag_style=HashtagStyle.TRAILING_SPACE,
            media=MediaRules(**_NOTE_MEDIA, video_max_seconds=15 * 60),
        ),
    ),
    Platform(
        key="wechat_channels",
        name="WeChat Channels",
        name_zh="微信视频号",
        mode=Mode.MANUAL,
        console_url="https://channels.weixin.qq.com/",
        rules=_manual_rules(
            title_max=16,
            body_max=1_000,
            images_max=9,
            topics_max=5,
            hashtag_style=HashtagStyle.TRAILING_SPACE,
            # A video, or up to 9 images (check).
            media=MediaRules(**_NOTE_MEDIA, video_max_seconds=60 * 60),
            notes=("The short title is 6 to 16 characters.", *_MANUAL_NO_LINKS),
        ),
    ),
    Platform(
        key="meipai",
        name="Meipai",
        name_zh="美拍",
        mode=Mode.MANUAL,
        console_url="https://www.meipai.com/",
        rules=_manual_rules(
            title_max=30,
            body_max=500,
            topics_max=5,
            hashtag_style=HashtagStyle.WEIBO,
            media=MediaRules(**_VIDEO_MEDIA, video_max_seconds=5 * 60),
        ),
    ),
    Platform(
        key="xigua",
        name="Xigua Video",
        name_zh="西瓜视频",
        mode=Mode.MANUAL,
        console_url="https://studio.ixigua.com/",
        rules=_manual_rules(
            title_max=30,
            body_max=400,
            topics_max=5,
            hashtag_style=HashtagStyle.TRAILING_SPACE,
            media=MediaRules(**_VIDEO_MEDIA, video_max_seconds=2 * 60 * 60),
        ),
    ),
    Platform(
        key="tieba",
        name="Baidu Tieba",
        name_zh="百度贴吧",
        mode=Mode.MANUAL,
        console_url="https://tieba.baidu.com/",
        rules=_manual_rules(title_max=31, body_max=10_000, cover_required=False),
    ),
    Platform(
        key="jianshu",
        name="Jianshu",
        name_zh="简书",
        mode=Mode.MANUAL,
        console_url="https://www.jianshu.com/writer",
        rules=_manual_rules(
            title_max=50,
            body_max=100_000,
            body_format=BodyFormat.MARKDOWN,
            link_policy=LinkPolicy.ALLOWED,
            daily_quota=2,
            cover_required=False,
            notes=(),
        ),
    ),
    Platform(
        key="taobao_weitao",
        name="Taobao Weitao",
        name_zh="淘宝微淘",
        mode=Mode.MANUAL,
        console_url="https://we.taobao.com/",
        rules=_manual_rules(
            title_max=19,
            body_max=1_000,
            images_max=9,
            media=MediaRules(**(_NOTE_MEDIA | {"need": MediaNeed.NONE})),
            topics_max=3,
            notes=("Advertising-law words are enforced strictly on shop content.",),
        ),
    ),
)

_BY_KEY = {platform.key: platform for platform in PLATFORMS}


def get_platform(key: str) -> Platform | None:
    return _BY_KEY.get(key)


def platform_keys() -> list[str]:
    return [platform.key for platform in PLATFORMS]
