"""Title limits of the publishing platforms, for the analysis of a post.

The same values as channel-svc's platform catalogue (which follows /work/shared/PLATFORMS.md);
content-svc keeps its own small copy because services never read each other's code. Weibo
has no title: the title counts against the 140 characters of the whole post.
"""

from __future__ import annotations

from typing import Final

TITLE_LIMITS: Final[dict[str, int]] = {
    "wechat_oa": 32,
    "weibo": 140,
    "toutiao": 30,
    "zhihu": 100,
    "xiaohongshu": 20,
    "douyin": 30,
    "bilibili": 40,
    "baijiahao": 30,
    "dayu": 30,
    "douban": 40,
    "ximalaya": 40,
    "yidian": 30,
    "netease": 30,
    "qingting": 40,
    "lizhi": 40,
    "kuaishou": 30,
    "wechat_channels": 16,
    "meipai": 30,
    "xigua": 30,
    "tieba": 31,
    "jianshu": 50,
    "taobao_weitao": 19,
}

# Names a channel may carry for the same platform.
ALIASES: Final[dict[str, str]] = {"wechat": "wechat_oa"}

# Checked when the workspace has no channels yet: the platforms operators use most.
DEFAULT_PLATFORMS: Final[tuple[str, ...]] = (
    "wechat_oa",
    "weibo",
    "toutiao",
    "xiaohongshu",
    "douyin",
)


def title_limit(platform: str) -> tuple[str, int] | None:
    key = ALIASES.get(platform, platform)
    limit = TITLE_LIMITS.get(key)
    return (key, limit) if limit is not None else None
