"""The summary table: what exists in the demo workspace now, counted through the API."""

from __future__ import annotations

from collections import Counter
from typing import Any

from mediaops_cli.demo.content import POSTS, STATES, WORDS
from mediaops_cli.demo.workspace import Demo


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
    """The items of a list answer (a page: `{"items": [...]}`); None on failure."""
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
