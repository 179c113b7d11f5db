"""Our metric vocabulary (`METRICS`, from event-contracts: the names events carry), and each
platform's own names for the same figures.

The one place where a platform's field names are turned into ours, so that figures from
different platforms compare. A name is looked up in our vocabulary first, then in the
platform's mapping, then in the names Chinese consoles put in their CSV exports.
"""

from __future__ import annotations

from typing import Final

from event_contracts import METRICS

# Figures of the account rather than of one post.
ACCOUNT_METRICS: Final[frozenset[str]] = frozenset({"followers", "follows_gained", "unfollows"})
POST_METRICS: Final[frozenset[str]] = frozenset(METRICS) - ACCOUNT_METRICS

ENGAGEMENT_METRICS: Final[tuple[str, ...]] = ("likes", "comments", "shares", "favorites")

PLATFORM_VOCABULARIES: Final[dict[str, dict[str, str]]] = {
    # WeChat official accounts: datacube (getarticletotal, getusersummary, getusercumulate).
    "wechat": {
        "int_page_read_count": "reads",
        "int_page_read_user": "readers",
        "ori_page_read_count": "clicks",
        "share_count": "shares",
        "add_to_fav_count": "favorites",
        "like_count": "likes",
        "comment_count": "comments",
        "new_user": "follows_gained",
        "cancel_user": "unfollows",
        "cumulate_user": "followers",
    },
    # Weibo: status counts (`statuses/count` says `reposts`, a status `reposts_count`) and
    # user counts.
    "weibo": {
        "reposts": "shares",
        "comments": "comments",
        "attitudes": "likes",
        "reads_count": "reads",
        "reposts_count": "shares",
        "comments_count": "comments",
        "attitudes_count": "likes",
        "followers_count": "followers",
    },
    "toutiao": {
        "read_count": "reads",
        "impression_count": "clicks",
        "digg_count": "likes",
        "comment_count": "comments",
        "share_count": "shares",
        "repin_count": "favorites",
        "fans_count": "followers",
    },
    "zhihu": {
        "pv": "reads",
        "voteup_count": "likes",
        "comment_count": "comments",
        "favlists_count": "favorites",
        "follower_count": "followers",
    },
    "xiaohongshu": {
        "view_count": "reads",
        "liked_count": "likes",
        "comments_count": "comments",
        "shared_count": "shares",
        "collected_count": "favorites",
        "fans": "followers",
    },
    "bilibili": {
        "view": "reads",
        "like": "likes",
        "reply": "comments",
        "share": "shares",
        "favorite": "favorites",
        "follower": "followers",
    },
}

# Column names of the Chinese consoles' exports (any platform).
CHINESE_NAMES: Final[dict[str, str]] = {
    "阅读量": "reads",
    "阅读数": "reads",
    "阅读次数": "reads",
    "阅读人数": "readers",
    "点赞数": "likes",
    "点赞": "likes",
    "评论数": "comments",
    "评论": "comments",
    "分享数": "shares",
    "转发数": "shares",
    "分享": "shares",
    "收藏数": "favorites",
    "收藏": "favorites",
    "点击量": "clicks",
    "转化数": "conversions",
    "粉丝数": "followers",
    "累计关注人数": "followers",
    "新增关注": "follows_gained",
    "新关注人数": "follows_gained",
    "取消关注": "unfollows",
    "取消关注人数": "unfollows",
}


def normalise_metric(name: str, platform: str | None) -> str | None:
    """Our name for `name` as `platform` spells it, or None when nobody knows it."""
    key = name.strip()
    lowered = key.lower()
    if lowered in METRICS:
        return lowered
    if platform is not None:
        mapped = PLATFORM_VOCABULARIES.get(platform.lower(), {}).get(lowered)
        if mapped is not None:
            return mapped
    return CHINESE_NAMES.get(key)


def known_names(platform: str | None) -> list[str]:
    """The names accepted for `platform`, for error messages."""
    names = list(METRICS)
    if platform is not None:
        names += sorted(PLATFORM_VOCABULARIES.get(platform.lower(), {}))
    return names


# user-svc names a platform as its members are on it; channel-svc names the kind of channel.
COMMUNITY_PLATFORMS = {"wechat_oa": "wechat"}


def community_platform(channel_platform: str | None) -> str | None:
    """The platform user-svc's interactions name for a channel of `channel_platform`."""
    if channel_platform is None:
        return None
    return COMMUNITY_PLATFORMS.get(channel_platform, channel_platform)
