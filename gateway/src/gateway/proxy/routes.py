"""Which service answers which resource: the first path segment after `/api/v1`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.settings import Settings

RESOURCES: dict[str, str] = {
    **dict.fromkeys(
        ("sources", "ideas", "trends", "posts", "wordlists", "campaigns", "media"), "content"
    ),
    **dict.fromkeys(("calendar", "queue"), "content"),
    **dict.fromkeys(
        ("platforms", "channels", "distributions", "feeds", "links", "autoreplies"), "channel"
    ),
    **dict.fromkeys(("webhook-subscriptions",), "channel"),
    **dict.fromkeys(("members", "interactions", "inbox", "segments", "communities"), "user"),
    **dict.fromkeys(("stats", "reports", "alerts", "conversions"), "metrics"),
}

# The API-key scopes that concern each service. A key holding none of them is refused at
# the gateway (403) before the service is asked; the service then checks the exact scope.
SERVICE_SCOPES: dict[str, frozenset[str]] = {
    "content": frozenset({"content:read", "content:write"}),
    "channel": frozenset({"channels:read", "channels:write", "webhooks:manage"}),
    "user": frozenset({"community:read", "interactions:write"}),
    "metrics": frozenset({"stats:read", "stats:write", "conversions:write"}),
}

# Resources anyone may fetch without a token (RSS readers cannot send one).
PUBLIC_RESOURCES = frozenset({"feeds"})
# Single public paths of otherwise private resources: a media file's signed URL (its
# signature, checked by content-svc, is the access; browsers and platforms fetch it bare).
PUBLIC_PATHS = re.compile(r"/api/v1/media/[^/]+/file")


@dataclass(frozen=True)
class Upstream:
    name: str  # as operators know it: "content-svc"
    url: str  # the base URL, without a trailing slash
    key: str = ""  # "content"

    @property
    def scopes(self) -> frozenset[str]:
        return SERVICE_SCOPES.get(self.key, frozenset())


def upstreams(settings: Settings) -> dict[str, Upstream]:
    return {
        key: Upstream(name=f"{key}-svc", url=url.rstrip("/"), key=key)
        for key, url in (
            ("content", settings.content_url),
            ("channel", settings.channel_url),
            ("user", settings.user_url),
            ("metrics", settings.metrics_url),
        )
    }


def body_limits(settings: Settings) -> dict[str, int]:
    """The largest body forwarded to each resource, by path prefix."""
    return {
        **{f"/api/v1/{resource}": settings.max_body_bytes for resource in RESOURCES},
        "/api/v1/media": settings.media_max_body_bytes,
    }


def route(path: str, table: dict[str, Upstream]) -> tuple[Upstream, bool] | None:
    """The upstream for `/api/v1/<resource>/...` and whether it is public, or None."""
    resource = path.removeprefix("/api/v1/").partition("/")[0]
    service = RESOURCES.get(resource)
    if service is None:
        return None
    public = resource in PUBLIC_RESOURCES or PUBLIC_PATHS.fullmatch(path) is not None
    return table[service], public
