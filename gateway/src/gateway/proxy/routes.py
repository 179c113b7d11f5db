"""Which service answers which resource: the first path segment after `/api/v1`."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.settings import Settings

RESOURCES: dict[str, str] = {
    **dict.fromkeys(("sources", "ideas", "trends", "posts", "wordlists", "campaigns"), "content"),
    **dict.fromkeys(("platforms", "channels", "distributions", "feeds", "links"), "channel"),
    **dict.fromkeys(("members", "interactions", "inbox", "segments", "communities"), "user"),
    **dict.fromkeys(("stats", "reports", "alerts", "conversions"), "metrics"),
}

# Resources anyone may fetch without a token (RSS readers cannot send one).
PUBLIC_RESOURCES = frozenset({"feeds"})


@dataclass(frozen=True)
class Upstream:
    name: str  # as operators know it: "content-svc"
    url: str  # the base URL, without a trailing slash


def upstreams(settings: Settings) -> dict[str, Upstream]:
    return {
        key: Upstream(name=f"{key}-svc", url=url.rstrip("/"))
        for key, url in (
            ("content", settings.content_url),
            ("channel", settings.channel_url),
            ("user", settings.user_url),
            ("metrics", settings.metrics_url),
        )
    }


def route(path: str, table: dict[str, Upstream]) -> tuple[Upstream, bool] | None:
    """The upstream for `/api/v1/<resource>/...` and whether it is public, or None."""
    resource = path.removeprefix("/api/v1/").partition("/")[0]
    service = RESOURCES.get(resource)
    if service is None:
        return None
    return table[service], resource in PUBLIC_RESOURCES
